// trocco::testing::fake_server over loopback: serving, keep-alive, recording, executors, shutdown, threads.
// (What it answers is fake_api's, tested without sockets in test_fake_api_*.cpp.)
#include <utility>  // first: Boost 1.74's awaitable.hpp needs it

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include <trocco/testing/fake_server.hpp>

#include "../catch.hpp"
#include "loopback_client.hpp"

using namespace loopback;
using trocco::testing::fake_server_options;
using trocco::testing::fault;

namespace {

fake_server_options with_duration(std::chrono::milliseconds d) {
    fake_server_options o;
    o.status_duration = d;
    return o;
}

std::int64_t post_job(const fake_server& server, std::int64_t definition_id) {
    const auto r = call(server, "POST", "/api/jobs?job_definition_id=" + std::to_string(definition_id), "{}",
                        {.content_type = "application/json"});
    REQUIRE(r.status == 200);
    return r.json().at("id").get<std::int64_t>();
}

}  // namespace

TEST_CASE("fake_server: serves trocco's API over HTTP on a free loopback port", "[fake_server]") {
    fake_server server;
    CHECK(server.base_url() == "http://127.0.0.1:" + std::to_string(server.port()));
    CHECK(server.api_key() == "fake-api-key");
    const auto r = call(server, "POST", "/api/jobs?job_definition_id=42", "{}", {.content_type = "application/json"});
    REQUIRE(r.status == 200);
    REQUIRE(r.header("Content-Type") != nullptr);
    CHECK(r.header("Content-Type")->starts_with("application/json"));
    CHECK(*r.header("Server") == "trocco-fake-server");
    CHECK(r.json().at("job_definition_name") == "fake_job_definition_42");
    const auto id = r.json().at("id").get<std::int64_t>();
    CHECK(server.job_ids() == std::vector<std::int64_t>{id});
    CHECK(call(server, "GET", "/api/jobs/" + std::to_string(id)).json().at("id") == id);
    CHECK(call(server, "GET", "/api/jobs/1", {}, {.authorization = std::nullopt}).status == 401);

    // What the facade forwards reaches fake_api.
    server.add_datamart_definition({.id = 3, .name = "mart"});
    CHECK(call(server, "GET", "/api/datamart_definitions").json().at("items").at(0).at("name") == "mart");
    const auto seeded = server.seed_job({.job_definition_id = 42, .status = "error"});
    CHECK(call(server, "GET", "/api/job_definitions/42/jobs").json().at("items").size() == 2);
    CHECK(call(server, "GET", "/api/jobs/" + std::to_string(seeded)).json().at("status") == "error");
    const auto d = call(server, "POST", "/api/datamart_jobs", R"({"datamart_definition_id":3,"memo":"m"})",
                        {.content_type = "application/json"});
    CHECK(d.status == 200);
    CHECK(server.datamart_job_ids() == std::vector<std::int64_t>{300001});
    CHECK(server.datamart_job_run_parameters(300001)->memo == std::optional<std::string>("m"));
}

TEST_CASE("fake_server: a job moves on with the wall clock", "[fake_server]") {
    fake_server server(with_duration(150ms));
    const auto path = "/api/jobs/" + std::to_string(post_job(server, 1));
    connection c(server.port());
    std::vector<std::string> seen;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline && (seen.empty() || seen.back() != "succeeded")) {
        const auto status = c.request("GET", path).json().at("status").get<std::string>();
        if (seen.empty() || seen.back() != status) seen.push_back(status);
        std::this_thread::sleep_for(10ms);
    }
    CHECK(seen == std::vector<std::string>{"queued", "setting_up", "executing", "succeeded"});
}

