// examples/readme_example.cpp - the example in README.md (kept identical to it by a test), run against the
// scripted transport so that it needs no network.
#include <chrono>
#include <cstdio>
#include <string>

#include <trocco/testing/scripted_transport.hpp>
#include <trocco/trocco.hpp>

// Starts transfer definition 42 and waits for it; returns a process exit code. Works over any transport:
// trocco::asio::transport in an Asio program, trocco::testing::scripted_transport in a test.
template <class Transport>
trocco::task<int> nightly_load(trocco::client<Transport>* client, std::string day) {
    // Build arguments in named locals: g++ 12 miscompiles some braced initializers inside a co_await expression.
    trocco::run_job_request request{.job_definition_id = 42,
                                    .context_time = day + " 00:00:00",
                                    .custom_variables = {{"$target_date$", day}}};
    trocco::wait_options options{
        .timeout = std::chrono::hours{2},
        .on_triggered = [](std::int64_t id) { std::printf("started job %lld\n", static_cast<long long>(id)); },
        .on_status_change = [](const trocco::job& j) {
            std::printf("job %lld: %s\n", static_cast<long long>(j.id), j.raw_status.c_str());
        }};
    auto done = co_await client->run_and_wait(std::move(request), std::move(options));
    if (done) {
        std::printf("job %lld succeeded\n", static_cast<long long>(done->id));
        co_return 0;
    }
    const trocco::error& e = done.error();
    switch (e.kind()) {
        case trocco::errc::job_failed:     // the job ran and ended in `error`; e.last_job() has it
        case trocco::errc::job_canceled:
        case trocco::errc::job_skipped:
            std::printf("job %lld finished as %s\n", static_cast<long long>(*e.job_id()), e.last_job()->raw_status.c_str());
            co_return 1;
        case trocco::errc::wait_timeout:   // still running on trocco: e.job_id() tells which job to look at
        case trocco::errc::canceled:
            std::printf("stopped waiting; job %lld may still be running\n", static_cast<long long>(*e.job_id()));
            co_return 2;
        case trocco::errc::outcome_unknown:  // the trigger may or may not have started a job: do not rerun blindly
            std::printf("unknown whether definition %lld started: %s\n", static_cast<long long>(*e.definition_id()), e.message().c_str());
            co_return 3;
        default:                           // refused (401, 403, 404, 400), or trocco unreachable after retries
            std::printf("failed: %s\n", e.to_string().c_str());
            co_return 4;
    }
}

int main() {
    trocco::testing::scripted_transport transport;
    transport.respond(200, R"({"id":7,"job_definition_id":42,"status":"queued"})")
        .respond(200, R"({"id":7,"job_definition_id":42,"status":"executing"})")
        .respond(200, R"({"id":7,"job_definition_id":42,"status":"succeeded"})");
    trocco::client client{transport, {.api_key = "your-api-key"}};
    return trocco::sync_wait(nightly_load(&client, "2026-11-27"));
}
