// tests/testing/api_calls.hpp - calling trocco::testing::fake_api directly (no sockets), on a clock the test
// moves by hand.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <trocco/http.hpp>
#include <trocco/testing/fake_api.hpp>
#include <trocco/timestamp.hpp>

namespace api_test {

using namespace std::chrono_literals;
using trocco::testing::fake_api;
using trocco::testing::fault;
using trocco::testing::reply_plan;

/// 2026-01-01T00:00:00Z: the tests' "now" starts here.
inline const trocco::timestamp epoch{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};

struct call_options {
    std::string content_type = {};  // sent when non-empty
    std::optional<std::string> authorization = std::string("Token fake-api-key");
    bool keep_alive = true;
};

/// A fake_api and a clock.
class api_fixture {
public:
    explicit api_fixture(trocco::testing::fake_api_options o = {}) : api(std::move(o)) {}

    reply_plan call(std::string_view method, std::string_view target, std::string body = {}, call_options o = {}) {
        trocco::testing::incoming_request r;
        r.method = std::string(method);
        r.target = std::string(target);
        if (o.authorization) r.headers.push_back({"Authorization", *o.authorization});
        if (!o.content_type.empty()) r.headers.push_back({"Content-Type", o.content_type});
        r.body = std::move(body);
        r.keep_alive = o.keep_alive;
        return api.handle(std::move(r), now);
    }
    reply_plan get(std::string_view target) { return call("GET", target); }
    reply_plan post_json(std::string_view target, std::string body = "{}") {
        return call("POST", target, std::move(body), {.content_type = "application/json"});
    }
    /// POST /api/jobs?job_definition_id=N; returns the new job's id.
    std::int64_t run_job(std::int64_t definition_id) {
        const auto p = post_json("/api/jobs?job_definition_id=" + std::to_string(definition_id));
        return nlohmann::json::parse(p.body).at("id").get<std::int64_t>();
    }

    fake_api api;
    trocco::timestamp now = epoch;
};

inline nlohmann::json body_json(const reply_plan& p) { return nlohmann::json::parse(p.body, nullptr, false); }

inline const std::string* header(const reply_plan& p, std::string_view name) {
    return trocco::find_header(p.headers, name);
}

}  // namespace api_test
