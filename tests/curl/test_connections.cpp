// tests/curl/test_connections.cpp - connections: GETs share kept-alive ones, every POST gets one of its own and
// is never resent, many transfers run at once, max_connections bounds them.
#include "curl_test_support.hpp"

#include <map>
#include <thread>

namespace curl_tests {
namespace {

TEST_CASE("curl transport: GETs reuse one kept-alive connection", "[curl]") {
    loopback_server server([](const received_request& r) { return reply{200, "OK", {}, r.target}; });
    trocco::curl::transport t;
    for (int i = 0; i < 5; ++i) {
        const auto r = send_sync(t, get(server.url("/api/jobs/" + std::to_string(i))));
        REQUIRE(r.has_value());
        CHECK(r->body == "/api/jobs/" + std::to_string(i));
    }
    CHECK(server.connections() == 1);
    const auto requests = server.requests();
    REQUIRE(requests.size() == 5);
    for (std::size_t i = 0; i < requests.size(); ++i) CHECK(requests[i].index_on_connection == static_cast<int>(i));
}

TEST_CASE("curl transport: every POST goes on a fresh connection of its own", "[curl]") {
    loopback_server server;
    trocco::curl::transport t;
    REQUIRE(send_sync(t, get(server.url("/a"))).has_value());
    REQUIRE(send_sync(t, post(server.url("/p1"), "{}")).has_value());
    REQUIRE(send_sync(t, get(server.url("/b"))).has_value());
    REQUIRE(send_sync(t, post(server.url("/p2"), "{}")).has_value());
    REQUIRE(send_sync(t, get(server.url("/c"))).has_value());

    const auto requests = server.requests();
    REQUIRE(requests.size() == 5);
    std::map<int, int> per_connection;
    for (const auto& r : requests) ++per_connection[r.connection];
    for (const auto& r : requests) {
        if (r.method == "POST") {
            CHECK(r.index_on_connection == 0);
            CHECK(per_connection[r.connection] == 1);  // neither reused nor kept for reuse
        }
    }
    CHECK(requests[0].connection == requests[2].connection);  // the GETs still share theirs
    CHECK(requests[2].connection == requests[4].connection);
    CHECK(server.connections() == 3);
}

TEST_CASE("curl transport: the trigger POST is never resent when a kept-alive connection dies", "[curl]") {
    SECTION("the server closes the idle kept-alive connection just before the trigger") {
        loopback_server server([](const received_request& r) {
            if (r.method == "POST") return reply{200, "OK", {}, R"({"id":7,"job_definition_id":42,"status":"queued"})"};
            return reply{};
        });
        trocco::curl::transport t;
        REQUIRE(send_sync(t, get(server.url("/api/jobs/1"))).has_value());
        // The answer can reach the client before the server's connection thread is back to waiting (idle).
        int closed = 0;
        for (const auto until = clock_type::now() + 5s; closed == 0 && clock_type::now() < until;) {
            closed = server.close_idle_connections();
            if (closed == 0) std::this_thread::sleep_for(1ms);
        }
        REQUIRE(closed == 1);
        REQUIRE(server.wait_until_no_connection(5s));
        const auto r = send_sync(t, post(server.url("/api/jobs?job_definition_id=42"), "{}"));
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
        CHECK(server.count("POST") == 1);
    }
    SECTION("the connection dies just as the request arrives (the server reads it, then closes)") {
        // Every request that arrives on an already used connection is swallowed: the connection is closed
        // without an answer, as when a server's idle timeout races with the request. libcurl resends a request
        // in that case when its connection was reused; it must not be able to do so with the trigger.
        loopback_server server([](const received_request& r) -> script {
            if (r.index_on_connection > 0) return script().close();
            return reply{200, "OK", {}, r.method == "POST" ? R"({"id":7,"job_definition_id":42,"status":"queued"})" : "ok"};
        });
        trocco::curl::transport t;
        REQUIRE(send_sync(t, get(server.url("/api/jobs/1"))).has_value());
        const auto r = send_sync(t, post(server.url("/api/jobs?job_definition_id=42"), "{}"));
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
        CHECK(server.count("POST") == 1);
        for (const auto& q : server.requests()) {
            if (q.method == "POST") CHECK(q.index_on_connection == 0);
        }
        // The trap is real: a GET on the reused connection is swallowed, and libcurl silently sends it again
        // on a fresh connection (harmless for a read).
        const auto again = send_sync(t, get(server.url("/api/jobs/1")));
        REQUIRE(again.has_value());
        CHECK(again->body == "ok");
        CHECK(server.count("GET") == 3);
    }
}

TEST_CASE("curl transport: many sends in flight at once", "[curl]") {
    constexpr std::size_t n = 200;
    loopback_server server([](const received_request& r) { return script().wait(200ms).then(reply{200, "OK", {}, r.target}); });
    task_group<response_result> all;
    trocco::curl::transport t;
    const auto start = clock_type::now();
    for (std::size_t i = 0; i < n; ++i) all.start(as_task(t.send(get(server.url("/n/" + std::to_string(i))), {})));
    REQUIRE(all.wait_all(60s));
    const auto elapsed = since(start);
    for (std::size_t i = 0; i < n; ++i) {
        auto& r = all.result(i);
        REQUIRE(r.has_value());
        REQUIRE(r->has_value());
        CHECK((*r)->status == 200);
        CHECK((*r)->body == "/n/" + std::to_string(i));
    }
    CHECK(server.requests().size() == n);
    CHECK(server.peak_in_flight() >= 20);  // one after the other would be n * 200 ms
    CHECK(elapsed < 20s);
}

TEST_CASE("curl transport: max_connections bounds the connections, the rest wait their turn", "[curl]") {
    constexpr std::size_t n = 100;
    loopback_server server([](const received_request& r) { return script().wait(20ms).then(reply{200, "OK", {}, r.target}); });
    task_group<response_result> all;
    trocco::curl::transport_options options;
    options.max_connections = 8;
    trocco::curl::transport t(options);
    for (std::size_t i = 0; i < n; ++i) all.start(as_task(t.send(get(server.url("/m/" + std::to_string(i))), {})));
    REQUIRE(all.wait_all(60s));
    for (std::size_t i = 0; i < n; ++i) {
        REQUIRE(all.result(i).has_value());
        REQUIRE(all.result(i)->has_value());
        CHECK((*all.result(i))->body == "/m/" + std::to_string(i));
    }
    CHECK(server.connections() <= 8);
    CHECK(server.peak_in_flight() <= 8);
    CHECK(server.peak_in_flight() >= 2);
}

}  // namespace
}  // namespace curl_tests
