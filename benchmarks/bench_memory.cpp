// Part c of the benchmarks: memory per waiting job. 10,000 run_and_wait at once, on one thread, with the asio
// transport, against the fake trocco server (trocco-fake-server, a separate process, so that its own memory is
// not counted). Figure: (peak RSS during the run - RSS of the idle process) / 10,000, where "idle" is this
// process after a warm-up wait on the same client and transport (libraries loaded, pools and allocator arenas
// set up). The peak is the kernel's high-water mark (VmHWM), reset just before the waits start.
//
// Connections: transport_options::max_connections_per_host = 8 (busy and idle together; sends beyond it wait in
// the transport for a connection). The benchmark checks it: a timer samples this process's open sockets every
// 50 ms; counter peak_sockets (the most seen, less those open before the warm-up) should be at most 8.
// Counters: bytes_per_job, completed, idle_rss_kib, peak_rss_kib, peak_sockets, and heap_peak_bytes_per_job (the
// peak of live heap bytes, counted by the operator new/delete of this program, less those live before, per job).
//
// To see where the memory goes, memory/client_only runs the same 10,000 run_and_wait over virtual_transport.hpp
// (no I/O, nothing allocated per operation by the transport): the live heap bytes per job while every trigger
// POST is pending (heap_bytes_per_job_in_trigger) and while every job sleeps between polls
// (heap_bytes_per_job_sleeping): the client's coroutine frames and what they own.
//
// The fake server's URL comes from TROCCO_BENCH_FAKE_URL (benchmarks/run starts trocco-fake-server with
// --status-duration-ms 2000: every job finishes 6 s after its trigger); without it a fake_server is started in
// this process on its own thread, and its memory is then counted too (the counter in_process_server says so).
#include <utility>  // before Boost 1.74's asio headers

#include <algorithm>
#include <filesystem>
#include <functional>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <system_error>
#include <string>

#include <benchmark/benchmark.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <trocco/asio/transport.hpp>
#include <trocco/client.hpp>
#include <trocco/sync_wait.hpp>
#include <trocco/testing/fake_server.hpp>

#include "heap_counter.hpp"
#include "virtual_transport.hpp"

namespace {

constexpr int job_count = 10'000;

/// A field of /proc/self/status in kB (VmRSS, VmHWM).
long proc_status_kib(const std::string& field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0) return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
    }
    return -1;
}

/// Resets VmHWM to the current RSS (Linux >= 4.0).
bool reset_peak_rss() {
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
    out.flush();
    return static_cast<bool>(out);
}

/// Open sockets of this process (entries of /proc/self/fd that are sockets).
int open_sockets() {
    int n = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
        std::error_code link_ec;
        const auto target = std::filesystem::read_symlink(entry.path(), link_ec);
        if (!link_ec && target.native().rfind("socket:", 0) == 0) ++n;
    }
    return n;
}

