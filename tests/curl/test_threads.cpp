// tests/curl/test_threads.cpp - where things run: sleeps on the worker's timer queue, completions on the worker
// thread or wherever transport_options::post hands them, and a whole client wait driven by sync_wait.
#include "curl_test_support.hpp"

#include <trocco/client.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace curl_tests {
namespace {

TEST_CASE("curl transport: sleep_for waits at least the delay, timers fire in order", "[curl]") {
    trocco::curl::transport t;
    SECTION("one sleep") {
        const auto start = t.now();
        const auto r = sleep_sync(t, 150ms);
        const auto elapsed = t.now() - start;
        CHECK(r.has_value());
        CHECK(elapsed >= 150ms);
        CHECK(elapsed < 2s);
    }
    SECTION("a zero delay") {
        CHECK(sleep_sync(t, 0ms).has_value());
    }
    SECTION("concurrent sleeps complete in the order of their deadlines, on the worker thread") {
        std::mutex mutex;
        std::vector<int> order;
        task_group<int> all;
        const auto sleeper = [](trocco::curl::transport* tr, int ms, std::mutex* m, std::vector<int>* out) -> trocco::task<int> {
            auto slept = co_await tr->sleep_for(std::chrono::milliseconds{ms}, {});
            {
                std::lock_guard lock(*m);
                out->push_back(ms);
            }
            co_return slept.has_value() ? ms : -1;
        };
        all.start(sleeper(&t, 300, &mutex, &order));
        all.start(sleeper(&t, 100, &mutex, &order));
        all.start(sleeper(&t, 200, &mutex, &order));
        REQUIRE(all.wait_all(10s));
        CHECK(order == std::vector<int>{100, 200, 300});
        for (std::size_t i = 0; i < 3; ++i) {
            CHECK(all.result(i).value() > 0);
            CHECK(all.thread(i) == t.worker_thread_id());
        }
    }
}

TEST_CASE("curl transport: the post hook receives every completion", "[curl]") {
    loopback_server server([](const received_request& r) { return reply{200, "OK", {}, r.target}; });

    std::mutex mutex;
    std::condition_variable posted;
    std::vector<std::function<void()>> queue;
    std::size_t posts = 0;
    trocco::curl::transport_options options;
    options.post = [&](std::function<void()> f) {
        std::lock_guard lock(mutex);
        queue.push_back(std::move(f));
        ++posts;
        posted.notify_all();
    };
    // Runs posted resumptions on this thread until `until` holds or `timeout` passes.
    const auto drain = [&](const std::function<bool()>& until, std::chrono::milliseconds timeout) {
        const auto deadline = clock_type::now() + timeout;
        while (!until() && clock_type::now() < deadline) {
            std::vector<std::function<void()>> batch;
            {
                std::unique_lock lock(mutex);
                posted.wait_for(lock, 10ms, [&] { return !queue.empty(); });
                batch.swap(queue);
            }
            for (auto& f : batch) f();
        }
        return until();
    };

    const auto fetch = [](trocco::curl::transport* tr, std::string url) -> trocco::task<std::string> {
        auto r = co_await tr->send(get(std::move(url)), {});
        co_return r.has_value() ? r->body : "error: " + r.error().message();
    };
    const auto nap = [](trocco::curl::transport* tr, std::chrono::milliseconds d) -> trocco::task<std::string> {
        auto r = co_await tr->sleep_for(d, {});
        co_return r.has_value() ? std::string("slept") : "error: " + r.error().message();
    };

    SECTION("completions resume where post runs them") {
        task_group<std::string> all;
        auto t = std::make_unique<trocco::curl::transport>(options);
        all.start(fetch(t.get(), server.url("/1")));
        all.start(fetch(t.get(), server.url("/2")));
        all.start(fetch(t.get(), server.url("/3")));
        all.start(nap(t.get(), 20ms));
        REQUIRE(drain([&] { return all.finished() == 4; }, 10s));
        CHECK(all.result(0).value() == "/1");
        CHECK(all.result(1).value() == "/2");
        CHECK(all.result(2).value() == "/3");
        CHECK(all.result(3).value() == "slept");
        for (std::size_t i = 0; i < 4; ++i) CHECK(all.thread(i) == std::this_thread::get_id());
        std::lock_guard lock(mutex);
        CHECK(posts == 4);
    }
    SECTION("destruction hands the canceled completions to post; they may run after the transport is gone") {
        task_group<std::string> all;
        auto t = std::make_unique<trocco::curl::transport>(options);
        all.start(nap(t.get(), 10s));
        all.start(nap(t.get(), 10s));
        std::this_thread::sleep_for(50ms);
        t.reset();
        CHECK(all.finished() == 0);  // nothing ran inline on the worker
        {
            std::lock_guard lock(mutex);
            CHECK(posts == 2);
        }
        REQUIRE(drain([&] { return all.finished() == 2; }, 5s));
        CHECK(contains(all.result(0).value(), "error: "));
        CHECK(contains(all.result(1).value(), "destroyed"));
    }
}

TEST_CASE("curl transport: completions resume on the worker thread by default", "[curl]") {
    loopback_server server;
    trocco::curl::transport t;
    task_group<response_result> all;
    all.start(as_task(t.send(get(server.url("/x")), {})));
    REQUIRE(all.wait_all(10s));
    CHECK(all.thread(0) == t.worker_thread_id());
    CHECK(all.thread(0) != std::this_thread::get_id());
}

TEST_CASE("curl transport: a client runs a job to the end with sync_wait", "[curl]") {
    std::atomic<int> polls{0};
    loopback_server server(job_seven_handler(polls, 2));
    trocco::curl::transport t;
    trocco::client client{t, {.api_key = "test-key", .base_url = server.base()}};

    std::mutex mutex;
    std::vector<std::string> statuses;
    std::vector<std::thread::id> callback_threads;
    std::int64_t triggered = 0;
    trocco::wait_options wait;
    wait.poll = trocco::poll_schedule::fixed(30ms);
    wait.timeout = 20s;
    wait.on_triggered = [&](std::int64_t id) { triggered = id; };
    wait.on_status_change = [&](const trocco::job& j) {
        std::lock_guard lock(mutex);
        statuses.push_back(j.raw_status);
        callback_threads.push_back(std::this_thread::get_id());
    };

    const auto done = trocco::sync_wait(client.run_and_wait({.job_definition_id = 42}, wait));
    REQUIRE(done.has_value());
    CHECK(done->id == 7);
    CHECK(done->status == trocco::job_status::succeeded);
    CHECK(triggered == 7);
    CHECK(statuses == std::vector<std::string>{"queued", "executing", "succeeded"});
    for (const auto& id : callback_threads) CHECK(id == t.worker_thread_id());

    const auto requests = server.requests();
    REQUIRE(requests.size() == 3);
    CHECK(requests[0].method == "POST");
    REQUIRE(requests[0].header("Authorization") != nullptr);
    CHECK(contains(*requests[0].header("Authorization"), "test-key"));
    CHECK(requests[1].method == "GET");
    CHECK(requests[2].method == "GET");
    CHECK(requests[1].connection != requests[0].connection);  // the trigger had a connection of its own
    CHECK(requests[2].connection == requests[1].connection);  // the polls share one
    CHECK(server.connections() == 2);
}

}  // namespace
}  // namespace curl_tests
