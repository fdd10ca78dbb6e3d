// tests/curl/test_failures.cpp - how the curl transport fails: connect_failed when nothing was sent,
// transport_failure once the request may have arrived, and the size limits.
#include "curl_test_support.hpp"

namespace curl_tests {
namespace {

TEST_CASE("curl transport: failures before anything was sent are connect_failed", "[curl]") {
    trocco::curl::transport_options options;
    options.connect_timeout = 300ms;

    SECTION("connection refused") {
        trocco::curl::transport t(options);
        const auto url = "http://127.0.0.1:" + std::to_string(test_support::refused_loopback_port()) + "/api/jobs/1";
        const auto r = send_sync(t, get(url));
        REQUIRE(is_error(r, trocco::errc::connect_failed));
        CHECK(contains(r.error().message(), "GET " + url + ": "));
        CHECK(contains(r.error().message(), "connect"));
        CHECK_FALSE(r.error().may_have_reached_server());
        const auto p = send_sync(t, post(url, "{}"));
        CHECK(is_error(p, trocco::errc::connect_failed));
    }
    SECTION("connect timeout") {
        test_support::unaccepting_listener listener;
        trocco::curl::transport t(options);
        const auto start = clock_type::now();
        const auto r = send_sync(t, post(listener.url("/api/jobs?job_definition_id=1"), "{}"));
        CHECK(since(start) < 5s);
        REQUIRE(is_error(r, trocco::errc::connect_failed));
        CHECK(contains(r.error().message(), "imeout"));
    }
    SECTION("the request timeout passing while still connecting") {
        test_support::unaccepting_listener listener;
        options.connect_timeout = 10s;
        options.request_timeout = 300ms;
        trocco::curl::transport t(options);
        const auto start = clock_type::now();
        const auto r = send_sync(t, post(listener.url("/api/jobs?job_definition_id=1"), "{}"));
        CHECK(since(start) < 5s);
        REQUIRE(is_error(r, trocco::errc::connect_failed));
    }
    SECTION("TLS handshake failure") {
        loopback_server server;  // speaks plain HTTP: answers a ClientHello with an HTTP 400
        trocco::curl::transport t(options);
        const auto r = send_sync(t, post("https://127.0.0.1:" + std::to_string(server.port()) + "/x", "{}"));
        REQUIRE(is_error(r, trocco::errc::connect_failed));
        CHECK(server.requests().empty());
    }
    SECTION("an unreadable CA file") {
        loopback_server server;
        options.ca_file = "/nonexistent/trocco-test-ca.pem";
        trocco::curl::transport t(options);
        const auto r = send_sync(t, get("https://127.0.0.1:" + std::to_string(server.port()) + "/x"));
        REQUIRE(is_error(r, trocco::errc::connect_failed));
        CHECK(server.requests().empty());
    }
}

TEST_CASE("curl transport: failures after the request left are transport_failure", "[curl]") {
    SECTION("the server closes the connection after reading the request") {
        loopback_server server([](const received_request&) { return script().close(); });
        trocco::curl::transport t;
        const auto g = send_sync(t, get(server.url("/api/jobs/1")));
        REQUIRE(is_error(g, trocco::errc::transport_failure));
        CHECK(g.error().may_have_reached_server());
        const auto p = send_sync(t, post(server.url("/api/jobs?job_definition_id=1"), "{}"));
        REQUIRE(is_error(p, trocco::errc::transport_failure));
        CHECK(server.count("GET") == 1);  // a fresh connection: libcurl has no reason to resend
        CHECK(server.count("POST") == 1);
    }
    SECTION("the response does not come within the request timeout") {
        loopback_server server([](const received_request&) { return script().wait(5s).then(reply{}); });
        trocco::curl::transport_options options;
        options.request_timeout = 300ms;
        trocco::curl::transport t(options);
        const auto start = clock_type::now();
        const auto g = send_sync(t, get(server.url("/api/jobs/1")));
        const auto p = send_sync(t, post(server.url("/api/jobs?job_definition_id=1"), "{}"));
        CHECK(since(start) < 4s);
        REQUIRE(is_error(g, trocco::errc::transport_failure));
        REQUIRE(is_error(p, trocco::errc::transport_failure));
        CHECK(contains(p.error().message(), "POST " + server.url("/api/jobs?job_definition_id=1")));
        CHECK(contains(p.error().message(), "imeout"));
        CHECK(server.count("POST") == 1);
    }
    SECTION("a truncated body") {
        loopback_server server([](const received_request&) {
            return script().send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part").close();
        });
        trocco::curl::transport t;
        CHECK(is_error(send_sync(t, get(server.url("/x"))), trocco::errc::transport_failure));
    }
}

/// A GET to `server` through a transport limited to 1000-byte answers fails as too large.
void check_too_large(const loopback_server& server) {
    trocco::curl::transport_options options;
    options.max_response_bytes = 1000;
    trocco::curl::transport t(options);
    const auto r = send_sync(t, get(server.url("/big")));
    REQUIRE(is_error(r, trocco::errc::transport_failure));
    CHECK(contains(r.error().message(), "response too large"));
}

TEST_CASE("curl transport: responses beyond the size limit are transport_failure", "[curl]") {
    SECTION("a declared Content-Length beyond the limit") {
        loopback_server server([](const received_request&) { return reply{200, "OK", {}, std::string(5000, 'a')}; });
        check_too_large(server);
    }
    SECTION("a body without a length, read until the server closes") {
        loopback_server server([](const received_request&) {
            return script().send("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + std::string(5000, 'b')).close();
        });
        check_too_large(server);
    }
    SECTION("exactly the limit is fine") {
        loopback_server server([](const received_request&) { return reply{200, "OK", {}, std::string(1000, 'c')}; });
        trocco::curl::transport_options options;
        options.max_response_bytes = 1000;
        trocco::curl::transport t(options);
        const auto r = send_sync(t, get(server.url("/fits")));
        REQUIRE(r.has_value());
        CHECK(r->body.size() == 1000);
    }
    SECTION("the default limit of 4 MiB") {
        loopback_server server([](const received_request& q) {
            return reply{200, "OK", {}, std::string(q.target == "/over" ? 4 * 1024 * 1024 + 1 : 4 * 1024 * 1024, 'd')};
        });
        trocco::curl::transport t;
        const auto fits = send_sync(t, get(server.url("/fits")));
        REQUIRE(fits.has_value());
        CHECK(fits->body.size() == 4u * 1024 * 1024);
        CHECK(is_error(send_sync(t, get(server.url("/over"))), trocco::errc::transport_failure));
    }
    SECTION("too many header bytes") {
        loopback_server server([](const received_request&) {
            reply r;
            for (int i = 0; i < 80; ++i) r.headers.emplace_back("X-Filler-" + std::to_string(i), std::string(1024, 'h'));
            return r;
        });
        trocco::curl::transport t;
        const auto r = send_sync(t, get(server.url("/headers")));
        REQUIRE(is_error(r, trocco::errc::transport_failure));
        CHECK(contains(r.error().message(), "response too large"));
    }
}

}  // namespace
}  // namespace curl_tests
