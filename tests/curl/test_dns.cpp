// tests/curl/test_dns.cpp - name resolution through the DNS shim (tests/support/dns_shim.cpp): a failed lookup is
// connect_failed, and a stalled one (3 s, uninterruptible, as a real stuck resolver) holds up nothing else: not a
// stop, not a connect timeout, not the other transfers of the transport, not its destruction.
#include "curl_test_support.hpp"

#include <memory>
#include <thread>

#include "support/dns_shim.hpp"

namespace curl_tests {
namespace {

/// How long a stalled lookup takes in these tests (the name "sleep-3000.invalid").
constexpr auto stall = 3000ms;

/// Bounds for "promptly" (~100 ms asked for; slack for sanitizer builds on a loaded machine), well below the stall.
constexpr auto prompt = 600ms;

TEST_CASE("curl transport: a name that does not resolve is connect_failed", "[curl][dns]") {
    trocco::curl::transport t;
    const long before = dns_shim_lookups();
    const auto g = send_sync(t, get("http://nx.invalid/api/jobs/1"));
    INFO(describe(g));
    REQUIRE(is_error(g, trocco::errc::connect_failed));
    CHECK_FALSE(g.error().may_have_reached_server());
    CHECK(contains(g.error().message(), "GET http://nx.invalid/api/jobs/1: "));
    const auto p = send_sync(t, post("http://again.invalid/api/jobs?job_definition_id=1", "{}"));
    REQUIRE(is_error(p, trocco::errc::connect_failed));
    CHECK(dns_shim_lookups() > before);  // the shim really answered: no real resolver was asked
}

// Issue 10 item 5: libcurl 7.88 waits for its resolver thread when a handle is removed mid-lookup (unless told not
// to); the worker thread must never wait for a lookup.
TEST_CASE("curl transport: a stalled lookup stalls nothing else", "[curl][dns][issue10]") {
    loopback_server server([](const received_request& r) { return reply{200, "OK", {}, r.target}; });

    SECTION("a stop during the lookup ends the send promptly, with canceled and nothing sent") {
        trocco::curl::transport t;
        std::stop_source source;
        task_group<response_result> all;
        all.start(as_task(t.send(post("http://sleep-3000.invalid/api/jobs?job_definition_id=1", "{}"), source.get_token())));
        std::this_thread::sleep_for(100ms);  // the resolver thread is inside getaddrinfo now
        const auto stopped = clock_type::now();
        source.request_stop();
        REQUIRE(all.wait_all(stall));
        const auto took = since(stopped);
        CHECK(took < prompt);
        auto& r = all.result(0);
        REQUIRE(r.has_value());
        INFO(describe(*r));
        REQUIRE(is_error(*r, trocco::errc::canceled));
        CHECK_FALSE(r->error().may_have_reached_server());
        // The worker is free: the next send goes through at once.
        const auto started = clock_type::now();
        const auto next = send_sync(t, get(server.url("/next")));
        REQUIRE(next.has_value());
        CHECK(since(started) < prompt);
    }
    SECTION("a read to a reachable server queued meanwhile is not held up") {
        trocco::curl::transport t;
        std::stop_source source;
        task_group<response_result> stalled;
        stalled.start(as_task(t.send(get("http://sleep-3000.invalid/api/jobs/1"), source.get_token())));
        std::this_thread::sleep_for(100ms);
        const auto started = clock_type::now();
        const auto r = send_sync(t, get(server.url("/api/jobs/2")));
        CHECK(since(started) < prompt);
        REQUIRE(r.has_value());
        CHECK(r->body == "/api/jobs/2");
        // Stop the stalled one, which must also end promptly.
        const auto stopped = clock_type::now();
        source.request_stop();
        REQUIRE(stalled.wait_all(stall));
        CHECK(since(stopped) < prompt);
        REQUIRE(stalled.result(0).has_value());
        CHECK(is_error(*stalled.result(0), trocco::errc::canceled));
    }
    SECTION("a stop of one of many stalled lookups, with a read between: each ends on its own") {
        trocco::curl::transport t;
        std::stop_source first;
        std::stop_source second;
        task_group<response_result> stalled;
        stalled.start(as_task(t.send(get("http://sleep-3000.invalid/a"), first.get_token())));
        stalled.start(as_task(t.send(get("http://sleep-3000.invalid/b"), second.get_token())));
        std::this_thread::sleep_for(100ms);
        const auto stopped = clock_type::now();
        first.request_stop();
        const auto r = send_sync(t, get(server.url("/between")));
        CHECK(since(stopped) < prompt);  // the stop of the first did not hold the worker
        REQUIRE(r.has_value());
        second.request_stop();
        REQUIRE(stalled.wait_all(stall));
        CHECK(since(stopped) < prompt);
        for (std::size_t i = 0; i < 2; ++i) {
            REQUIRE(stalled.result(i).has_value());
            CHECK(is_error(*stalled.result(i), trocco::errc::canceled));
        }
    }
    SECTION("connect_timeout bounds the lookup: 300 ms, not when the lookup returns") {
        trocco::curl::transport_options options;
        options.connect_timeout = 300ms;
        trocco::curl::transport t(options);
        const auto started = clock_type::now();
        const auto r = send_sync(t, post("http://sleep-3000.invalid/api/jobs?job_definition_id=1", "{}"));
        const auto took = since(started);
        INFO(describe(r) << " after " << took.count() << " ms");
        CHECK(took >= 250ms);
        CHECK(took < 300ms + prompt);
        REQUIRE(is_error(r, trocco::errc::connect_failed));
        CHECK(contains(r.error().message(), "imeout"));
        // ... and the worker is free again at once.
        const auto next_started = clock_type::now();
        REQUIRE(send_sync(t, get(server.url("/next"))).has_value());
        CHECK(since(next_started) < prompt);
    }
    SECTION("request_timeout bounds the lookup too") {
        trocco::curl::transport_options options;
        options.request_timeout = 300ms;
        trocco::curl::transport t(options);
        const auto started = clock_type::now();
        const auto r = send_sync(t, get("http://sleep-3000.invalid/api/jobs/1"));
        CHECK(since(started) < 300ms + prompt);
        INFO(describe(r));
        REQUIRE(is_error(r, trocco::errc::connect_failed));
    }
    SECTION("destroying the transport during a lookup ends the send promptly, with canceled and nothing sent") {
        auto t = std::make_unique<trocco::curl::transport>();
        task_group<response_result> all;
        all.start(as_task(t->send(post("http://sleep-3000.invalid/api/jobs?job_definition_id=1", "{}"), {})));
        std::this_thread::sleep_for(100ms);
        const auto destroyed = clock_type::now();
        t.reset();
        CHECK(since(destroyed) < prompt);
        REQUIRE(all.wait_all(1s));
        REQUIRE(all.result(0).has_value());
        INFO(describe(*all.result(0)));
        REQUIRE(is_error(*all.result(0), trocco::errc::canceled));
        CHECK_FALSE(all.result(0)->error().may_have_reached_server());
    }
    SECTION("a lookup that stalls, then resolves, then the request goes out") {
        trocco::curl::transport t;
        const auto url = "http://sleep-300.ok.invalid:" + std::to_string(server.port()) + "/late";
        const auto r = send_sync(t, get(url));
        INFO(describe(r));
        REQUIRE(r.has_value());
        CHECK(r->body == "/late");
    }
}

}  // namespace
}  // namespace curl_tests
