// examples/exactly_once_example.cpp - exactly-once runs across retries of the caller (README.md, kept identical by a
// test): a CI step whose runner dies after trocco accepted the run is run again with the same idempotency key; the
// second attempt sends no POST, it re-attaches to the job the first one started.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stop_token>
#include <string>

#include <trocco/file_idempotency_store.hpp>
#include <trocco/testing/scripted_transport.hpp>
#include <trocco/trocco.hpp>

// One attempt of the step: start definition 42 for `key`, or re-attach to the job an earlier attempt started.
template <class Transport>
trocco::task<int> nightly_step(trocco::client<Transport>* client, std::string key, std::stop_token runner_alive) {
    trocco::run_job_request request{.job_definition_id = 42};
    trocco::wait_options options{.stop_token = runner_alive, .reconcile = true, .idempotency_key = std::move(key)};
    auto done = co_await client->run_and_wait(std::move(request), std::move(options));
    std::printf("%s\n", done ? "the job succeeded" : done.error().to_string().c_str());
    co_return done ? 0 : 1;
}

int main() {
    char dir[] = "/tmp/trocco-state-XXXXXX";
    if (::mkdtemp(dir) == nullptr) return 1;
    trocco::testing::scripted_transport transport;
    auto store = std::make_shared<trocco::file_idempotency_store>(dir);  // e.g. a directory that survives the runner
    trocco::client client{transport, {.api_key = "k", .idempotency_store = store}};
    const std::string key = "nightly-2026-12-01";  // the same for every attempt of the step, e.g. the CI run's id

    // The first attempt: trocco accepts the run, then the runner dies (here: a stop) before the job ends.
    std::stop_source runner;
    transport.respond(200, R"({"id":7,"job_definition_id":42,"status":"queued"})");
    transport.on_sleep([&](std::chrono::milliseconds) { runner.request_stop(); });
    trocco::sync_wait(nightly_step(&client, key, runner.get_token()));

    // The second attempt reads job 7 instead of starting another.
    transport.on_sleep({});
    transport.respond(200, R"({"id":7,"job_definition_id":42,"status":"succeeded"})");
    const int second = trocco::sync_wait(nightly_step(&client, key, {}));

    int posts = 0;
    for (const auto& r : transport.requests()) posts += r.method == trocco::http_method::post ? 1 : 0;
    std::printf("%d POST in %zu requests\n", posts, transport.requests().size());
    std::system((std::string("rm -rf ") + dir).c_str());
    return second == 0 && posts == 1 ? 0 : 1;
}
