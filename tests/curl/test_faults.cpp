// tests/curl/test_faults.cpp - the curl side of the fault matrix (issue 10): a hostile server on loopback, each
// fault for a read (GET) and a trigger (POST). The defined outcomes: a response only when the answer is a
// well-formed final HTTP/1.1 answer; connect_failed when no byte of the request was sent; transport_failure
// otherwise (the request may have reached the server), never a second POST, never a hang.
#include "curl_test_support.hpp"

#include <trocco/curl/detail/response_check.hpp>

#include <atomic>
#include <thread>

namespace curl_tests {
namespace {

constexpr const char* trigger_target = "/api/jobs?job_definition_id=42";

/// Sends the GET and then the POST of one fault case; both must fail with transport_failure, each reaching the
/// server once (no resend), within `limit`.
void check_transport_failure(const loopback_server& server, trocco::curl::transport& t, std::string_view why = {},
                             std::chrono::milliseconds limit = 5s) {
    for (const bool is_post : {false, true}) {
        const auto start = clock_type::now();
        const auto r = is_post ? send_sync(t, post(server.url(trigger_target), "{}")) : send_sync(t, get(server.url("/api/jobs/7")));
        INFO((is_post ? "POST: " : "GET: ") << describe(r));
        CHECK(since(start) < limit);
        REQUIRE(is_error(r, trocco::errc::transport_failure));
        CHECK(r.error().may_have_reached_server());
        if (!why.empty()) CHECK(contains(r.error().message(), why));
    }
    CHECK(server.count("POST") <= 1);
    CHECK(server.count("GET") <= 1);
}

/// A handler that answers every request with `raw`, then closes.
loopback_server::handler_fn raw_answer(std::string raw) {
    return [raw = std::move(raw)](const received_request&) { return script().send(raw).close(); };
}

TEST_CASE("curl faults: resets", "[curl][faults]") {
    SECTION("a reset before the request was read, once it was written") {
        test_support::loopback_server_options o;
        o.on_accept = script().wait(50ms).reset();
        loopback_server server({}, o);
        trocco::curl::transport t;
        check_transport_failure(server, t);
        CHECK(server.requests().empty());
    }
    SECTION("a reset at once on accept: connect_failed if it beat the connect, else transport_failure") {
        test_support::loopback_server_options o;
        o.on_accept = script().reset();
        loopback_server server({}, o);
        trocco::curl::transport t;
        for (int i = 0; i < 10; ++i) {
            const auto r = send_sync(t, post(server.url(trigger_target), "{}"));
            INFO(describe(r));
            REQUIRE_FALSE(r.has_value());
            const auto kind = r.error().kind();
            REQUIRE((kind == trocco::errc::connect_failed || kind == trocco::errc::transport_failure));
            CHECK(r.error().may_have_reached_server() == (kind == trocco::errc::transport_failure));
        }
        CHECK(server.requests().empty());
    }
    SECTION("a reset after the request was read: exactly one POST seen") {
        loopback_server server([](const received_request&) { return script().reset(); });
        trocco::curl::transport t;
        check_transport_failure(server, t, "reset");
        CHECK(server.count("POST") == 1);
    }
    SECTION("a reset halfway through the answer") {
        loopback_server server([](const received_request&) {
            return script().send("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"id\":7,").reset();
        });
        trocco::curl::transport t;
        check_transport_failure(server, t);
        CHECK(server.count("POST") == 1);
    }
}

TEST_CASE("curl faults: truncated bodies", "[curl][faults]") {
    const std::vector<std::pair<std::string, std::string>> answers = {
        {"Content-Length, then the connection closed early", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"id\":7"},
        {"chunked, closed inside a chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n{\"id\":7"},
        {"chunked, closed before the last chunk",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"id\":7\r\n"},
        {"chunked, a bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"},
    };
    for (const auto& [what, answer] : answers) {
        INFO(what);
        loopback_server server(raw_answer(answer));
        trocco::curl::transport t;
        check_transport_failure(server, t);
    }
}

TEST_CASE("curl faults: malformed status lines are transport_failure, never connect_failed", "[curl][faults]") {
    // With libcurl's own "unsupported protocol" code a malformed answer looked like a connect failure (so a
    // trigger would have been sent again).
    const std::vector<std::string> answers = {
        "garbage\r\n\r\n",                                      // not HTTP at all (HTTP/0.9 refused)
        "\r\n\r\n",                                             // nothing but line ends
        "HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n",         // no code
        "HTTP/9.9 200 OK\r\nContent-Length: 2\r\n\r\nok",       // unknown version
        "HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok",        // two digits
        "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok",      // four digits
        "HTTP/1.1 200x OK\r\nContent-Length: 2\r\n\r\nok",      // trailing junk after the code
        "HTTP/1.1 099 Low\r\nContent-Length: 2\r\n\r\nok",      // below 100
        "HTTP/1.1 600 High\r\nContent-Length: 2\r\n\r\nok",     // no such class
        "HTTP/1.1 999 High\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nNo colon here\r\nContent-Length: 2\r\n\r\nok",
        std::string("HTTP/1.1 200 OK\r\nX-Nul: a\0b\r\nContent-Length: 2\r\n\r\nok", 49),
    };
    for (const auto& raw : answers) {
        INFO("answer: " << raw.substr(0, 40));
        loopback_server server(raw_answer(raw));
        trocco::curl::transport t;
        check_transport_failure(server, t);
    }
}

TEST_CASE("curl faults: an unasked-for 101 Switching Protocols is not a response", "[curl][faults]") {
    loopback_server server(raw_answer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                                      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    trocco::curl::transport t;
    check_transport_failure(server, t, "101");
}

TEST_CASE("curl faults: absurd framing headers", "[curl][faults]") {
    const std::vector<std::string> answers = {
        "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\nok",   // 2^64
        "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\nok",    // 2^63
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nok",  // two different lengths
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 2\r\n\r\nokabc",
        "HTTP/1.1 200 OK\r\nContent-Length: 2, 5\r\n\r\nok",                    // a list of different lengths
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-Big: " + std::string(100 * 1024, 'a') + "\r\nContent-Length: 2\r\n\r\nok",  // 100 KB line
        "HTTP/1.1 200 OK\r\nX-Big: " + std::string(70 * 1024, 'a') + "\r\nContent-Length: 2\r\n\r\nok",   // 70 KB line
    };
    for (const auto& raw : answers) {
        INFO("answer: " << raw.substr(0, 60));
        loopback_server server(raw_answer(raw));
        trocco::curl::transport t;
        check_transport_failure(server, t);
    }
    SECTION("a repeated, equal Content-Length is fine") {
        loopback_server server(raw_answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"));
        trocco::curl::transport t;
        const auto r = send_sync(t, get(server.url("/x")));
        INFO(describe(r));
        REQUIRE(r.has_value());
        CHECK(r->body == "ok");
    }
}

TEST_CASE("curl faults: a header line over libcurl's limit is reported as too large", "[curl][faults]") {
    loopback_server server(raw_answer("HTTP/1.1 200 OK\r\nX-Big: " + std::string(100 * 1024, 'a') + "\r\n\r\n"));
    trocco::curl::transport t;
    check_transport_failure(server, t, "response too large");
}

TEST_CASE("curl response checks: status lines and Content-Length values", "[curl][faults]") {
    using trocco::curl::detail::parse_content_length;
    using trocco::curl::detail::parse_status_line;
    CHECK(parse_status_line("HTTP/1.1 200 OK") == 200);
    CHECK(parse_status_line("HTTP/1.0 404 Not Found") == 404);
    CHECK(parse_status_line("HTTP/1.1 503") == 503);
    CHECK(parse_status_line("HTTP/1.1 100 Continue") == 100);
    CHECK(parse_status_line("HTTP/1.1 599 x") == 599);
    CHECK(parse_status_line("HTTP/1.1 600 x") == 0);
    CHECK(parse_status_line("HTTP/1.1 099 x") == 0);
    CHECK(parse_status_line("HTTP/1.1 200x OK") == 0);
    CHECK(parse_status_line("HTTP/1.1 20 OK") == 0);
    CHECK(parse_status_line("HTTP/1.1  200 OK") == 0);
    CHECK(parse_status_line("HTTP/2 200") == 0);
    CHECK(parse_status_line("HTTP/1.x 200 OK") == 0);
    CHECK(parse_status_line("") == 0);
    unsigned long long n = 0;
    CHECK((parse_content_length("42", n) && n == 42));
    CHECK((parse_content_length("7, 7 ,7", n) && n == 7));
    CHECK((parse_content_length("9223372036854775808", n) && n == 9223372036854775808ull));
    CHECK_FALSE(parse_content_length("18446744073709551616", n));  // 2^64: 20 digits
    CHECK_FALSE(parse_content_length("2, 5", n));
    CHECK_FALSE(parse_content_length("-1", n));
    CHECK_FALSE(parse_content_length("", n));
    CHECK_FALSE(parse_content_length("1,", n));
    CHECK_FALSE(parse_content_length("0x10", n));
}

TEST_CASE("curl faults: a huge body stops at the size limit, at once", "[curl][faults]") {
    const std::vector<std::string> heads = {
        "HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n",  // declared: refused before the body is read
        "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",          // read until the server closes
    };
    for (const auto& head : heads) {
        INFO("head: " << head);
        loopback_server server([head](const received_request&) { return script().send(head).send_filler(100u << 20).close(); });
        trocco::curl::transport t;
        check_transport_failure(server, t, "response too large", 3s);
    }
    SECTION("chunked") {
        loopback_server server([](const received_request&) {
            script s;
            s.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 100; ++i) s.send("100000\r\n").send_filler(0x100000).send("\r\n");  // 1 MiB chunks
            return s.send("0\r\n\r\n").close();
        });
        trocco::curl::transport t;
        check_transport_failure(server, t, "response too large", 3s);
    }
}

TEST_CASE("curl faults: a byte-a-moment server is bounded by request_timeout", "[curl][faults]") {
    trocco::curl::transport_options o;
    o.request_timeout = 500ms;
    SECTION("the answer trickles") {
        loopback_server server([](const received_request&) { return script().trickle(reply{200, "OK", {}, "a slow body"}.wire(), 100ms); });
        trocco::curl::transport t(o);
        check_transport_failure(server, t, "imeout", 2s);
    }
    SECTION("the body trickles after prompt headers") {
        loopback_server server([](const received_request&) {
            return script().send("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n").trickle(std::string(50, 'b'), 100ms);
        });
        trocco::curl::transport t(o);
        check_transport_failure(server, t, "imeout", 2s);
    }
}

// A connection idle in the pool must hold nothing: an answer that arrives there unasked (a stray response, a
// server's "408 Request Timeout" before it closes an idle connection) must not be taken as the answer to the next
// request on it.
TEST_CASE("curl faults: an answer arriving on an idle kept-alive connection is never taken for the next one's",
          "[curl][faults]") {
    std::atomic<int> n{0};
    loopback_server server([&](const received_request& r) -> script {
        if (n++ == 0) {
            return script().then(reply{200, "OK", {}, "first"}).wait(100ms).send(
                reply{408, "Request Timeout", {}, "stray"}.wire());
        }
        return reply{200, "OK", {}, "answer to " + r.target};
    });
    trocco::curl::transport t;
    const auto first = send_sync(t, get(server.url("/a")));
    REQUIRE(first.has_value());
    CHECK(first->body == "first");
    std::this_thread::sleep_for(300ms);  // the stray answer is in the idle connection now
    for (const std::string target : {"/b", "/c"}) {
        const auto r = send_sync(t, get(server.url(target)));
        INFO(describe(r));
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
        CHECK(r->body == "answer to " + target);
    }
    CHECK(server.count("GET") == 3);
}

TEST_CASE("curl faults: excess bytes after an answer do not reach the next one", "[curl][faults]") {
    std::atomic<int> n{0};
    loopback_server server([&](const received_request& r) -> script {
        if (n++ == 0) return script().send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nWRONG");
        return reply{200, "OK", {}, "answer to " + r.target};
    });
    trocco::curl::transport t;
    const auto first = send_sync(t, get(server.url("/a")));
    REQUIRE(first.has_value());
    CHECK(first->body == "ok");
    const auto second = send_sync(t, get(server.url("/b")));
    REQUIRE(second.has_value());
    CHECK(second->body == "answer to /b");
}

}  // namespace
}  // namespace curl_tests