void BM_asio_waits(benchmark::State& state) {
    std::unique_ptr<trocco::testing::fake_server> own_server;
    std::string url;
    if (const char* env = std::getenv("TROCCO_BENCH_FAKE_URL"); env && *env) {
        url = env;
    } else {
        trocco::testing::fake_server_options fo;
        fo.status_duration = std::chrono::seconds{2};
        own_server = std::make_unique<trocco::testing::fake_server>(fo);
        url = own_server->base_url();
    }

    boost::asio::io_context io(1);
    trocco::asio::transport_options to;
    to.max_connections_per_host = 8;
    trocco::asio::transport transport(io.get_executor(), to);
    trocco::client_options co;
    co.api_key = "fake-api-key";
    co.base_url = url;
    trocco::client client(transport, std::move(co));

    int completed = 0;
    int failed = 0;
    int peak_sockets = 0;
    std::string first_error;
    const auto start = [&](int i) {
        trocco::run_job_request request;
        request.job_definition_id = 1 + i % 100;
        trocco::detail::start_detached(
            client.run_and_wait(std::move(request)),
            [&](trocco::detail::task_outcome<trocco::result<trocco::job>>&& o) noexcept {
                if (o.index() == 1 && std::get<1>(o)) {
                    ++completed;
                } else {
                    ++failed;
                    if (first_error.empty()) {
                        first_error = o.index() == 1 ? std::get<1>(o).error().message() : "exception";
                    }
                }
            });
    };

    long idle_kib = 0, peak_kib = 0, heap_peak = 0;
    for (auto _ : state) {
        const int sockets_before = open_sockets();  // before the warm-up: its pooled connection counts
        // Warm-up: one whole wait, so that the idle process has everything but the waits themselves.
        start(0);
        io.run();
        io.restart();
        completed = 0;
        failed = 0;
        idle_kib = proc_status_kib("VmRSS");
        if (!reset_peak_rss()) {
            state.SkipWithError("cannot reset the peak RSS (/proc/self/clear_refs)");
            return;
        }
        const long heap_before = trocco_bench::heap::live.load();
        trocco_bench::heap::peak.store(heap_before);
        for (int i = 0; i < job_count; ++i) start(i);
        // Samples the open sockets until every wait is done.
        boost::asio::steady_timer sampler(io);
        std::function<void()> sample = [&] {
            peak_sockets = std::max(peak_sockets, open_sockets() - sockets_before);
            if (completed + failed == job_count) return;
            sampler.expires_after(std::chrono::milliseconds{50});
            sampler.async_wait([&](const boost::system::error_code& ec) {
                if (!ec) sample();
            });
        };
        sample();
        io.run();
        peak_kib = proc_status_kib("VmHWM");
        heap_peak = trocco_bench::heap::peak.load() - heap_before;
    }
    if (completed != job_count) {
        state.SkipWithError(("only " + std::to_string(completed) + " of 10000 waits succeeded; first error: " +
                             first_error).c_str());
        return;
    }
    state.counters["completed"] = completed;
    state.counters["idle_rss_kib"] = static_cast<double>(idle_kib);
    state.counters["peak_rss_kib"] = static_cast<double>(peak_kib);
    state.counters["bytes_per_job"] = static_cast<double>(peak_kib - idle_kib) * 1024.0 / job_count;
    state.counters["peak_sockets"] = peak_sockets;
    state.counters["heap_peak_bytes_per_job"] = static_cast<double>(heap_peak) / job_count;
    state.counters["in_process_server"] = own_server ? 1 : 0;
}

BENCHMARK(BM_asio_waits)->Name("memory/asio_8_connections")->Iterations(1)->Unit(benchmark::kMillisecond);

// The client alone, over the virtual clock: live heap per waiting job, in the trigger and asleep.
void BM_client_only(benchmark::State& state) {
    const std::vector<std::chrono::milliseconds> durations(job_count, std::chrono::minutes{1});
    double in_trigger = 0, sleeping = 0;
    int completed = 0;
    for (auto _ : state) {
        trocco_bench::virtual_transport transport(durations);
        trocco::client_options co;
        co.api_key = "fake-api-key";
        trocco::client client(transport, std::move(co));
        completed = 0;
        const long before = trocco_bench::heap::live.load();
        for (int i = 0; i < job_count; ++i) {
            trocco::run_job_request request;
            request.job_definition_id = i + 1;
            trocco::detail::start_detached(client.run_and_wait(std::move(request)),
                                           [&](trocco::detail::task_outcome<trocco::result<trocco::job>>&& o) noexcept {
                                               if (o.index() == 1 && std::get<1>(o)) ++completed;
                                           });
        }
        in_trigger = static_cast<double>(trocco_bench::heap::live.load() - before) / job_count;
        const auto start = transport.now();
        while (transport.run_one(start)) {  // every trigger answered: all 10,000 now sleep before their first poll
        }
        sleeping = static_cast<double>(trocco_bench::heap::live.load() - before) / job_count;
        transport.run();
    }
    if (completed != job_count) {
        state.SkipWithError("not every wait succeeded");
        return;
    }
    state.counters["completed"] = completed;
    state.counters["heap_bytes_per_job_in_trigger"] = in_trigger;
    state.counters["heap_bytes_per_job_sleeping"] = sleeping;
}
BENCHMARK(BM_client_only)->Name("memory/client_only")->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