TEST_CASE("fake_server: keep-alive serves many requests on one connection", "[fake_server]") {
    fake_server server;
    const auto id = post_job(server, 1);
    CHECK(server.connections_accepted() == 1);
    server.clear_requests();
    {
        connection c(server.port());
        for (int i = 0; i < 20; ++i) {
            const auto r = c.request("GET", "/api/jobs/" + std::to_string(id));
            REQUIRE(r.status == 200);
            CHECK(*r.header("Connection") == "keep-alive");
        }
        CHECK(c.request("POST", "/api/jobs?job_definition_id=1", "{}", {.content_type = "application/json"}).status == 200);
    }
    CHECK(server.connections_accepted() == 2);
    const auto requests = server.requests();
    REQUIRE(requests.size() == 21);
    for (const auto& r : requests) CHECK(r.connection_id == 2);
    CHECK(server.count_requests("GET", "/api/jobs/") == 20);
    CHECK(server.count_requests("POST", "/api/jobs") == 1);
    CHECK(server.count_requests("", "/api/jobs") == 21);
    CHECK(server.count_requests("POST", "/api/pipeline_jobs") == 0);

    SECTION("Connection: close is honoured") {
        connection c(server.port());
        const auto r = c.request("GET", "/api/jobs/" + std::to_string(id), {}, {.close = true});
        REQUIRE(r.status == 200);
        CHECK(*r.header("Connection") == "close");
        CHECK(c.receive().ec == http::error::end_of_stream);
    }
    SECTION("an idle connection is closed after keep_alive_timeout") {
        fake_server_options o;
        o.keep_alive_timeout = 200ms;
        fake_server quick(o);
        connection c(quick.port());
        CHECK(c.request("GET", "/api/jobs/1").status == 404);
        std::this_thread::sleep_for(500ms);
        const auto r = c.request("GET", "/api/jobs/1");
        CHECK(r.ec);
        CHECK(r.status == 0);
    }
    SECTION("pipelined requests are answered in order") {
        const auto get = raw_get("/api/jobs/" + std::to_string(id), false);
        const auto both = raw_call(server.port(), get + raw_get("/api/jobs/999"));
        CHECK(both.end == net::error::eof);
        const auto second = both.received.find("HTTP/1.1 404");
        CHECK(both.received.starts_with("HTTP/1.1 200 OK"));
        CHECK(second != std::string::npos);
    }
}

TEST_CASE("fake_server: requests are recorded with method, target, headers, body and connection", "[fake_server]") {
    fake_server server;
    const auto before = std::chrono::steady_clock::now();
    const auto r = call(server, "POST", "/api/jobs?job_definition_id=8", R"({"context_time":"2024-01-01 00:00:00"})",
                        {.content_type = "application/json"});
    REQUIRE(r.status == 200);
    call(server, "GET", "/api/nothing", {}, {.authorization = std::nullopt});
    const auto requests = server.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].method == "POST");
    CHECK(requests[0].target == "/api/jobs?job_definition_id=8");
    CHECK(requests[0].body == R"({"context_time":"2024-01-01 00:00:00"})");
    CHECK(*trocco::find_header(requests[0].headers, "authorization") == good_auth);
    CHECK(*trocco::find_header(requests[0].headers, "content-type") == "application/json");
    CHECK(requests[0].connection_id == 1);
    CHECK(requests[0].received_at >= before);
    CHECK(requests[1].target == "/api/nothing");
    CHECK(trocco::find_header(requests[1].headers, "Authorization") == nullptr);
    CHECK(requests[1].connection_id == 2);
    CHECK(server.job_run_parameters(r.json().at("id").get<std::int64_t>())->context_time ==
          std::optional<std::string>("2024-01-01 00:00:00"));
    server.clear_requests();
    CHECK(server.requests().empty());
}

TEST_CASE("fake_server: an enforced rate limit over HTTP", "[fake_server][rate]") {
    fake_server_options o;
    o.rate_limit = {.limit = 2, .window = std::chrono::seconds{600}, .enforce = true};
    fake_server server(o);
    connection c(server.port());
    CHECK(*c.request("GET", "/api/jobs/1").header("X-Rate-Limit-Remaining") == "1");
    CHECK(*c.request("GET", "/api/jobs/1").header("X-Rate-Limit-Remaining") == "0");
    const auto refused = c.request("GET", "/api/jobs/1");
    CHECK(refused.status == 429);
    const auto reset = std::stoll(*refused.header("X-Rate-Limit-Reset"));
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    CHECK(reset > now.count() + 500);
    CHECK(refused.header("Retry-After") == nullptr);
}

