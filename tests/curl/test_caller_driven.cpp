// tests/curl/test_caller_driven.cpp - driver::caller: no worker thread; the transport makes progress inside
// run(task) on the calling thread, where every completion resumes; what run() refuses; destruction.
#include "curl_test_support.hpp"

#include <trocco/client.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/completion_pool.hpp"

namespace curl_tests {
namespace {

trocco::curl::transport_options caller_driven() {
    trocco::curl::transport_options o;
    o.driver = trocco::curl::driver::caller;
    return o;
}

/// GETs `url` `n` times one after the other; records the thread each completion resumed on.
trocco::task<std::vector<std::string>> fetch_n(trocco::curl::transport& t, std::string url, int n,
                                                std::vector<std::thread::id>& threads) {
    std::vector<std::string> bodies;
    for (int i = 0; i < n; ++i) {
        auto r = co_await t.send(get(url), {});
        threads.push_back(std::this_thread::get_id());
        bodies.push_back(r.has_value() ? r->body : "error: " + r.error().message());
    }
    co_return bodies;
}

/// Goes over to `other` and ends there.
trocco::task<int> end_on(completion_pool& other, int value) {
    co_await other.resume_on();
    co_return value;
}

/// Sleeps 0 ms over and over until the transport is destroyed: keeps its driver turning (no idle poll).
trocco::task<int> keep_turning(trocco::curl::transport& t) {
    int turns = 0;
    for (;;) {
        auto r = co_await t.sleep_for(0ms, {});
        if (!r.has_value()) co_return turns;
        ++turns;
    }
}

trocco::task<std::string> nap(trocco::curl::transport& t, std::chrono::milliseconds d, std::stop_token stop = {}) {
    auto r = co_await t.sleep_for(d, std::move(stop));
    co_return r.has_value() ? std::string("slept") : "error: " + r.error().message();
}

TEST_CASE("curl transport, driver::caller: run() drives the transfers on the calling thread", "[curl][caller]") {
    loopback_server server([](const received_request& r) { return reply{200, "OK", {}, r.target}; });
    trocco::curl::transport t(caller_driven());
    CHECK(t.worker_thread_id() == std::thread::id{});

    std::vector<std::thread::id> threads;
    const auto bodies = t.run(fetch_n(t, server.url("/a"), 5, threads));
    CHECK(bodies == std::vector<std::string>(5, "/a"));
    REQUIRE(threads.size() == 5);
    for (const auto& id : threads) CHECK(id == std::this_thread::get_id());
    CHECK(server.connections() == 1);  // the GETs reuse one connection

    SECTION("again, on the same transport and connection") {
        threads.clear();
        CHECK(t.run(fetch_n(t, server.url("/b"), 2, threads)) == std::vector<std::string>(2, "/b"));
        CHECK(server.connections() == 1);
    }
    SECTION("a sleep is served by run() too, and lasts at least its delay") {
        const auto start = t.now();
        CHECK(t.run(nap(t, 120ms)) == "slept");
        CHECK(t.now() - start >= 120ms);
    }
}

TEST_CASE("curl transport, driver::caller: a client runs a job to the end inside run()", "[curl][caller]") {
    std::atomic<int> polls{0};
    loopback_server server(job_seven_handler(polls, 3));
    trocco::curl::transport t(caller_driven());
    trocco::client client{t, {.api_key = "test-key", .base_url = server.base()}};
    std::vector<std::thread::id> callback_threads;
    trocco::wait_options wait;
    wait.poll = trocco::poll_schedule::fixed(20ms);
    wait.timeout = 20s;
    wait.on_status_change = [&](const trocco::job&) { callback_threads.push_back(std::this_thread::get_id()); };

    const auto done = t.run(client.run_and_wait({.job_definition_id = 42}, wait));
    REQUIRE(done.has_value());
    CHECK(done->id == 7);
    CHECK(done->status == trocco::job_status::succeeded);
    CHECK(polls == 3);
    CHECK(server.count("POST") == 1);
    REQUIRE(callback_threads.size() == 3);
    for (const auto& id : callback_threads) CHECK(id == std::this_thread::get_id());
}

TEST_CASE("curl transport, driver::caller: what a completion queues on the driver is served without a wakeup",
          "[curl][caller]") {
    // A completion resumed inside the driver's turn that sends again, or stops another operation, does not wake
    // the driver (it is the driver): the turn must look at the queues again before it polls, or the new send
    // and the stop would wait for the idle poll's end (10 s).
    loopback_server server([](const received_request& r) { return reply{200, "OK", {}, r.target}; });
    trocco::curl::transport t(caller_driven());
    std::stop_source stop;
    task_group<std::string> sibling;
    sibling.start(nap(t, 30s, stop.get_token()));  // queued; started by the run below
    const auto chain = [](trocco::curl::transport& tr, std::string url,
                          std::stop_source& s) -> trocco::task<std::string> {
        std::string bodies;
        for (int i = 0; i < 3; ++i) {
            auto r = co_await tr.send(get(url + std::to_string(i)), {});
            bodies += r.has_value() ? r->body : "error";
            if (i == 0) s.request_stop();  // on the driver, inside a completion
        }
        auto slept = co_await tr.sleep_for(1ms, {});
        co_return slept.has_value() ? bodies : "error";
    };
    const auto start = t.now();
    CHECK(t.run(chain(t, server.url("/"), stop)) == "/0/1/2");
    CHECK(t.now() - start < 5s);
    REQUIRE(sibling.finished() == 1);
    CHECK(contains(sibling.result(0).value(), "sleep canceled"));
    CHECK(sibling.thread(0) == std::this_thread::get_id());
}

TEST_CASE("curl transport, driver::caller: other tasks progress during run() and wait for the next one",
          "[curl][caller]") {
    trocco::curl::transport t(caller_driven());
    task_group<std::string> others;
    others.start(nap(t, 30ms));   // queued; nothing drives it yet
    others.start(nap(t, 400ms));  // still pending when the run below ends
    std::this_thread::sleep_for(60ms);
    CHECK(others.finished() == 0);

    CHECK(t.run(nap(t, 100ms)) == "slept");
    CHECK(others.finished() == 1);
    CHECK(others.result(0).value() == "slept");
    CHECK(others.thread(0) == std::this_thread::get_id());

    CHECK(t.run(nap(t, 500ms)) == "slept");
    REQUIRE(others.finished() == 2);
    CHECK(others.result(1).value() == "slept");
}

TEST_CASE("curl transport, driver::caller: a task that ends on another thread ends run()", "[curl][caller]") {
    loopback_server server([](const received_request& r) { return reply{200, "OK", {}, r.target}; });
    trocco::curl::transport driven(caller_driven());
    trocco::curl::transport threaded;  // its completions resume on its worker
    const auto elsewhere = [](trocco::curl::transport& other, std::string url) -> trocco::task<std::string> {
        auto r = co_await other.send(get(std::move(url)), {});
        co_return r.has_value() ? r->body : "error";
    };
    const auto start = driven.now();
    CHECK(driven.run(elsewhere(threaded, server.url("/other"))) == "/other");
    CHECK(driven.now() - start < 5s);  // woken, not left in its idle poll (10 s)
}

TEST_CASE("curl transport, driver::caller: run() returns only after the thread that ended the task let go of "
          "the transport",
          "[curl][caller]") {
    // The task ends on another thread, which then wakes the driver. run() may return as soon as it sees the task
    // done, and the caller destroys the transport at once: the other thread must be done with the transport by
    // then (else it locks a destroyed mutex: a use after free, which AddressSanitizer reports when the timing
    // hits). The driver keeps turning so that it sees the task done at once; several pairs of threads at once
    // make the unlucky preemption likelier on a small machine.
    constexpr int rounds = 150;
    constexpr int drivers = 3;
    std::atomic<int> ended{0};
    std::vector<std::thread> threads;
    for (int d = 0; d < drivers; ++d) {
        threads.emplace_back([&ended] {
            completion_pool other(1);
            for (int i = 0; i < rounds; ++i) {
                auto t = std::make_unique<trocco::curl::transport>(caller_driven());
                task_group<int> turning;
                turning.start(keep_turning(*t));
                if (t->run(end_on(other, i)) == i) ++ended;
                t.reset();  // at once: the other thread may still be waking the driver
                turning.wait_all(5s);
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(ended == rounds * drivers);
}

TEST_CASE("curl transport, driver::caller: with post, completions resume where post runs them, and run() ends "
          "when the task ends there",
          "[curl][caller]") {
    loopback_server server([](const received_request& r) { return reply{200, "OK", {}, r.target}; });
    completion_pool poster(1);  // outlives the transports: the destructor may still post
    std::vector<std::thread::id> threads;
    for (int round = 0; round < 20; ++round) {
        auto options = caller_driven();
        options.post = [&poster](std::function<void()> f) { poster.post(std::move(f)); };
        auto t = std::make_unique<trocco::curl::transport>(std::move(options));
        threads.clear();
        // Each completion resumes on the poster, which then queues the next send from there (a wakeup).
        CHECK(t->run(fetch_n(*t, server.url("/p"), 3, threads)) == std::vector<std::string>(3, "/p"));
        REQUIRE(threads.size() == 3);
        for (const auto& id : threads) CHECK(id == poster.thread_id(0));
        t.reset();  // at once, the task having ended on the poster
    }
    CHECK(server.connections() == 20);
}

TEST_CASE("curl transport, driver::caller: a stop from another thread cancels a send in flight inside run(), "
          "once",
          "[curl][caller]") {
    loopback_server server([](const received_request& r) -> script {
        if (r.target == "/slow") return script().wait(10s).then(reply{});
        return reply{200, "OK", {}, r.target};
    });
    trocco::curl::transport t(caller_driven());
    std::stop_source stop;
    std::thread stopper([&] {
        server.wait_for_requests(1, 5s);  // the driver is in its poll, the request sent
        std::this_thread::sleep_for(50ms);
        stop.request_stop();
    });
    const auto send_once = [](trocco::curl::transport& tr, trocco::http_request request,
                              std::stop_token token) -> trocco::task<response_result> {
        auto r = co_await tr.send(std::move(request), std::move(token));
        co_return r;
    };
    const auto start = t.now();
    const auto r = t.run(send_once(t, post(server.url("/slow"), "{}"), stop.get_token()));
    stopper.join();
    CHECK(t.now() - start < 5s);
    REQUIRE(is_error(r, trocco::errc::canceled));
    CHECK(r.error().may_have_reached_server());
    CHECK(server.count("POST") == 1);
    const auto next = t.run(send_once(t, get(server.url("/after")), {}));  // the transport goes on working
    REQUIRE(next.has_value());
    CHECK(next->body == "/after");
    CHECK(server.count("POST") == 1);
}

TEST_CASE("curl transport, driver::caller: a stop from another thread cancels a sleep inside run()",
          "[curl][caller]") {
    trocco::curl::transport t(caller_driven());
    std::stop_source stop;
    std::thread stopper([&stop] {
        std::this_thread::sleep_for(50ms);
        stop.request_stop();
    });
    const auto start = t.now();
    const auto r = t.run(nap(t, 30s, stop.get_token()));
    stopper.join();
    CHECK(contains(r, "sleep canceled"));
    CHECK(t.now() - start < 5s);
}

TEST_CASE("curl transport, driver::caller: what run() refuses, and a task's exception", "[curl][caller]") {
    SECTION("a transport with a worker thread") {
        trocco::curl::transport t;
        CHECK_THROWS_AS(t.run(nap(t, 1ms)), std::logic_error);
        CHECK(sleep_sync(t, 1ms).has_value());  // still usable
    }
    SECTION("run() inside a completion of run()") {
        trocco::curl::transport t(caller_driven());
        const auto nested = [](trocco::curl::transport& tr) -> trocco::task<std::string> {
            (void)co_await tr.sleep_for(1ms, {});
            try {
                (void)tr.run(nap(tr, 1ms));
            } catch (const std::logic_error& e) {
                co_return e.what();
            }
            co_return "not refused";
        };
        CHECK(contains(t.run(nested(t)), "inside a completion"));
        CHECK(t.run(nap(t, 1ms)) == "slept");  // the outer run() ended the drive
    }
    SECTION("run() while another thread runs the transport") {
        trocco::curl::transport t(caller_driven());
        std::atomic<bool> running{false};
        const auto long_nap = [](trocco::curl::transport& tr, std::atomic<bool>& flag) -> trocco::task<std::string> {
            flag = true;
            auto r = co_await tr.sleep_for(300ms, {});
            co_return r.has_value() ? "slept" : "error";
        };
        std::string first;
        std::thread runner([&] { first = t.run(long_nap(t, running)); });
        while (!running) std::this_thread::yield();
        std::this_thread::sleep_for(20ms);
        CHECK_THROWS_AS(t.run(nap(t, 1ms)), std::logic_error);
        runner.join();
        CHECK(first == "slept");
    }
    SECTION("run() inside a completion that the destructor resumes") {
        // The destructor completes the pending sleeps on this thread; the first one's coroutine then calls
        // run() on the transport being destroyed, with a task that suspends (on another transport). That run()
        // must be refused: driving it would shut the engine down a second time, inside the first shutdown.
        trocco::curl::transport threaded;  // outlives `t`
        auto t = std::make_unique<trocco::curl::transport>(caller_driven());
        task_group<std::string> pending;
        pending.start([](trocco::curl::transport& tr, trocco::curl::transport& other) -> trocco::task<std::string> {
            (void)co_await tr.sleep_for(10s, {});
            const auto elsewhere = [](trocco::curl::transport& o) -> trocco::task<std::string> {
                auto r = co_await o.sleep_for(20ms, {});
                co_return r.has_value() ? std::string("slept") : "error: " + r.error().message();
            };
            try {
                (void)tr.run(elsewhere(other));
            } catch (const std::logic_error& e) {
                co_return e.what();
            }
            co_return "not refused";
        }(*t, threaded));
        pending.start(nap(*t, 10s));
        t.reset();
        REQUIRE(pending.finished() == 2);
        CHECK(contains(pending.result(0).value(), "being destroyed"));
        CHECK(pending.result(1).value() == "error: the curl transport was destroyed");
    }
    SECTION("the task's exception comes out of run()") {
        trocco::curl::transport t(caller_driven());
        const auto throws = [](trocco::curl::transport& tr) -> trocco::task<int> {
            (void)co_await tr.sleep_for(1ms, {});
            throw std::runtime_error("from the task");
        };
        CHECK_THROWS_WITH(t.run(throws(t)), "from the task");
        CHECK(t.run(nap(t, 1ms)) == "slept");
    }
}

TEST_CASE("curl transport, driver::caller: destruction cancels what is pending, on the destroying thread",
          "[curl][caller]") {
    loopback_server server([](const received_request& r) { return reply{200, "OK", {}, r.target}; });
    task_group<std::string> pending;
    auto t = std::make_unique<trocco::curl::transport>(caller_driven());
    pending.start(nap(*t, 10s));
    pending.start([](trocco::curl::transport& tr, std::string url) -> trocco::task<std::string> {
        auto r = co_await tr.send(get(std::move(url)), {});
        if (r.has_value()) co_return r->body;
        co_return std::string(r.error().may_have_reached_server() ? "reached: " : "not sent: ") + r.error().message();
    }(*t, server.url("/never")));
    t.reset();
    REQUIRE(pending.finished() == 2);
    CHECK(contains(pending.result(0).value(), "destroyed"));
    CHECK(contains(pending.result(1).value(), "not sent: "));
    CHECK(pending.thread(0) == std::this_thread::get_id());
    CHECK(server.requests().empty());
}

}  // namespace
}  // namespace curl_tests
