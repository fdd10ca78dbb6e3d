// tests/asio/test_asio_http.cpp - HTTP/1.1 on the wire against the scriptable loopback server: interim 1xx answers
// are read past (issue 10 item 2), a GET is sent once more only when its pooled connection was stale (item 7), and
// each hostile answer has its defined outcome (the asio side of the fault matrix).
#include "asio_test_support.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace asio_tests {
namespace {

const std::string interim_answers =
    "HTTP/1.1 100 Continue\r\n\r\n"
    "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\nLink: </app.js>; rel=preload\r\n\r\n";

// Issue 10 item 2: the first (interim) answer used to be taken as the final one, and the real answer stayed unread
// in the pooled connection, where the next request read it as its own.
TEST_CASE("asio transport: interim 1xx answers are read past, and nothing of them stays in the connection",
          "[asio][http][issue10]") {
    loopback_server server([](const received_request& r) -> script {
        if (r.method == "POST") {
            return script().send(interim_answers).then(reply{200, "OK", {}, R"({"id":77})"});
        }
        if (r.target == "/api/jobs/77") return script().send(interim_answers).then(reply{200, "OK", {}, "first"});
        return reply{200, "OK", {}, "second " + r.target};
    });
    rig r;

    const auto started = send_sync(r.transport(), post(server.url("/api/jobs?job_definition_id=1"), "{}"));
    INFO(describe(started));
    REQUIRE(started.has_value());
    CHECK(started->status == 200);
    CHECK(started->body == R"({"id":77})");
    CHECK(server.count("POST") == 1);

    // Two GETs on one kept-alive connection: each gets its own answer.
    const auto first = send_sync(r.transport(), get(server.url("/api/jobs/77")));
    const auto second = send_sync(r.transport(), get(server.url("/api/jobs/78")));
    INFO(describe(first) << "; " << describe(second));
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(first->status == 200);
    CHECK(first->body == "first");
    CHECK(second->status == 200);
    CHECK(second->body == "second /api/jobs/78");
    const auto requests = server.requests();
    REQUIRE(requests.size() == 3);
    CHECK(requests[1].connection == requests[2].connection);  // the connection was reused, and not desynchronised
    CHECK(requests[2].index_on_connection > requests[1].index_on_connection);
}

TEST_CASE("asio transport: 101 is a final answer, and an endless stream of interim answers is refused",
          "[asio][http]") {
    loopback_server server([](const received_request& r) -> script {
        if (r.target == "/switch") return script().send("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n");
        script s;
        for (int i = 0; i < 100; ++i) s.send("HTTP/1.1 100 Continue\r\n\r\n");
        return s.then(reply{200, "OK", {}, "late"});
    });
    rig r;
    const auto switched = send_sync(r.transport(), get(server.url("/switch")));
    INFO(describe(switched));
    REQUIRE(switched.has_value());
    CHECK(switched->status == 101);
    const auto flooded = send_sync(r.transport(), get(server.url("/flood")));
    INFO(describe(flooded));
    REQUIRE(is_error(flooded, trocco::errc::transport_failure));
    CHECK(contains(flooded.error().message(), "interim"));
}

// Issue 10 item 7: a read timeout on a reused connection used to send the GET again on a fresh one, so one request
// took twice read_timeout and reached the server twice.
TEST_CASE("asio transport: a GET on a pooled connection is sent once more only when that connection was stale",
          "[asio][http][issue10]") {
    std::string second_answer;
    loopback_server server([&second_answer](const received_request& r) -> script {
        if (r.index_on_connection == 0 && r.connection == 1) return reply{200, "OK", {}, "pooled"};
        if (r.connection == 1) {  // the second GET, on the pooled connection
            if (second_answer == "timeout") return script().wait(3000ms).then(reply{200, "OK", {}, "too late"});
            if (second_answer == "late close") return script().wait(1500ms).close();
            return script().close();  // "stale": closed at once, as a server that had closed it meanwhile
        }
        return reply{200, "OK", {}, "fresh"};
    });

    SECTION("a read timeout is final: one request, one read_timeout") {
        second_answer = "timeout";
        rig r({.read_timeout = 300ms});
        REQUIRE(send_sync(r.transport(), get(server.url("/1"))).has_value());
        const auto start = clock_type::now();
        const auto g = send_sync(r.transport(), get(server.url("/2")));
        const auto took = since(start);
        INFO(describe(g) << " after " << took.count() << " ms");
        REQUIRE(is_error(g, trocco::errc::transport_failure));
        CHECK(contains(g.error().message(), "timed out"));
        CHECK(took < 300ms + prompt);
        std::this_thread::sleep_for(200ms);
        CHECK(server.count("GET") == 2);
        CHECK(server.connections() == 1);
    }
    SECTION("a connection that ends long after the write is final too") {
        second_answer = "late close";
        rig r;
        REQUIRE(send_sync(r.transport(), get(server.url("/1"))).has_value());
        const auto g = send_sync(r.transport(), get(server.url("/2")));
        INFO(describe(g));
        REQUIRE(is_error(g, trocco::errc::transport_failure));
        CHECK(contains(g.error().message(), "without answering"));
        CHECK(server.count("GET") == 2);
    }
    SECTION("a connection that ends at once, before any byte of the answer, was stale: sent again, answered") {
        second_answer = "stale";
        rig r;
        REQUIRE(send_sync(r.transport(), get(server.url("/1"))).has_value());
        const auto g = send_sync(r.transport(), get(server.url("/2")));
        INFO(describe(g));
        REQUIRE(g.has_value());
        CHECK(g->body == "fresh");
        CHECK(server.count("GET") == 3);
        CHECK(server.connections() == 2);
    }
}

TEST_CASE("asio transport: the request on the wire", "[asio][http]") {
    loopback_server server;
    SECTION("Host, Content-Length and the caller's headers; the transport's own headers are not taken twice") {
        rig r;
        const auto p = send_sync(r.transport(), post(server.url("/api/jobs?x=1"), "{\"a\":1}",
                                                     {{"Authorization", "Token k"},
                                                      {"Content-Length", "999"},
                                                      {"Host", "elsewhere"},
                                                      {"X-Tab", "a\tb"}}));
        REQUIRE(p.has_value());
        const auto g = send_sync(r.transport(), get(server.url("/api/jobs/1")));
        REQUIRE(g.has_value());
        const auto requests = server.requests();
        REQUIRE(requests.size() == 2);
        const auto& sent = requests[0];
        CHECK(sent.method == "POST");
        CHECK(sent.target == "/api/jobs?x=1");
        CHECK(sent.body == "{\"a\":1}");
        CHECK(*sent.header("Host") == "127.0.0.1:" + std::to_string(server.port()));
        CHECK(*sent.header("Content-Length") == "7");
        CHECK(*sent.header("Authorization") == "Token k");
        CHECK(*sent.header("X-Tab") == "a\tb");
        std::size_t hosts = 0;
        for (const auto& h : sent.headers) hosts += trocco::detail::iequals(h.first, "Host") ? 1 : 0;
        CHECK(hosts == 1);
        CHECK(requests[1].header("Content-Length") == nullptr);  // a GET without a body
    }
    SECTION("without keep-alive: Connection: close, a connection per request") {
        rig r({.keep_alive = false});
        REQUIRE(send_sync(r.transport(), get(server.url("/1"))).has_value());
        REQUIRE(send_sync(r.transport(), get(server.url("/2"))).has_value());
        const auto requests = server.requests();
        REQUIRE(requests.size() == 2);
        REQUIRE(requests[0].header("Connection") != nullptr);
        CHECK(*requests[0].header("Connection") == "close");
        CHECK(server.connections() == 2);
    }
    SECTION("a header that would inject another is refused before anything is sent; its value is not shown") {
        rig r;
        for (const auto& bad : std::vector<trocco::http_header>{{"Authorization", "Token secret\r\nX-Evil: 1"},
                                                                 {"X-Null", std::string("a\0b", 3)},
                                                                 {"Bad Name", "v"},
                                                                 {"", "v"}}) {
            const auto g = send_sync(r.transport(), get(server.url("/x"), {bad}));
            INFO(describe(g));
            REQUIRE(is_error(g, trocco::errc::invalid_argument));
            CHECK_FALSE(g.error().may_have_reached_server());
            CHECK_FALSE(contains(g.error().message(), "secret"));
        }
        CHECK(server.connections() == 0);
    }
    SECTION("a bad URL, or a body on a GET, is invalid_argument") {
        rig r;
        const auto ftp = send_sync(r.transport(), get("ftp://127.0.0.1/x"));
        INFO(describe(ftp));
        CHECK(is_error(ftp, trocco::errc::invalid_argument));
        auto with_body = get(server.url("/x"));
        with_body.body = "{}";
        const auto g = send_sync(r.transport(), std::move(with_body));
        INFO(describe(g));
        CHECK(is_error(g, trocco::errc::invalid_argument));
        CHECK(server.connections() == 0);
    }
}

/// One hostile answer to a GET and to a POST (each on a new server): the outcome, and what it says. `or_else`: a
/// second outcome that timing may give instead (connect_failed when the connection ended before anything was sent).
void check_fault(const std::string& title, const std::function<script(const received_request&)>& answer,
                 trocco::errc expected, std::string_view says, trocco::asio::transport_options options = {},
                 test_support::loopback_server_options server_options = {},
                 std::optional<trocco::errc> or_else = std::nullopt) {
    INFO(title);
    for (const auto method : {trocco::http_method::get, trocco::http_method::post}) {
        loopback_server server(answer, server_options);
        rig r(options);
        const auto start = clock_type::now();
        const auto result = send_sync(r.transport(), method == trocco::http_method::get
                                                         ? get(server.url("/api/jobs/1"))
                                                         : post(server.url("/api/jobs?job_definition_id=1"), "{}"));
        INFO(trocco::to_string(method) << ": " << describe(result) << " after " << since(start).count() << " ms");
        REQUIRE((is_error(result, expected) || (or_else && is_error(result, *or_else))));
        CHECK(result.error().may_have_reached_server() == (result.error().kind() != trocco::errc::connect_failed));
        CHECK(contains(result.error().message(), says));
        CHECK(server.requests().size() <= 1);  // never sent twice
    }
}

TEST_CASE("asio transport: hostile answers have their defined outcomes", "[asio][http][faults]") {
    using trocco::errc;
    check_fault("a reset after the request was read", [](const received_request&) { return script().reset(); },
                errc::transport_failure, "without answering");
    check_fault("the connection closed after half an answer with Content-Length",
                [](const received_request&) {
                    return script().send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"id\":").close();
                },
                errc::transport_failure, "in the middle of the answer");
    check_fault("the connection closed in the middle of a chunked body",
                [](const received_request&) {
                    return script().send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"id\":").close();
                },
                errc::transport_failure, "in the middle of the answer");
    check_fault("a malformed status line",
                [](const received_request&) { return script().send("HTTP/1.1 2x0 OK\r\n\r\n").close(); },
                errc::transport_failure, "malformed response");
    check_fault("no HTTP at all", [](const received_request&) { return script().send("SSH-2.0-OpenSSH\r\n").close(); },
                errc::transport_failure, "malformed response");
    check_fault("a byte every 100 ms: the read timeout ends it",
                [](const received_request&) {
                    return script().trickle(reply{200, "OK", {}, "{\"id\":1}"}.wire(), 100ms);
                },
                errc::transport_failure, "timed out", {.read_timeout = 400ms});
    check_fault("a declared body of 100 MB: refused at the header",
                [](const received_request&) {
                    return script().send("HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n").send_filler(104857600);
                },
                errc::transport_failure, "too large");
    check_fault("a chunked body growing past the limit",
                [](const received_request&) {
                    return script().send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6400000\r\n").send_filler(104857600);
                },
                errc::transport_failure, "too large");
    check_fault("a declared body of 2^62 - 1 bytes: refused before anything is allocated for it",
                [](const received_request&) {
                    return script().send("HTTP/1.1 200 OK\r\nContent-Length: 4611686018427387903\r\n\r\n{}");
                },
                errc::transport_failure, "too large");
    check_fault("a Content-Length of 2^64",
                [](const received_request&) {
                    return script().send("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n{}");
                },
                errc::transport_failure, "malformed response");
    check_fault("a header line of 100 KB",
                [](const received_request&) {
                    return script().send("HTTP/1.1 200 OK\r\nX-Big: " + std::string(100 * 1024, 'a') + "\r\n\r\n");
                },
                errc::transport_failure, "header too large");
    check_fault("a reset before the request was read",
                [](const received_request&) { return reply{200, "OK", {}, "unreachable"}; }, errc::transport_failure,
                "", {}, {.on_accept = script().reset()}, errc::connect_failed);
}

}  // namespace
}  // namespace asio_tests
