// tests/curl/test_wire.cpp - what the curl transport puts on the wire and what it makes of the answer: requests
// exactly as given, any status a response, only the final answer's headers, bad requests refused unsent.
#include "curl_test_support.hpp"

#include <thread>

namespace curl_tests {
namespace {

static_assert(trocco::transport<trocco::curl::transport>);
static_assert(!std::is_copy_constructible_v<trocco::curl::transport>);

TEST_CASE("curl transport: documented option defaults", "[curl]") {
    const trocco::curl::transport_options o;
    CHECK(o.connect_timeout == 10s);
    CHECK(o.request_timeout == 60s);
    CHECK(o.max_response_bytes == 4u * 1024 * 1024);
    CHECK(o.ca_file.empty());
    CHECK_FALSE(o.insecure_skip_tls_verification);
    CHECK(o.max_connections == 0);
    CHECK(o.max_connections_per_host == 0);
    CHECK(o.connection_cache_size == 0);
    CHECK_FALSE(o.post);

    trocco::curl::transport t;
    CHECK(t.worker_thread_id() != std::this_thread::get_id());
    const auto a = t.now();
    const auto b = t.now();
    CHECK(b >= a);
}

TEST_CASE("curl transport: a GET goes on the wire exactly, the whole response comes back", "[curl]") {
    loopback_server server([](const received_request&) {
        return reply{200, "OK",
                     {{"Content-Type", "application/json"},
                      {"X-Rate-Limit-Limit", "3500"},
                      {"X-Rate-Limit-Remaining", "3499"},
                      {"Set-Cookie", "a=1"},
                      {"Set-Cookie", "b=2"}},
                     R"({"id":1,"status":"queued"})"};
    });
    trocco::curl::transport t;
    const auto r = send_sync(t, get(server.url("/api/jobs/1?x=1"), {{"Authorization", "Token secret"},
                                                                     {"Accept", "application/json"},
                                                                     {"User-Agent", "trocco-cpp/test"},
                                                                     {"X-Empty", ""}}));
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->body == R"({"id":1,"status":"queued"})");
    REQUIRE(trocco::find_header(r->headers, "x-rate-limit-remaining") != nullptr);
    CHECK(*trocco::find_header(r->headers, "x-rate-limit-remaining") == "3499");
    const std::string length = std::to_string(std::string_view(R"({"id":1,"status":"queued"})").size());
    CHECK(*trocco::find_header(r->headers, "Content-Length") == length);
    const std::vector<trocco::http_header> expected_response_headers{{"Content-Type", "application/json"},
                                                                     {"X-Rate-Limit-Limit", "3500"},
                                                                     {"X-Rate-Limit-Remaining", "3499"},
                                                                     {"Set-Cookie", "a=1"},
                                                                     {"Set-Cookie", "b=2"},
                                                                     {"Content-Length", length}};
    CHECK(r->headers == expected_response_headers);

