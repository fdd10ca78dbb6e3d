// tests/curl/test_stop.cpp - stopping: a stop token ends a send or a sleep promptly, destroying the transport ends
// everything in flight with canceled.
#include "curl_test_support.hpp"

#include <memory>
#include <thread>

namespace curl_tests {
namespace {

TEST_CASE("curl transport: a stop request cancels promptly", "[curl]") {
    loopback_server server([](const received_request& r) -> script {
        if (r.target == "/slow") return script().wait(10s).then(reply{});
        return reply{};
    });
    trocco::curl::transport t;

    SECTION("during a send") {
        std::stop_source source;
        std::thread stopper([&] {
            server.wait_for_requests(1, 5s);
            std::this_thread::sleep_for(50ms);
            source.request_stop();
        });
        const auto start = clock_type::now();
        const auto r = send_sync(t, get(server.url("/slow")), source.get_token());
        stopper.join();
        CHECK(since(start) < 3s);
        REQUIRE(is_error(r, trocco::errc::canceled));
        CHECK(server.requests().size() == 1);
        const auto next = send_sync(t, get(server.url("/fast")));  // the transport goes on working
        REQUIRE(next.has_value());
        CHECK(next->status == 200);
    }
    SECTION("during a sleep") {
        std::stop_source source;
        std::thread stopper([&] {
            std::this_thread::sleep_for(100ms);
            source.request_stop();
        });
        const auto start = clock_type::now();
        const auto r = sleep_sync(t, 10s, source.get_token());
        stopper.join();
        CHECK(since(start) < 3s);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == trocco::errc::canceled);
    }
    SECTION("requested before the co_await: nothing is sent") {
        std::stop_source source;
        source.request_stop();
        CHECK(is_error(send_sync(t, get(server.url("/fast")), source.get_token()), trocco::errc::canceled));
        const auto s = sleep_sync(t, 10s, source.get_token());
        REQUIRE_FALSE(s.has_value());
        CHECK(s.error().kind() == trocco::errc::canceled);
        CHECK(server.requests().empty());
    }
    SECTION("requested from a completion on the worker thread") {
        std::stop_source source;
        task_group<bool> all;
        const auto stop_after = [](trocco::curl::transport* tr, std::stop_source* s) -> trocco::task<bool> {
            auto slept = co_await tr->sleep_for(50ms, {});
            s->request_stop();  // runs the other operation's stop callback on the worker thread
            co_return slept.has_value();
        };
        const auto long_send = [](trocco::curl::transport* tr, std::string url, std::stop_token stop) -> trocco::task<bool> {
            auto r = co_await tr->send(get(std::move(url)), std::move(stop));
            co_return !r.has_value() && r.error().kind() == trocco::errc::canceled;
        };
        const auto start = clock_type::now();
        all.start(long_send(&t, server.url("/slow"), source.get_token()));
        all.start(stop_after(&t, &source));
        REQUIRE(all.wait_all(5s));
        CHECK(since(start) < 3s);
        CHECK(all.result(0).value());
        CHECK(all.result(1).value());
    }
}

TEST_CASE("curl transport: destruction completes everything in flight with canceled", "[curl]") {
    loopback_server server([](const received_request&) { return script().wait(10s).then(reply{}); });
    constexpr std::size_t sends = 5;
    constexpr std::size_t sleeps = 5;
    task_group<trocco::errc> all;
    auto t = std::make_unique<trocco::curl::transport>();
    const auto send_one = [](trocco::curl::transport* tr, std::string url) -> trocco::task<trocco::errc> {
        auto r = co_await tr->send(post(std::move(url), "{}"), {});
        co_return r.has_value() ? trocco::errc{} : r.error().kind();
    };
    const auto sleep_one = [](trocco::curl::transport* tr) -> trocco::task<trocco::errc> {
        auto r = co_await tr->sleep_for(10s, {});
        co_return r.has_value() ? trocco::errc{} : r.error().kind();
    };
    for (std::size_t i = 0; i < sends; ++i) all.start(send_one(t.get(), server.url("/api/jobs?job_definition_id=1")));
    for (std::size_t i = 0; i < sleeps; ++i) all.start(sleep_one(t.get()));
    REQUIRE(server.wait_for_requests(sends, 5s));  // the transfers are really in flight
    CHECK(all.finished() == 0);

    const auto start = clock_type::now();
    t.reset();
    CHECK(since(start) < 3s);
    CHECK(all.finished() == sends + sleeps);  // resumed before the destructor returned
    REQUIRE(all.wait_all(1s));
    for (std::size_t i = 0; i < sends + sleeps; ++i) CHECK(all.result(i).value() == trocco::errc::canceled);
}

}  // namespace
}  // namespace curl_tests
