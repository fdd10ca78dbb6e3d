// trocco::testing::fake_server's faults as a client sees them on the wire: closes and resets, truncated and
// malformed answers, interim answers, a trickling server, a huge body, absurd headers.
#include <utility>  // first: Boost 1.74's awaitable.hpp needs it

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

#include <trocco/testing/fake_server.hpp>

#include "../catch.hpp"
#include "loopback_client.hpp"

using namespace loopback;
using trocco::http_method;
using trocco::testing::fault;
using fk = trocco::testing::fault::kind;

TEST_CASE("fake_server fault: close_before_read and reset_before_read drop the connection unread",
          "[fake_server][fault]") {
    fake_server server;
    server.inject({.what = fk::close_before_read, .method = http_method::post, .path_prefix = "/api/jobs"});
    CHECK(call(server, "GET", "/api/jobs/1").status == 404);  // not a POST: served
    const auto r = call(server, "POST", "/api/jobs?job_definition_id=1", "{}", {.content_type = "application/json"});
    CHECK(r.ec);
    CHECK(r.status == 0);
    CHECK(server.count_requests("POST") == 0);  // nothing was read
    CHECK(server.job_ids().empty());

    server.inject({.what = fk::reset_before_read});
    const auto reset = raw_call(server.port(), raw_post("/api/jobs?job_definition_id=1"));
    CHECK(reset.end == net::error::connection_reset);
    CHECK(reset.received.empty());
    CHECK(server.count_requests("POST") == 0);
    CHECK(server.job_ids().empty());

    SECTION("on a kept-alive connection, when the next request arrives") {
        connection c(server.port());
        CHECK(c.request("GET", "/api/jobs/1").status == 404);
        server.inject({.what = fk::close_before_read});
        const auto second = c.request("GET", "/api/jobs/1");
        CHECK(second.ec);
        CHECK(server.count_requests("GET", "/api/jobs/1") == 2);  // the one before the fault and the first above
    }
}

TEST_CASE("fake_server fault: close_after_read and reset_after_read create the job, then answer nothing",
          "[fake_server][fault]") {
    fake_server server;
    server.inject({.what = fk::close_after_read, .method = http_method::post});
    const auto closed = raw_call(server.port(), raw_post("/api/jobs?job_definition_id=6"));
    CHECK(closed.end == net::error::eof);
    CHECK(closed.received.empty());
    REQUIRE(server.job_ids().size() == 1);
    CHECK(call(server, "GET", "/api/jobs/" + std::to_string(server.job_ids()[0])).json().at("job_definition_id") == 6);

    server.inject({.what = fk::reset_after_read, .method = http_method::post, .times = 3});
    for (const auto* target : {"/api/jobs?job_definition_id=6", "/api/pipeline_jobs?pipeline_definition_id=7",
                               "/api/datamart_jobs?datamart_definition_id=8"}) {
        INFO(target);
        const auto reset = raw_call(server.port(), raw_post(target));
        CHECK(reset.end == net::error::connection_reset);
        CHECK(reset.received.empty());
    }
    CHECK(server.job_ids().size() == 2);
    CHECK(server.workflow_job_ids().size() == 1);
    CHECK(server.datamart_job_ids().size() == 1);
    CHECK(server.count_requests("POST") == 4);
}