TEST_CASE("fake_server fault: delay answers later without blocking other connections", "[fake_server][fault]") {
    fake_server server;
    const auto path = "/api/jobs/" + std::to_string(post_job(server, 1));
    server.inject({.what = fault::kind::delay, .method = trocco::http_method::get, .path_prefix = "/api/jobs/",
                   .delay = 600ms});
    const auto start = std::chrono::steady_clock::now();
    auto slow = std::async(std::launch::async, [&] {
        const auto r = call(server, "GET", path);
        return std::pair(r.status, std::chrono::steady_clock::now() - start);
    });
    while (server.count_requests("GET", path) < 1 && std::chrono::steady_clock::now() - start < 5s) {
        std::this_thread::sleep_for(5ms);
    }
    const auto quick = call(server, "GET", path);
    const auto quick_done = std::chrono::steady_clock::now() - start;
    CHECK(quick.status == 200);
    const auto [slow_status, slow_done] = slow.get();
    CHECK(slow_status == 200);
    CHECK(slow_done >= 600ms);
    CHECK(quick_done < slow_done);
}

TEST_CASE("fake_server: runs on the caller's executor", "[fake_server]") {
    net::io_context io;
    fake_server server(io.get_executor(), with_duration(0ms));
    std::thread runner([&] { io.run(); });
    const auto id = post_job(server, 1);
    CHECK(call(server, "GET", "/api/jobs/" + std::to_string(id)).json().at("status") == "succeeded");
    connection idle(server.port());  // left open
    REQUIRE_FALSE(idle.setup_error());
    server.stop();
    runner.join();  // returns: the acceptor and every connection were closed
    CHECK(io.stopped());
}

TEST_CASE("fake_server: destroying it closes open connections and pending delayed answers", "[fake_server]") {
    auto server = std::make_unique<fake_server>();
    const auto port = server->port();
    server->inject({.what = fault::kind::delay, .delay = 30s});
    connection idle(port);
    connection delayed(port);
    REQUIRE_FALSE(idle.setup_error());
    delayed.send("GET", "/api/jobs/1");
    const auto start = std::chrono::steady_clock::now();
    while (server->count_requests("GET", "/api/jobs/1") == 0 && std::chrono::steady_clock::now() - start < 5s) {
        std::this_thread::sleep_for(5ms);
    }
    REQUIRE(server->count_requests("GET", "/api/jobs/1") == 1);
    server.reset();
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    const auto r = delayed.receive();
    CHECK(r.ec);
    CHECK(r.status == 0);
    CHECK(idle.request("GET", "/api/jobs/1").status == 0);
    connection refused(port);
    CHECK(refused.setup_error());
}

TEST_CASE("fake_server: concurrent clients while another thread reads the records", "[fake_server]") {
    fake_server server(with_duration(0ms));
    std::atomic<bool> done{false};
    std::atomic<int> ok{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
        clients.emplace_back([&, t] {
            connection c(server.port());
            for (int i = 0; i < 25; ++i) {
                const auto r = c.request("POST", "/api/jobs?job_definition_id=" + std::to_string(t + 1), "{}",
                                         {.content_type = "application/json"});
                if (r.status == 200) ++ok;
            }
        });
    }
    std::size_t max_seen = 0;
    std::thread reader([&] {
        while (!done) {
            max_seen = std::max(max_seen, server.requests().size());
            (void)server.count_requests("POST", "/api/jobs");
            (void)server.job_ids();
            (void)server.connections_accepted();
            std::this_thread::yield();
        }
    });
    for (auto& c : clients) c.join();
    done = true;
    reader.join();
    CHECK(ok == 100);
    CHECK(server.count_requests("POST", "/api/jobs") == 100);
    CHECK(server.connections_accepted() == 4);
    CHECK(server.job_ids().size() == 100);
    CHECK(max_seen <= 100);
}
