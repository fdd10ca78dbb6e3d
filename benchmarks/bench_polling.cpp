// Part e of the benchmarks: polling efficiency, simulated on a virtual clock.
//
// 10,000 transfer jobs whose durations follow a fixed-seed log-normal distribution (median 3 minutes, 10 % of
// them longer than 30 minutes) are started and waited for by the real client (client::run_and_wait), all at
// once, over `virtual_transport` below: a transport whose clock is virtual and whose "server" answers each
// status GET from that clock (succeeded once the job's end time has passed, executing before). Every poll the
// client makes is counted, and for each job the delay between its end and the moment run_and_wait returned.
//
// Compared: the library's default poll_schedule, a fixed 15-s interval and a fixed 60-s interval; then a few
// other schedules (named "polling/candidate/...") to show what meets both targets where the default does not.
// Network latency is zero here: the figures are the schedule's alone.
//
// Output: Google Benchmark counters (calls_per_job, gets_per_job, mean_delay_s, ...); the wall time reported is
// the simulation's and means nothing.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <coroutine>
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

/// Job durations: log-normal with median 3 min and P(> 30 min) = 10 %, i.e. mu = ln(180 s) and
/// sigma = ln(10) / z_0.9 (z_0.9 = 1.2815516). Normal deviates by Box-Muller over std::mt19937_64, whose output
/// the standard fixes, so that every standard library draws the same durations.
std::vector<ms> job_durations() {
    constexpr double z90 = 1.2815515655446004;
    const double mu = std::log(180'000.0);  // milliseconds
    const double sigma = std::log(10.0) / z90;
    std::mt19937_64 engine(duration_seed);
    const auto uniform = [&] { return (static_cast<double>(engine() >> 11) + 0.5) * 0x1.0p-53; };  // (0, 1)
    std::vector<ms> out;
    out.reserve(job_count);
    while (static_cast<int>(out.size()) < job_count) {
        const double r = std::sqrt(-2.0 * std::log(uniform()));
        const double theta = 2.0 * std::numbers::pi * uniform();
        for (const double z : {r * std::cos(theta), r * std::sin(theta)}) {
            if (static_cast<int>(out.size()) < job_count) out.push_back(ms{std::llround(std::exp(mu + sigma * z))});
        }
    }
    return out;
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

simulation_result simulate(const trocco::poll_schedule& schedule) {
    static const std::vector<ms> durations = job_durations();
    trocco_bench::virtual_transport transport(durations);
    trocco::client_options options;
    options.api_key = "simulated-key";
    options.random = seeded_random(jitter_seed);
    trocco::client client(transport, std::move(options));

    std::vector<double> delays(job_count, -1.0);
    int succeeded = 0;
    for (int i = 0; i < job_count; ++i) {
        trocco::run_job_request request;
        request.job_definition_id = i + 1;
        trocco::wait_options wait;
        wait.poll = schedule;
        wait.timeout = std::chrono::hours{24 * 365};  // the longest simulated jobs run for days
        trocco::detail::start_detached(
            client.run_and_wait(std::move(request), std::move(wait)),
            [&, i](trocco::detail::task_outcome<trocco::result<trocco::job>>&& outcome) noexcept {
                if (outcome.index() != 1 || !std::get<1>(outcome)) return;
                ++succeeded;
                const auto& job = transport.jobs()[static_cast<std::size_t>(i)];
                delays[static_cast<std::size_t>(i)] = std::chrono::duration<double>(transport.now() - job.ends_at).count();
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
    r.calls_per_job = calls / job_count;
    r.gets_per_job = gets / job_count;
    double sum = 0;
    for (const double d : delays) sum += d;
    r.mean_delay_s = sum / job_count;
    std::sort(delays.begin(), delays.end());
    r.median_delay_s = delays[delays.size() / 2];
    r.p90_delay_s = delays[delays.size() * 9 / 10];
    return r;
}

void run_simulation(benchmark::State& state, trocco::poll_schedule schedule) {
    simulation_result r;
    for (auto _ : state) {
        r = simulate(schedule);
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

/// The sample itself, to check the distribution: median and share above 30 minutes.
void BM_job_durations(benchmark::State& state) {
    std::vector<ms> d;
    for (auto _ : state) {
        d = job_durations();
        benchmark::DoNotOptimize(d.data());
    }
    std::sort(d.begin(), d.end());
    double mean = 0;
    for (const auto x : d) mean += std::chrono::duration<double>(x).count();
    state.counters["median_s"] = std::chrono::duration<double>(d[d.size() / 2]).count();
    state.counters["share_over_30min"] =
        static_cast<double>(std::count_if(d.begin(), d.end(), [](ms x) { return x > 30min; })) / job_count;
    state.counters["mean_s"] = mean / job_count;
    state.counters["max_h"] = std::chrono::duration<double, std::ratio<3600>>(d.back()).count();
}

trocco::poll_schedule schedule(ms first, double growth, ms max, double jitter) {
    trocco::poll_schedule s;
    s.first_delay = first;
    s.growth = growth;
    s.max_delay = max;
    s.jitter = jitter;
    return s;
}

void register_all() {
    benchmark::RegisterBenchmark("polling/durations", BM_job_durations)->Iterations(1)->Unit(benchmark::kMillisecond);
    const auto add = [](const std::string& name, trocco::poll_schedule s) {
        benchmark::RegisterBenchmark(name.c_str(), run_simulation, s)->Iterations(1)->Unit(benchmark::kMillisecond);
    };
    add("polling/default", trocco::poll_schedule{});
    add("polling/fixed_15s", trocco::poll_schedule::fixed(15s));
    add("polling/fixed_60s", trocco::poll_schedule::fixed(60s));
    // Alternatives to the default, for the report: name = first delay, growth, cap, jitter.
    add("polling/candidate/5s_x1.5_to_30s_j0", schedule(5s, 1.5, 30s, 0.0));
    add("polling/candidate/10s_x1.5_to_30s_j0.1", schedule(10s, 1.5, 30s, 0.1));
    add("polling/candidate/5s_x1.5_to_32s_j0.1", schedule(5s, 1.5, 32s, 0.1));
    add("polling/candidate/5s_x2_to_32s_j0.1", schedule(5s, 2.0, 32s, 0.1));
    add("polling/candidate/8s_x2_to_32s_j0.1", schedule(8s, 2.0, 32s, 0.1));
    add("polling/candidate/10s_x1.5_to_32s_j0.1", schedule(10s, 1.5, 32s, 0.1));
    add("polling/candidate/5s_x1.5_to_35s_j0.1", schedule(5s, 1.5, 35s, 0.1));
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
