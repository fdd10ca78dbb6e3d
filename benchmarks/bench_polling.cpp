// Part e of the benchmarks: polling efficiency, simulated on a virtual clock.
//
// 10,000 transfer jobs whose durations follow a fixed-seed log-normal distribution (median 3 minutes, 10 % of
// them longer than 30 minutes) are started and waited for by the real client (client::run_and_wait), all at
// once, over `virtual_transport` below: a transport whose clock is virtual and whose "server" answers each
// status GET from that clock (succeeded once the job's end time has passed, executing before). Every poll the
// client makes is counted, and for each job the delay between its end and the moment run_and_wait returned.
//
// Today's workload: the library's default poll_schedule against fixed intervals from 5 s to 2 min (fixed 15 s is
// the baseline for calls, fixed 60 s for the delay), other schedules ("polling/candidate/...": the growth family
// of the previous default and the square-root family of today's at other scales and caps), and from_history()
// with no history, which must give exactly the default's figures.
//
// The history workload (polling/history/...): 200 job definitions whose medians follow today's log-normal, each
// run log-normal around its definition's median (sigma 0.3), 20 past runs known per definition and 50 runs per
// definition waited for (10,000 in all), with poll_schedule::from_history() of the definition's past runs, and
// with the default and the fixed baselines on the same runs.
// Network latency is zero here: the figures are the schedule's alone.
//
// Output: Google Benchmark counters (calls_per_job, gets_per_job, mean_delay_s, ...); the wall time reported is
// the simulation's and means nothing.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <coroutine>
#include <cstdio>
#include <cstdint>
#include <functional>
#include <memory>
#include <numbers>
#include <queue>
#include <random>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include <trocco/client.hpp>
#include <trocco/sync_wait.hpp>

#include "virtual_transport.hpp"

