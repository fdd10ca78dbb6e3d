// Part b of the benchmarks: status polls per second over loopback, with keep-alive, through the real client
// (client::get_job: build the GET, send it, read and parse the answer) on each transport.
//
// The server is responder.hpp: one thread, a fixed job body. benchmarks/run starts it as its own program
// (bench_responder) and passes its base URL in TROCCO_BENCH_URL, so that the Python `requests.Session` loop
// and the shell loop of the `curl` command (run by benchmarks/run itself) hit the same server; without the
// variable this program starts a responder of its own on a thread.
//
// Each benchmark reports items_per_second = polls per second of wall time (the client and the server run on
// different threads, so CPU time of the benchmark thread alone would flatter the curl transport, whose work is
// on its worker thread), and cpu_us_per_poll = CPU time (user + system) of the whole process, every thread, per
// poll, from getrusage(RUSAGE_SELF) around the loop: what benchmarks/run compares with wrk's CPU per request.
#include <utility>  // before Boost 1.74's asio headers

#include <cstdint>
#include <sys/resource.h>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <benchmark/benchmark.h>

#include <trocco/client.hpp>
#include <trocco/sync_wait.hpp>

#ifdef TROCCO_BENCH_ASIO
#include <boost/asio/io_context.hpp>
#include <trocco/asio/transport.hpp>
#endif
#ifdef TROCCO_BENCH_CURL
#include <trocco/curl.hpp>
#endif

#include "responder.hpp"

namespace {

constexpr std::int64_t job_id = 987654;
constexpr const char* api_key = "bench-api-key";

/// The server's base URL: TROCCO_BENCH_URL, else a responder started here (kept for the whole run).
std::string base_url() {
    static const std::string url = [] {
        if (const char* env = std::getenv("TROCCO_BENCH_URL"); env && *env) return std::string(env);
        static trocco_bench::responder own;
        return own.base_url();
    }();
    return url;
}

trocco::client_options client_options() {
    trocco::client_options o;
    o.api_key = api_key;
    o.base_url = base_url();
    return o;
}

/// CPU seconds (user + system) of this process so far, every thread.
double process_cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return seconds(u.ru_utime) + seconds(u.ru_stime);
}

/// Sets the counters once the loop is over: polls per second (wall) and process CPU per poll.
void report(benchmark::State& state, double cpu_before) {
    const double cpu = process_cpu_seconds() - cpu_before;
    state.SetItemsProcessed(state.iterations());
    if (state.iterations() > 0) state.counters["cpu_us_per_poll"] = cpu * 1e6 / static_cast<double>(state.iterations());
}

void check_job(benchmark::State& state, const trocco::result<trocco::job>& r) {
    if (!r) {
        state.SkipWithError(("get_job failed: " + r.error().message()).c_str());
    } else if (r->id != job_id) {
        state.SkipWithError("get_job returned the wrong job");
    }
}

/// The loop of every case: one warm-up poll (it connects), then `poll()` per iteration; stops at the first error.
template <class Poll>
void poll_loop(benchmark::State& state, Poll poll) {
    check_job(state, poll());
    const double cpu_before = process_cpu_seconds();
    for (auto _ : state) {
        auto r = poll();
        benchmark::DoNotOptimize(r);
        if (!r) {
            check_job(state, r);
            break;
        }
    }
    report(state, cpu_before);
}

#ifdef TROCCO_BENCH_ASIO
// The asio transport on an io_context run by the benchmark thread: each poll starts get_job and runs the
// io_context until it completed (the pooled connection stays open between polls).
void BM_asio_transport(benchmark::State& state) {
    boost::asio::io_context io(1);
    trocco::asio::transport transport(io.get_executor());
    trocco::client client(transport, client_options());
    const auto poll = [&]() -> trocco::result<trocco::job> {
        std::optional<trocco::result<trocco::job>> out;
        trocco::detail::start_detached(client.get_job(job_id),
                                       [&out](trocco::detail::task_outcome<trocco::result<trocco::job>>&& o) noexcept {
                                           if (o.index() == 1) {
                                               out.emplace(std::get<1>(std::move(o)));
                                           } else {
                                               out.emplace(trocco::error{trocco::errc::transport_failure, "threw"});
                                           }
                                       });
        io.restart();
        while (!out && io.run_one() > 0) {
        }
        if (!out) return trocco::error{trocco::errc::transport_failure, "the io_context ran out of work"};
        return std::move(*out);
    };
    poll_loop(state, poll);
}
BENCHMARK(BM_asio_transport)->UseRealTime()->MinTime(3.0);
#endif

#ifdef TROCCO_BENCH_CURL
// The curl transport: its worker thread does the I/O; the benchmark thread waits with sync_wait.
void BM_curl_transport(benchmark::State& state) {
    trocco::curl::transport transport;
    trocco::client client(transport, client_options());
    poll_loop(state, [&] { return trocco::sync_wait(client.get_job(job_id)); });
}
BENCHMARK(BM_curl_transport)->UseRealTime()->MinTime(3.0);

// The curl transport with driver::caller: no worker thread; each poll is transport.run(get_job), which drives
// the transfer on the benchmark thread, as the asio case runs its io_context there.
void BM_curl_transport_caller_driven(benchmark::State& state) {
    trocco::curl::transport_options options;
    options.driver = trocco::curl::driver::caller;
    trocco::curl::transport transport(std::move(options));
    trocco::client client(transport, client_options());
    poll_loop(state, [&] { return transport.run(client.get_job(job_id)); });
}
BENCHMARK(BM_curl_transport_caller_driven)->UseRealTime()->MinTime(3.0);
#endif

}  // namespace

int main(int argc, char** argv) {
#ifdef TROCCO_BENCH_CURL
    trocco::curl::global_init_guard curl_init;
#endif
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
