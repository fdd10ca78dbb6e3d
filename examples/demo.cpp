// examples/demo.cpp - the first thing to run (scripts/demo): starts the bundled fake trocco server on a free
// loopback port, then runs a transfer job (with a custom variable) and a workflow to completion through the
// Asio transport, printing each status change with its time.
#include <utility>  // before Boost 1.74's asio headers

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

#include <boost/asio/io_context.hpp>

#include <trocco/asio.hpp>
#include <trocco/testing/fake_server.hpp>
#include <trocco/trocco.hpp>

namespace {

using demo_client = trocco::client<trocco::asio::transport>;
const auto demo_start = std::chrono::steady_clock::now();

double seconds_since_start() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - demo_start).count();
}

void print_status(const char* kind, std::int64_t id, const std::string& status) {
    std::printf("[%6.2f s] %s %lld: %s\n", seconds_since_start(), kind, static_cast<long long>(id), status.c_str());
}

// Fast polling, for a fake server whose jobs take a second or two. Real jobs take minutes: keep the defaults.
trocco::wait_options demo_wait_options() {
    trocco::wait_options options;
    options.poll = trocco::poll_schedule{std::chrono::milliseconds{200}, 1.5, std::chrono::seconds{1}, 0.1};
    options.error_confirmation_delay = std::chrono::milliseconds{300};
    options.timeout = std::chrono::minutes{1};
    options.on_status_change = [](const auto& j) {
        print_status(std::is_same_v<std::decay_t<decltype(j)>, trocco::job> ? "transfer job" : "workflow job", j.id,
                     j.raw_status);
    };
    return options;
}

trocco::task<int> run_demo(demo_client* client) {
    trocco::run_job_request transfer{.job_definition_id = 123, .custom_variables = {{"$ad_id$", "A0000"}}};
    std::printf("[%6.2f s] starting transfer definition 123 with $ad_id$ = A0000\n", seconds_since_start());
    auto job = co_await client->run_and_wait(std::move(transfer), demo_wait_options());
    if (!job) {
        std::printf("transfer failed: %s\n", job.error().to_string().c_str());
        co_return 1;
    }
    std::printf("[%6.2f s] transfer job %lld succeeded\n\n", seconds_since_start(), static_cast<long long>(job->id));

    // Workflow 7 is scripted to fail once and be retried automatically: the wait does not stop at that error.
    trocco::run_workflow_request workflow{.workflow_definition_id = 7};
    std::printf("[%6.2f s] starting workflow definition 7 (it errors once, then retries)\n", seconds_since_start());
    auto pipeline = co_await client->run_and_wait(std::move(workflow), demo_wait_options());
    if (!pipeline) {
        std::printf("workflow failed: %s\n", pipeline.error().to_string().c_str());
        co_return 1;
    }
    std::printf("[%6.2f s] workflow job %lld succeeded\n", seconds_since_start(),
                static_cast<long long>(pipeline->id));
    co_return 0;
}

}  // namespace

int main() {
    boost::asio::io_context io;
    trocco::testing::fake_server_options server_options;
    server_options.api_key = "demo-api-key";
    server_options.status_duration = std::chrono::milliseconds{400};
    trocco::testing::fake_server server{io.get_executor(), server_options};
    server.set_workflow_outcome(7, trocco::testing::scripted_outcome::error_then_retry);
    std::printf("fake trocco server at %s\n", server.base_url().c_str());

    trocco::asio::transport transport{io.get_executor()};
    demo_client client{transport, {.api_key = "demo-api-key", .base_url = server.base_url()}};

    int exit_code = 1;
    trocco::asio::async_run(io.get_executor(), run_demo(&client), [&](std::exception_ptr e, int code) {
        exit_code = e ? 1 : code;
        server.stop();
    });
    io.run();
    std::printf("%zu requests served on %zu connection(s)\n", server.requests().size(), server.connections_accepted());
    return exit_code;
}