namespace {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

constexpr int job_count = 10'000;
constexpr std::uint64_t duration_seed = 20250601;
constexpr std::uint64_t jitter_seed = 42;

// Today's durations: log-normal with median 3 min and P(> 30 min) = 10 %, i.e. mu = ln(180 s) and
// sigma = ln(10) / z_0.9 (z_0.9 = 1.2815516).
constexpr double z90 = 1.2815515655446004;
const double today_mu = std::log(180'000.0);  // milliseconds
const double today_sigma = std::log(10.0) / z90;

/// `count` standard normal deviates by Box-Muller over std::mt19937_64, whose output the standard fixes, so that
/// every standard library draws the same sample.
std::vector<double> normal_deviates(std::uint64_t seed, int count) {
    std::mt19937_64 engine(seed);
    const auto uniform = [&] { return (static_cast<double>(engine() >> 11) + 0.5) * 0x1.0p-53; };  // (0, 1)
    std::vector<double> out;
    out.reserve(static_cast<std::size_t>(count));
    while (static_cast<int>(out.size()) < count) {
        const double r = std::sqrt(-2.0 * std::log(uniform()));
        const double theta = 2.0 * std::numbers::pi * uniform();
        for (const double z : {r * std::cos(theta), r * std::sin(theta)}) {
            if (static_cast<int>(out.size()) < count) out.push_back(z);
        }
    }
    return out;
}

ms log_normal(double mu, double sigma, double z) { return ms{std::llround(std::exp(mu + sigma * z))}; }

/// Today's workload: 10,000 durations drawn from today's log-normal.
const std::vector<ms>& job_durations() {
    static const std::vector<ms> out = [] {
        std::vector<ms> d;
        for (const double z : normal_deviates(duration_seed, job_count)) d.push_back(log_normal(today_mu, today_sigma, z));
        return d;
    }();
    return out;
}

/// The history workload (issue 15, item 4): 200 job definitions whose median durations follow today's log-normal;
/// each run of a definition is log-normal around that median with sigma 0.3. Each definition has 20 past runs
/// known (its history) and 50 runs to wait for, definition after definition: 10,000 runs.
struct history_workload {
    static constexpr int definitions = 200;
    static constexpr int past_runs = 20;
    static constexpr int runs_per_definition = job_count / definitions;
    static constexpr double run_sigma = 0.3;
    std::vector<ms> medians;                // per definition
    std::vector<std::vector<ms>> history;   // per definition: past_runs durations
    std::vector<ms> durations;              // the runs waited for; run i belongs to definition i / runs_per_definition
};

const history_workload& history_jobs() {
    static const history_workload w = [] {
        history_workload out;
        const auto medians = normal_deviates(duration_seed + 1, history_workload::definitions);
        const auto runs = normal_deviates(duration_seed + 2, history_workload::definitions *
                                                                 (history_workload::past_runs + history_workload::runs_per_definition));
        std::size_t next = 0;
        for (const double z : medians) {
            const ms median = log_normal(today_mu, today_sigma, z);
            const double mu = std::log(static_cast<double>(median.count()));
            out.medians.push_back(median);
            auto& past = out.history.emplace_back();
            for (int k = 0; k < history_workload::past_runs; ++k) past.push_back(log_normal(mu, history_workload::run_sigma, runs[next++]));
            for (int k = 0; k < history_workload::runs_per_definition; ++k) {
                out.durations.push_back(log_normal(mu, history_workload::run_sigma, runs[next++]));
            }
        }
        return out;
    }();
    return w;
}

struct simulation_result {
    double calls_per_job = 0;  // every API call: the trigger POST and each status GET
    double gets_per_job = 0;
    double mean_delay_s = 0;    // job end -> run_and_wait returned, virtual seconds
    double median_delay_s = 0;
    double p90_delay_s = 0;
    int succeeded = 0;
};

/// A seeded, single-threaded source of jitter for the client (reproducible runs).
std::function<double()> seeded_random(std::uint64_t seed) {
    auto engine = std::make_shared<std::mt19937_64>(seed);
    return [engine] { return static_cast<double>((*engine)() >> 11) * 0x1.0p-53; };
}

/// Starts one run_and_wait per duration, all at once, the job of duration i waited for with schedule_of(i), and
/// runs the virtual clock until every wait returned.
simulation_result simulate(const std::vector<ms>& durations, const std::function<trocco::poll_schedule(std::size_t)>& schedule_of) {
    trocco_bench::virtual_transport transport(durations);
    trocco::client_options options;
    options.api_key = "simulated-key";
    options.random = seeded_random(jitter_seed);
    trocco::client client(transport, std::move(options));

    const std::size_t n = durations.size();
    std::vector<double> delays(n, -1.0);
    int succeeded = 0;
    for (std::size_t i = 0; i < n; ++i) {
        trocco::run_job_request request;
        request.job_definition_id = static_cast<std::int64_t>(i) + 1;
        trocco::wait_options wait;
        wait.poll = schedule_of(i);
        wait.timeout = std::chrono::hours{24 * 365};  // the longest simulated jobs run for days
        trocco::detail::start_detached(
            client.run_and_wait(std::move(request), std::move(wait)),
            [&, i](trocco::detail::task_outcome<trocco::result<trocco::job>>&& outcome) noexcept {
                if (outcome.index() != 1 || !std::get<1>(outcome)) return;
                ++succeeded;
                const auto& job = transport.jobs()[i];
                delays[i] = std::chrono::duration<double>(transport.now() - job.ends_at).count();
            });
    }
    transport.run();

    simulation_result r;
    r.succeeded = succeeded;
    double calls = 0, gets = 0;
    for (const auto& j : transport.jobs()) {
        calls += j.posts + j.gets;
        gets += j.gets;
    }
    r.calls_per_job = calls / static_cast<double>(n);
    r.gets_per_job = gets / static_cast<double>(n);
    double sum = 0;
    for (const double d : delays) sum += d;
    r.mean_delay_s = sum / static_cast<double>(n);
    std::sort(delays.begin(), delays.end());
    r.median_delay_s = delays[n / 2];
    r.p90_delay_s = delays[n * 9 / 10];
    return r;
}

void report(benchmark::State& state, const std::function<simulation_result()>& run) {
    simulation_result r;
    for (auto _ : state) {
        r = run();
        benchmark::DoNotOptimize(r);
    }
    if (r.succeeded != job_count) {
        state.SkipWithError(("only " + std::to_string(r.succeeded) + " of 10000 waits succeeded").c_str());
        return;
    }
    state.counters["jobs"] = job_count;
    state.counters["calls_per_job"] = r.calls_per_job;
    state.counters["gets_per_job"] = r.gets_per_job;
    state.counters["mean_delay_s"] = r.mean_delay_s;
    state.counters["median_delay_s"] = r.median_delay_s;
    state.counters["p90_delay_s"] = r.p90_delay_s;
}

/// Today's workload, every job with the same schedule.
void run_today(benchmark::State& state, trocco::poll_schedule schedule) {
    report(state, [&] { return simulate(job_durations(), [&](std::size_t) { return schedule; }); });
}

/// Today's workload through from_history() with no history: must give exactly the default schedule's figures.
void run_today_from_history(benchmark::State& state) {
    report(state, [] {
        return simulate(job_durations(), [](std::size_t) { return trocco::poll_schedule::from_history({}); });
    });
}

/// The history workload, every run with the same schedule (the fixed baselines, the default).
void run_history_workload(benchmark::State& state, trocco::poll_schedule schedule) {
    report(state, [&] { return simulate(history_jobs().durations, [&](std::size_t) { return schedule; }); });
}

/// The history workload, each run with from_history() of its definition's 20 past runs (planned once per
/// definition, as a caller would).
void run_history_informed(benchmark::State& state) {
    report(state, [] {
        const auto& w = history_jobs();
        std::vector<trocco::poll_schedule> plans;
        for (const auto& past : w.history) plans.push_back(trocco::poll_schedule::from_history(past));
        return simulate(w.durations, [&](std::size_t i) { return plans[i / history_workload::runs_per_definition]; });
    });
}

/// The samples themselves, to check the distributions: median and share above 30 minutes.
void describe(benchmark::State& state, const std::vector<ms>& sample) {
    std::vector<ms> d = sample;
    for (auto _ : state) {
        std::sort(d.begin(), d.end());
        benchmark::DoNotOptimize(d.data());
    }
    double mean = 0;
    for (const auto x : d) mean += std::chrono::duration<double>(x).count();
    const auto n = static_cast<double>(d.size());
    state.counters["median_s"] = std::chrono::duration<double>(d[d.size() / 2]).count();
    state.counters["share_over_30min"] =
        static_cast<double>(std::count_if(d.begin(), d.end(), [](ms x) { return x > 30min; })) / n;
    state.counters["mean_s"] = mean / n;
    state.counters["max_h"] = std::chrono::duration<double, std::ratio<3600>>(d.back()).count();
}

/// A growth schedule (no run-time term): first delay, growth, cap, jitter.
trocco::poll_schedule growth_schedule(ms first, double growth, ms max, double jitter) {
    trocco::poll_schedule s;
    s.first_delay = first;
    s.growth = growth;
    s.max_delay = max;
    s.jitter = jitter;
    s.elapsed_scale = 0.0;
    return s;
}

/// A square-root schedule, as the default: first delay, seconds per square root of a second of run time, cap.
trocco::poll_schedule sqrt_schedule(ms first, double scale, ms max) {
    trocco::poll_schedule s;
    s.first_delay = first;
    s.elapsed_scale = scale;
    s.max_delay = max;
    return s;
}

void register_all() {
    const auto add = [](const std::string& name, auto&& fn, auto&&... args) {
        benchmark::RegisterBenchmark(name.c_str(), fn, args...)->Iterations(1)->Unit(benchmark::kMillisecond);
    };
    // Today's workload.
    add("polling/durations", describe, job_durations());
    add("polling/default", run_today, trocco::poll_schedule{});
    add("polling/from_history_none", run_today_from_history);
    for (const int s : {5, 10, 15, 20, 30, 45, 60, 90, 120}) {
        add("polling/fixed_" + std::to_string(s) + "s", run_today, trocco::poll_schedule::fixed(std::chrono::seconds{s}));
    }
    // Alternatives to the default, for the report. Growth schedules (the previous default's family): name = first
    // delay, growth, cap, jitter.
    add("polling/candidate/5s_x1.5_to_30s_j0.1", run_today, growth_schedule(5s, 1.5, 30s, 0.1));
    add("polling/candidate/5s_x1.5_to_35s_j0.1", run_today, growth_schedule(5s, 1.5, 35s, 0.1));
    add("polling/candidate/8s_x2_to_32s_j0.1", run_today, growth_schedule(8s, 2.0, 32s, 0.1));
    // Square-root schedules (the default's family, +/-10 %): name = first delay, scale, cap.
    for (const double scale : {1.0, 1.2, 1.45, 1.7, 2.0}) {
        for (const int cap : {60, 120, 300}) {
            if (scale == 1.45 && cap == 120) continue;  // the default
            char name[80];
            std::snprintf(name, sizeof name, "polling/candidate/5s_sqrt%.2f_to_%ds", scale, cap);
            add(name, run_today, sqrt_schedule(5s, scale, std::chrono::seconds{cap}));
        }
    }
    // The history workload (200 definitions, 20 past runs each).
    add("polling/history/durations", describe, history_jobs().durations);
    add("polling/history/from_history", run_history_informed);
    add("polling/history/default", run_history_workload, trocco::poll_schedule{});
    for (const int s : {15, 60}) {
        add("polling/history/fixed_" + std::to_string(s) + "s", run_history_workload,
            trocco::poll_schedule::fixed(std::chrono::seconds{s}));
    }
}

}  // namespace

int main(int argc, char** argv) {
    register_all();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
