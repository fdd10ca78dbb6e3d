// tests/curl/test_stop.cpp - stopping: a stop token ends a send or a sleep promptly, destroying the transport ends
// everything in flight with canceled.
#include "curl_test_support.hpp"

#include <algorithm>
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

namespace curl_tests {
namespace {

/// Whether every byte that reached the server was part of no request (none arrived at all).
bool nothing_arrived(const loopback_server& server) { return server.requests().empty() && server.bytes_received() == 0; }

/// Waits for the one send of `all` to end, requires that it ended canceled, and returns whether its error says the
/// request may have reached the server.
bool ended_canceled_may_have_reached(task_group<response_result>& all) {
    REQUIRE(all.wait_all(5s));
    REQUIRE(all.result(0).has_value());
    INFO(describe(*all.result(0)));
    REQUIRE(is_error(*all.result(0), trocco::errc::canceled));
    return all.result(0)->error().may_have_reached_server();
}

// Issue 10 item 8: a canceled send says whether its request may have reached the server. Not marked (it may
// have) once libcurl is about to write the request; marked with_nothing_sent() before: a stop before the transfer
// started, during resolution (tests/curl/test_dns.cpp), during the connect or the TLS handshake, or the transport
// destroyed then.
TEST_CASE("curl transport: a canceled send says whether the request may have reached the server", "[curl][issue10]") {
    std::stop_source source;

    SECTION("stopped before the co_await") {
        trocco::curl::transport t;
        loopback_server server;
        source.request_stop();
        const auto r = send_sync(t, post(server.url("/api/jobs?job_definition_id=1"), "{}"), source.get_token());
        INFO(describe(r));
        REQUIRE(is_error(r, trocco::errc::canceled));
        CHECK_FALSE(r.error().may_have_reached_server());
        CHECK(nothing_arrived(server));
    }
    SECTION("stopped after the co_await, before the worker started the transfer") {
        // The stop callback and the start race on the worker; whichever wins, nothing was sent.
        test_support::unaccepting_listener listener;
        trocco::curl::transport t;
        for (int i = 0; i < 20; ++i) {
            std::stop_source each;
            task_group<response_result> all;
            all.start(as_task(t.send(post(listener.url("/api/jobs?job_definition_id=1"), "{}"), each.get_token())));
            each.request_stop();
            CHECK_FALSE(ended_canceled_may_have_reached(all));
        }
    }
    SECTION("stopped during the connect") {
        test_support::unaccepting_listener listener;
        trocco::curl::transport t;
        task_group<response_result> all;
        all.start(as_task(t.send(post(listener.url("/api/jobs?job_definition_id=1"), "{}"), source.get_token())));
        std::this_thread::sleep_for(150ms);
        source.request_stop();
        CHECK_FALSE(ended_canceled_may_have_reached(all));
    }
    SECTION("stopped during the TLS handshake (the server never answers the ClientHello)") {
        test_support::loopback_server_options silent;
        silent.on_accept = script().wait(10s);
        loopback_server server({}, silent);
        trocco::curl::transport t;
        task_group<response_result> all;
        all.start(as_task(t.send(post("https://127.0.0.1:" + std::to_string(server.port()) + "/api/jobs", "{}"),
                                 source.get_token())));
        REQUIRE(server.wait_for_connections(1, 5s));
        std::this_thread::sleep_for(100ms);
        source.request_stop();
        CHECK_FALSE(ended_canceled_may_have_reached(all));
        CHECK(server.requests().empty());
    }
    SECTION("stopped after the server read the request: it may have reached the server") {
        loopback_server server([](const received_request&) { return script().wait(10s).then(reply{}); });
        trocco::curl::transport t;
        task_group<response_result> all;
        all.start(as_task(t.send(post(server.url("/api/jobs?job_definition_id=1"), "{}"), source.get_token())));
        REQUIRE(server.wait_for_requests(1, 5s));
        source.request_stop();
        CHECK(ended_canceled_may_have_reached(all));
    }
    SECTION("the transport destroyed during the connect, and after a request was read") {
        test_support::unaccepting_listener listener;
        loopback_server server([](const received_request&) { return script().wait(10s).then(reply{}); });
        auto t = std::make_unique<trocco::curl::transport>();
        task_group<response_result> all;
        all.start(as_task(t->send(post(listener.url("/api/jobs?job_definition_id=1"), "{}"), {})));
        all.start(as_task(t->send(post(server.url("/api/jobs?job_definition_id=2"), "{}"), {})));
        REQUIRE(server.wait_for_requests(1, 5s));
        t.reset();
        REQUIRE(all.wait_all(1s));
        for (std::size_t i = 0; i < 2; ++i) {
            REQUIRE(all.result(i).has_value());
            INFO(describe(*all.result(i)));
            REQUIRE(is_error(*all.result(i), trocco::errc::canceled));
        }
        CHECK_FALSE(all.result(0)->error().may_have_reached_server());  // still connecting
        CHECK(all.result(1)->error().may_have_reached_server());        // read by the server
    }
    SECTION("many sends, the transport destroyed while they start: a request the server got is never unmarked") {
        // The safety property behind the mark: "nothing was sent" is never said of a request that arrived. Sends
        // are caught in every phase (queued, starting, connecting, sent); each canceled one is checked against what
        // the server received, identified by its target.
        loopback_server server([](const received_request&) { return script().wait(10s).then(reply{}); });
        for (const auto pause : {0ms, 1ms, 5ms, 20ms}) {
            auto t = std::make_unique<trocco::curl::transport>();
            task_group<response_result> all;
            const std::string round = std::to_string(pause.count());
            for (int i = 0; i < 30; ++i) {
                all.start(as_task(t->send(post(server.url("/r" + round + "/" + std::to_string(i)), "{}"), {})));
            }
            std::this_thread::sleep_for(pause);
            t.reset();
            REQUIRE(all.wait_all(5s));
            std::this_thread::sleep_for(50ms);  // bytes already on the wire arrive
            const auto requests = server.requests();
            for (std::size_t i = 0; i < all.started(); ++i) {
                REQUIRE(all.result(i).has_value());
                const auto& r = *all.result(i);
                REQUIRE(is_error(r, trocco::errc::canceled));
                const std::string target = "/r" + round + "/" + std::to_string(i);
                const bool arrived = std::any_of(requests.begin(), requests.end(),
                                                 [&](const received_request& q) { return q.target == target; });
                INFO(target << ": " << describe(r));
                if (arrived) CHECK(r.error().may_have_reached_server());
            }
        }
    }
}

TEST_CASE("curl transport: connect_failed and a timeout before sending say nothing was sent", "[curl][issue10]") {
    SECTION("connection refused") {
        trocco::curl::transport t;
        const auto r = send_sync(t, post("http://127.0.0.1:" + std::to_string(test_support::refused_loopback_port()) + "/x", "{}"));
        REQUIRE(is_error(r, trocco::errc::connect_failed));
        CHECK_FALSE(r.error().may_have_reached_server());
    }
    SECTION("the request timeout during the TLS handshake is connect_failed") {
        test_support::loopback_server_options silent;
        silent.on_accept = script().wait(10s);
        loopback_server server({}, silent);
        trocco::curl::transport_options options;
        options.request_timeout = 300ms;
        trocco::curl::transport t(options);
        const auto r = send_sync(t, post("https://127.0.0.1:" + std::to_string(server.port()) + "/api/jobs", "{}"));
        INFO(describe(r));
        REQUIRE(is_error(r, trocco::errc::connect_failed));
        CHECK_FALSE(r.error().may_have_reached_server());
    }
    SECTION("the request timeout after the server read the request is transport_failure") {
        loopback_server server([](const received_request&) { return script().wait(10s).then(reply{}); });
        trocco::curl::transport_options options;
        options.request_timeout = 300ms;
        trocco::curl::transport t(options);
        const auto r = send_sync(t, post(server.url("/api/jobs?job_definition_id=1"), "{}"));
        INFO(describe(r));
        REQUIRE(is_error(r, trocco::errc::transport_failure));
        CHECK(r.error().may_have_reached_server());
    }
}

}  // namespace
}  // namespace curl_tests