TEST_CASE("fake_server fault: truncated answers end early", "[fake_server][fault]") {
    fake_server server;
    SECTION("truncated_body: a Content-Length larger than what arrives") {
        server.inject({.what = fk::truncated_body});
        CHECK(call(server, "POST", "/api/jobs?job_definition_id=1").ec == http::error::partial_message);
        server.inject({.what = fk::truncated_body});
        const auto raw = raw_call(server.port(), raw_get("/api/jobs/" + std::to_string(server.job_ids()[0])));
        const auto header_end = raw.received.find("\r\n\r\n");
        REQUIRE(header_end != std::string::npos);
        const auto cl = raw.received.find("Content-Length: ");
        REQUIRE(cl != std::string::npos);
        CHECK(raw.received.substr(header_end + 4).size() < std::stoul(raw.received.substr(cl + 16)));
        CHECK(raw.received.starts_with("HTTP/1.1 200 "));
    }
    SECTION("truncated_chunked: half the body in a chunk, no last chunk") {
        server.inject({.what = fk::truncated_chunked, .times = 2});
        CHECK(call(server, "POST", "/api/jobs?job_definition_id=1").ec == http::error::partial_message);
        const auto raw = raw_call(server.port(), raw_get("/api/jobs/100001"));
        CHECK(raw.received.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
        CHECK(raw.received.find("\r\n0\r\n") == std::string::npos);
        CHECK(raw.received.ends_with("\r\n"));
        CHECK(server.job_ids().size() == 1);  // processed
    }
    SECTION("malformed_json and malformed_status_line") {
        server.inject({.what = fk::malformed_json, .method = http_method::post});
        const auto m = call(server, "POST", "/api/jobs?job_definition_id=1");
        CHECK(m.status == 200);
        CHECK(m.json().is_discarded());
        server.inject({.what = fk::malformed_status_line});
        const auto bad = call(server, "GET", "/api/jobs/100001");
        CHECK(bad.ec);
        CHECK(bad.status == 0);
        server.inject({.what = fk::malformed_status_line});
        const auto raw = raw_call(server.port(), raw_get("/api/jobs/100001", false));
        CHECK(raw.received.starts_with("HTTP/1.1 abc Not A Status\r\n"));
        CHECK(raw.end == net::error::eof);  // closed after it, though the request kept the connection alive
    }
}

TEST_CASE("fake_server fault: interim answers before the final one, even before a delay", "[fake_server][fault]") {
    fake_server server;
    server.inject({.what = fk::delay, .method = http_method::post, .delay = 400ms});
    server.inject({.what = fk::interim_responses, .method = http_method::post});
    connection c(server.port());
    const auto start = std::chrono::steady_clock::now();
    c.send("POST", "/api/jobs?job_definition_id=1", "{}", {.content_type = "application/json"});
    const auto first = c.receive();
    const auto first_at = std::chrono::steady_clock::now() - start;
    CHECK(first.status == 100);
    const auto second = c.receive();
    CHECK(second.status == 103);
    std::vector<std::string> links;
    for (const auto& h : second.headers) {
        if (h.name == "Link") links.push_back(h.value);
    }
    CHECK(links.size() == 2);
    const auto final_answer = c.receive();
    const auto final_at = std::chrono::steady_clock::now() - start;
    CHECK(final_answer.status == 200);
    CHECK(final_answer.json().at("status") == "queued");
    CHECK(first_at < 400ms);
    CHECK(final_at >= 400ms);
    CHECK(c.request("GET", "/api/jobs/100001").status == 200);  // the connection goes on
}

TEST_CASE("fake_server fault: trickle writes one byte per interval", "[fake_server][fault]") {
    fake_server server;
    SECTION("a client's read timeout fires") {
        server.inject({.what = fk::trickle, .interval = 1000ms});
        const auto raw = raw_call(server.port(), raw_get("/api/jobs/1"), 300ms);
        CHECK(raw.end == net::error::timed_out);
        CHECK(raw.received.empty());
    }
    SECTION("the whole answer arrives, slowly, and the connection stays usable") {
        server.inject({.what = fk::trickle, .interval = 3ms});
        connection c(server.port());
        const auto start = std::chrono::steady_clock::now();
        const auto r = c.request("GET", "/api/jobs/1");
        const auto took = std::chrono::steady_clock::now() - start;
        CHECK(r.status == 404);
        CHECK(r.json().at("message") == "Not found");
        CHECK(took >= 3ms * 150);  // the status line and headers alone are longer than 150 bytes
        CHECK(c.request("GET", "/api/jobs/1").status == 404);
    }
}

TEST_CASE("fake_server fault: huge_body streams 100 MB of valid JSON", "[fake_server][fault]") {
    fake_server server;
    SECTION("all of it, to a client that reads it") {
        server.inject({.what = fk::huge_body});
        std::uint64_t total = 0;
        const auto raw = raw_call(server.port(), raw_get("/api/jobs/1"), 120s, 4096, &total);
        CHECK(raw.end == net::error::eof);
        const auto header_end = raw.received.find("\r\n\r\n");
        REQUIRE(header_end != std::string::npos);
        CHECK(raw.received.find("Content-Length: 100000000\r\n") != std::string::npos);
        CHECK(total == header_end + 4 + 100'000'000);
        CHECK(raw.received.substr(header_end + 4).starts_with(R"({"message":"Not found","padding":"aaaa)"));
    }
    SECTION("a client with a size limit stops early; the server notices and goes on serving") {
        server.inject({.what = fk::huge_body, .body_bytes = 50'000'000});
        connection c(server.port());
        c.send("GET", "/api/jobs/1");
        CHECK(c.receive(1'000'000).ec == http::error::body_limit);
        CHECK(call(server, "GET", "/api/jobs/1").status == 404);
    }
}

TEST_CASE("fake_server fault: absurd headers, another job's id, broken pages, 429s on the wire",
          "[fake_server][fault]") {
    fake_server server;
    const auto id = call(server, "POST", "/api/jobs?job_definition_id=1").json().at("id").get<std::int64_t>();
    const auto path = "/api/jobs/" + std::to_string(id);
    server.inject({.what = fk::absurd_headers});
    const auto a = call(server, "GET", path);
    CHECK(a.status == 200);
    CHECK(*a.header("X-Rate-Limit-Limit") == "99999999999999999999999999999");
    CHECK(*a.header("X-Rate-Limit-Remaining") == "-7");
    CHECK(a.header("X-Absurd-Long-Header")->size() == 6000);

    server.inject({.what = fk::other_job});
    CHECK(call(server, "GET", path).json().at("id") == 9999);

    server.add_job_definition({.id = 1, .name = "one"});
    server.inject({.what = fk::malformed_page, .defect = trocco::testing::page_defect::cursor_not_string});
    CHECK(call(server, "GET", "/api/job_definitions").json().at("next_cursor") == 12345);

    server.inject({.what = fk::rate_limited, .retry_after_seconds = 5, .retry_after = trocco::testing::retry_after_form::http_date});
    const auto limited = call(server, "GET", path);
    CHECK(limited.status == 429);
    CHECK(limited.header("Retry-After")->ends_with(" GMT"));
    CHECK(server.pending_faults() == 0);
}