    const auto requests = server.requests();
    REQUIRE(requests.size() == 1);
    const auto& seen = requests[0];
    CHECK(seen.method == "GET");
    CHECK(seen.target == "/api/jobs/1?x=1");
    CHECK(seen.version == "HTTP/1.1");
    const test_support::header_list expected{{"Host", "127.0.0.1:" + std::to_string(server.port())},
                                             {"Authorization", "Token secret"},
                                             {"Accept", "application/json"},
                                             {"User-Agent", "trocco-cpp/test"},
                                             {"X-Empty", ""}};
    CHECK(seen.headers == expected);  // nothing added, nothing dropped, order kept
    CHECK(seen.body.empty());
}

TEST_CASE("curl transport: a POST sends its headers and body exactly", "[curl]") {
    loopback_server server([](const received_request& r) { return reply{201, "Created", {}, "echo:" + r.body}; });
    trocco::curl::transport t;

    SECTION("a JSON body with its Content-Type") {
        const std::string body = R"({"custom_variables":{"$x$":"日本語"}})";
        const auto r = send_sync(t, post(server.url("/api/jobs?job_definition_id=42"), body,
                                         {{"Authorization", "Token k"}, {"Content-Type", "application/json"}}));
        REQUIRE(r.has_value());
        CHECK(r->status == 201);
        CHECK(r->body == "echo:" + body);
        const auto seen = server.requests().at(0);
        CHECK(seen.method == "POST");
        CHECK(seen.target == "/api/jobs?job_definition_id=42");
        CHECK(seen.body == body);
        REQUIRE(seen.header("Content-Length") != nullptr);
        CHECK(*seen.header("Content-Length") == std::to_string(body.size()));
        CHECK(seen.headers.front().first == "Host");
        const test_support::header_list expected{{"Authorization", "Token k"}, {"Content-Type", "application/json"}};
        CHECK(custom_headers(seen) == expected);
    }
    SECTION("a large body without a Content-Type: no form encoding, no Expect: 100-continue") {
        const std::string body(1536 * 1024, 'x');  // libcurl would ask for 100-continue beyond 1 MiB
        const auto r = send_sync(t, post(server.url("/upload"), body, {{"X-Trace", "1"}}));
        REQUIRE(r.has_value());
        CHECK(r->status == 201);
        const auto seen = server.requests().at(0);
        CHECK(seen.body == body);
        CHECK(seen.header("Expect") == nullptr);
        CHECK(seen.header("Content-Type") == nullptr);
        CHECK(seen.header("Accept") == nullptr);
        const test_support::header_list expected{{"X-Trace", "1"}};
        CHECK(custom_headers(seen) == expected);
    }
    SECTION("an empty body") {
        const auto r = send_sync(t, post(server.url("/api/jobs?job_definition_id=1"), ""));
        REQUIRE(r.has_value());
        const auto seen = server.requests().at(0);
        REQUIRE(seen.header("Content-Length") != nullptr);
        CHECK(*seen.header("Content-Length") == "0");
        CHECK(seen.body.empty());
    }
}

TEST_CASE("curl transport: a non-2xx status is a response", "[curl]") {
    loopback_server server([](const received_request& r) {
        if (r.target == "/404") return reply{404, "Not Found", {}, R"({"error":"Not found"})"};
        return reply{503, "Service Unavailable", {{"Retry-After", "7"}}, "busy"};
    });
    trocco::curl::transport t;
    const auto not_found = send_sync(t, get(server.url("/404")));
    REQUIRE(not_found.has_value());
    CHECK(not_found->status == 404);
    CHECK(not_found->body == R"({"error":"Not found"})");
    const auto unavailable = send_sync(t, post(server.url("/503"), "{}"));
    REQUIRE(unavailable.has_value());
    CHECK(unavailable->status == 503);
    REQUIRE(trocco::find_header(unavailable->headers, "Retry-After") != nullptr);
    CHECK(*trocco::find_header(unavailable->headers, "Retry-After") == "7");
    CHECK(unavailable->body == "busy");
}

TEST_CASE("curl transport: only the final response's headers are kept", "[curl]") {
    loopback_server server([](const received_request&) {
        return script()
            .send("HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n"
                  "HTTP/1.1 201 Created\r\nX-Final: yes\r\nX-Padded:   spaced value  \r\nX-Folded: first\r\n  second\r\n"
                  "Content-Length: 2\r\n\r\nok")
            .close();
    });
    trocco::curl::transport t;
    const auto r = send_sync(t, post(server.url("/x"), "{}"));
    REQUIRE(r.has_value());
    CHECK(r->status == 201);
    CHECK(r->body == "ok");
    CHECK(trocco::find_header(r->headers, "X-Interim") == nullptr);
    REQUIRE(trocco::find_header(r->headers, "X-Final") != nullptr);
    CHECK(*trocco::find_header(r->headers, "X-Padded") == "spaced value");
    CHECK(*trocco::find_header(r->headers, "X-Folded") == "first second");
}

// Issue 10 item 2: interim answers (1xx but 101) are skipped, as HTTP/1.1 requires; the response is the final
// answer with its own headers only, and the connection stays in step for the next request on it.
TEST_CASE("curl transport: interim 1xx answers before the final one are skipped", "[curl][issue10]") {
    const std::string interim = "HTTP/1.1 100 Continue\r\nX-Interim: continue\r\n\r\n"
                                "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\nX-Interim: hints\r\n\r\n";
    loopback_server server([&](const received_request& r) -> script {
        const std::string body = r.method == "POST" ? R"({"id":7,"job_definition_id":42,"status":"queued"})"
                                                    : "answer to " + r.target;
        return script().send(interim).then(reply{200, "OK", {{"X-Final", "yes"}}, body});
    });
    trocco::curl::transport t;
    const auto check_final = [](const response_result& r, std::string_view body) {
        INFO(describe(r));
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
        CHECK(r->body == body);
        CHECK(trocco::find_header(r->headers, "X-Interim") == nullptr);
        CHECK(trocco::find_header(r->headers, "Link") == nullptr);
        REQUIRE(trocco::find_header(r->headers, "X-Final") != nullptr);
        const std::vector<trocco::http_header> only_final{{"X-Final", "yes"},
                                                          {"Content-Length", std::to_string(body.size())}};
        CHECK(r->headers == only_final);
    };

    SECTION("a trigger POST: the final 200 with the job, one POST") {
        check_final(send_sync(t, post(server.url("/api/jobs?job_definition_id=42"), "{}")),
                    R"({"id":7,"job_definition_id":42,"status":"queued"})");
        CHECK(server.count("POST") == 1);
    }
    SECTION("GETs on one kept-alive connection: each gets its own answer") {
        check_final(send_sync(t, get(server.url("/api/jobs/1"))), "answer to /api/jobs/1");
        check_final(send_sync(t, get(server.url("/api/jobs/2"))), "answer to /api/jobs/2");
        check_final(send_sync(t, get(server.url("/api/jobs/3"))), "answer to /api/jobs/3");
        CHECK(server.connections() == 1);
        CHECK(server.count("GET") == 3);
    }
    SECTION("a POST, then GETs") {
        check_final(send_sync(t, post(server.url("/api/jobs?job_definition_id=42"), "{}")),
                    R"({"id":7,"job_definition_id":42,"status":"queued"})");
        check_final(send_sync(t, get(server.url("/api/jobs/7"))), "answer to /api/jobs/7");
        check_final(send_sync(t, get(server.url("/api/jobs/8"))), "answer to /api/jobs/8");
        CHECK(server.count("POST") == 1);
        CHECK(server.count("GET") == 2);
    }
    SECTION("interim answers sent slowly, byte by byte") {
        loopback_server slow([&](const received_request&) -> script {
            return script().trickle(interim, 1ms).then(reply{200, "OK", {{"X-Final", "yes"}}, "slow"});
        });
        check_final(send_sync(t, get(slow.url("/a"))), "slow");
        check_final(send_sync(t, get(slow.url("/b"))), "slow");
        CHECK(slow.connections() == 1);
    }
}

TEST_CASE("curl transport: bad requests are refused before anything is sent", "[curl]") {
    loopback_server server;
    trocco::curl::transport t;
    const auto check_refused = [&](trocco::http_request request) {
        const auto r = send_sync(t, std::move(request));
        INFO(describe(r));
        REQUIRE(is_error(r, trocco::errc::invalid_argument));
        CHECK_FALSE(r.error().may_have_reached_server());
    };
    check_refused(get("ftp://127.0.0.1/x"));
    check_refused(get(server.url("/x"), {{"X-Injected", "a\r\nX-Evil: 1"}}));
    check_refused(get(server.url("/x"), {{"Bad Name", "v"}}));
    trocco::http_request get_with_body = get(server.url("/x"));
    get_with_body.body = "body";
    check_refused(get_with_body);
    CHECK(server.requests().empty());
    CHECK(server.connections() == 0);
}

}  // namespace
}  // namespace curl_tests
