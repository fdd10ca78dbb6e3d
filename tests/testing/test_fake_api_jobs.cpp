// fake_api without sockets: running and reading jobs, run parameters, errors, statuses on the test's clock.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <trocco/job_status.hpp>
#include <trocco/requests.hpp>
#include <trocco/timestamp.hpp>

#include "../catch.hpp"
#include "api_calls.hpp"

using namespace api_test;
using trocco::testing::job_kind;
using trocco::testing::scripted_outcome;

TEST_CASE("fake_api: POST /api/jobs answers a queued transfer job in trocco's shape", "[fake_api]") {
    api_fixture f;
    f.api.set_definition_name(job_kind::transfer, 42, "mysql_to_bigquery_orders");
    const auto p = f.post_json("/api/jobs?job_definition_id=42");
    REQUIRE(p.status == 200);
    const auto j = body_json(p);
    CHECK(j.at("id") == 100001);
    CHECK(j.at("job_definition_id") == 42);
    CHECK(j.at("job_definition_name") == "mysql_to_bigquery_orders");
    CHECK(j.at("status") == "queued");
    CHECK(j.at("created_at") == "2026-01-01T09:00:00.000+09:00");
    CHECK_FALSE(j.contains("started_at"));
    CHECK_FALSE(j.contains("finished_at"));
    CHECK(p.action == trocco::testing::reply_action::respond);
    CHECK(p.keep_alive);

    const auto g = f.get("/api/jobs/100001");
    REQUIRE(g.status == 200);
    CHECK(body_json(g).at("created_at") == j.at("created_at"));
    CHECK(f.api.job_ids() == std::vector<std::int64_t>{100001});
    CHECK(f.post_json("/api/jobs?job_definition_id=42").body.find("\"id\":100002") != std::string::npos);
}

TEST_CASE("fake_api: a job's status moves on with the time passed in", "[fake_api]") {
    api_fixture f({.status_duration = 200ms});
    const auto id = f.run_job(1);
    const auto path = "/api/jobs/" + std::to_string(id);
    const std::vector<std::pair<std::chrono::milliseconds, std::string>> steps{
        {0ms, "queued"}, {199ms, "queued"}, {200ms, "setting_up"}, {400ms, "executing"}, {600ms, "succeeded"},
        {10h, "succeeded"}};
    for (const auto& [at, status] : steps) {
        f.now = epoch + at;
        INFO("at " << at.count() << " ms");
        CHECK(body_json(f.get(path)).at("status") == status);
    }
    const auto j = body_json(f.get(path));
    CHECK(j.at("started_at") == "2026-01-01T09:00:00.200+09:00");
    CHECK(j.at("finished_at") == "2026-01-01T09:00:00.600+09:00");

    SECTION("a clock before the creation reads as the first status") {
        f.now = epoch - 1h;
        CHECK(body_json(f.get(path)).at("status") == "queued");
    }
    SECTION("with a zero status_duration a GET sees the outcome at once") {
        api_fixture zero({.status_duration = 0ms});
        zero.api.set_outcome(job_kind::transfer, 3, scripted_outcome::canceled);
        const auto z = zero.run_job(3);
        CHECK(body_json(zero.get("/api/jobs/" + std::to_string(z))).at("status") == "canceled");
    }
}

TEST_CASE("fake_api: scripted outcomes per definition, a workflow's retry through retry_waiting", "[fake_api]") {
    api_fixture f({.status_duration = 100ms});
    f.api.set_outcome(job_kind::transfer, 2, scripted_outcome::error);
    f.api.set_outcome(job_kind::transfer, 4, scripted_outcome::skipped);
    f.api.set_outcome(job_kind::workflow, 7, scripted_outcome::error_then_retry);
    const auto error_job = f.run_job(2);
    const auto skipped_job = f.run_job(4);
    const auto w = body_json(f.post_json("/api/pipeline_jobs?pipeline_definition_id=7"));
    CHECK(w.at("status") == "queued");
    const auto wpath = "/api/pipeline_jobs/" + w.at("id").dump();

    std::vector<std::string> seen;
    bool error_had_finished_at = false, retry_waiting_had_null_finished_at = false;
    for (int step = 0; step < 12; ++step) {
        f.now = epoch + step * 100ms;
        const auto j = body_json(f.get(wpath));
        const auto status = j.at("status").get<std::string>();
        if (status == "error") error_had_finished_at = j.at("finished_at").is_string();
        if (status == "retry_waiting") retry_waiting_had_null_finished_at = j.at("finished_at").is_null();
        if (seen.empty() || seen.back() != status) seen.push_back(status);
    }
    CHECK(seen == std::vector<std::string>{"queued", "setting_up", "executing", "error", "retry_waiting", "queued",
                                           "setting_up", "executing", "succeeded"});
    CHECK(error_had_finished_at);
    CHECK(retry_waiting_had_null_finished_at);
    CHECK(body_json(f.get("/api/jobs/" + std::to_string(error_job))).at("status") == "error");
    CHECK(body_json(f.get("/api/jobs/" + std::to_string(skipped_job))).at("status") == "skipped");
    CHECK(trocco::is_terminal(trocco::parse_job_status(body_json(f.get("/api/jobs/" + std::to_string(error_job))).at("status").get<std::string>())));
}

TEST_CASE("fake_api: POST /api/pipeline_jobs reports name and context_time in JST", "[fake_api]") {
    api_fixture f;
    auto j = body_json(f.post_json("/api/pipeline_jobs?pipeline_definition_id=321", R"({"context_time":"2019-11-18 00:00:00"})"));
    CHECK(j.at("id") == 200001);
    CHECK(j.at("name") == "fake_pipeline_definition_321");
    CHECK(j.at("started_at").is_null());
    CHECK(j.at("finished_at").is_null());
    CHECK(j.at("context_time") == "2019-11-18T00:00:00.000+09:00");
    j = body_json(f.post_json("/api/pipeline_jobs?pipeline_definition_id=321",
                              R"({"context_time":"2019-11-18 00:00:00","time_zone":"Etc/UTC"})"));
    CHECK(j.at("context_time") == "2019-11-18T09:00:00.000+09:00");
    j = body_json(f.post_json("/api/pipeline_jobs?pipeline_definition_id=321",
                              R"({"context_time":"2019-11-18 00:00:00","time_zone":"America/Lima"})"));
    CHECK(j.at("context_time") == "2019-11-18 00:00:00");  // a zone the fake does not know: as given
    j = body_json(f.post_json("/api/pipeline_jobs?pipeline_definition_id=321"));
    CHECK(j.at("context_time") == "2026-01-01T09:00:00.000+09:00");  // none: the creation time
    // Transfer and workflow job ids are distinct: the wrong path is a 404.
    CHECK(f.get("/api/jobs/200001").status == 404);
    CHECK(f.get("/api/pipeline_jobs/200001").status == 200);
}

TEST_CASE("fake_api: POST /api/datamart_jobs starts a datamart job with memo and custom variables",
          "[fake_api][datamart]") {
    api_fixture f;
    const nlohmann::json body = {{"datamart_definition_id", 67890},
                                 {"context_time", "2026-06-15 15:30:00"},
                                 {"time_zone", "Asia/Tokyo"},
                                 {"memo", "manual run"},
                                 {"custom_variables", {{{"name", "$target_date$"}, {"value", "2026-06-15"}}}}};
    SECTION("the id in the JSON body") {
        const auto p = f.post_json("/api/datamart_jobs", body.dump());
        REQUIRE(p.status == 200);
        const auto j = body_json(p);
        CHECK(j.at("id") == 300001);
        CHECK(j.at("datamart_definition_id") == 67890);
        CHECK(j.at("context_time") == "2026-06-15T15:30:00.000+09:00");
        CHECK(j.at("status") == "queued");
        const auto params = f.api.run_parameters_of(job_kind::datamart, 300001);
        REQUIRE(params.has_value());
        CHECK(params->memo == std::optional<std::string>("manual run"));
        CHECK(params->custom_variables == std::vector<trocco::custom_variable>{{"$target_date$", "2026-06-15"}});
        CHECK(f.api.job_ids(job_kind::datamart) == std::vector<std::int64_t>{300001});
        CHECK(f.api.job_ids(job_kind::transfer).empty());
    }
    SECTION("the id in the query, form-encoded parameters") {
        const auto p = f.call("POST", "/api/datamart_jobs?datamart_definition_id=5", "memo=a+b&context_time=2026-01-02+03%3A04%3A05",
                              {.content_type = "application/x-www-form-urlencoded"});
        REQUIRE(p.status == 200);
        CHECK(body_json(p).at("datamart_definition_id") == 5);
        CHECK(f.api.run_parameters_of(job_kind::datamart, 300001)->memo == std::optional<std::string>("a b"));
    }
    SECTION("no status endpoint, and bad parameters are refused") {
        f.post_json("/api/datamart_jobs?datamart_definition_id=5");
        CHECK(f.get("/api/datamart_jobs/300001").status == 404);
        CHECK(f.post_json("/api/datamart_jobs").status == 400);
        CHECK(f.post_json("/api/datamart_jobs?datamart_definition_id=x").status == 422);
        CHECK(body_json(f.post_json("/api/datamart_jobs?datamart_definition_id=5", R"({"memo":3})"))
                  .at("errors").at(0).at("attribute") == "memo");
    }
}

TEST_CASE("fake_api: Authorization is required and checked", "[fake_api]") {
    api_fixture f({.api_key = "tra_custom"});
    for (const std::optional<std::string>& auth :
         {std::optional<std::string>{}, std::optional<std::string>("Token wrong-key"),
          std::optional<std::string>("Bearer tra_custom"), std::optional<std::string>("tra_custom"),
          std::optional<std::string>("Token fake-api-key")}) {
        const auto p = f.call("POST", "/api/jobs?job_definition_id=1", "{}", {.authorization = auth});
        CHECK(p.status == 401);
        CHECK(body_json(p).at("message") == "Unauthorized");
        CHECK(f.call("GET", "/api/job_definitions", {}, {.authorization = auth}).status == 401);
    }
    CHECK(f.api.job_ids().empty());
    CHECK(f.call("GET", "/api/jobs/1", {}, {.authorization = "Token tra_custom"}).status == 404);
}

TEST_CASE("fake_api: unknown paths and ids are 404, bad run parameters 400/422", "[fake_api]") {
    api_fixture f;
    for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
             {"GET", "/api/jobs/999"}, {"GET", "/api/pipeline_jobs/999"}, {"GET", "/api/jobs/abc"},
             {"GET", "/api/jobs/"}, {"GET", "/api/nothing"}, {"GET", "/"}, {"POST", "/api/jobs/5"},
             {"GET", "/api/jobs"}, {"GET", "/api/jobs/-1"}, {"GET", "/api/jobs/99999999999999999999"},
             {"DELETE", "/api/jobs/1"}, {"GET", "/api/job_definitions/x/jobs"}}) {
        INFO(method << " " << target);
        const auto p = f.call(method, target);
        CHECK(p.status == 404);
        CHECK(body_json(p).at("message") == "Not found");
    }
    const auto bad = [&](std::string target, std::string body, std::string type, int status, std::string attribute) {
        INFO(target << " " << body);
        const auto p = f.call("POST", target, std::move(body), {.content_type = std::move(type)});
        CHECK(p.status == status);
        const auto j = body_json(p);
        REQUIRE(j.is_object());
        CHECK(j.at("message").is_string());
        CHECK(j.at("errors").at(0).at("attribute") == attribute);
    };
    bad("/api/jobs", "{}", "application/json", 400, "job_definition_id");
    bad("/api/jobs?job_definition_id=", "", "", 400, "job_definition_id");
    bad("/api/pipeline_jobs", "", "", 400, "pipeline_definition_id");
    bad("/api/jobs?job_definition_id=abc", "", "", 422, "job_definition_id");
    bad("/api/jobs?job_definition_id=0", "", "", 422, "job_definition_id");
    bad("/api/jobs?job_definition_id=-3", "", "", 422, "job_definition_id");
    bad("/api/jobs?job_definition_id=1", R"({"context_time":"2019-11-18T00:00:00"})", "application/json", 400,
        "context_time");
    bad("/api/jobs?job_definition_id=1", R"({"context_time":"2019-02-30 00:00:00"})", "application/json", 400,
        "context_time");
    bad("/api/jobs?job_definition_id=1", R"({"context_time":5})", "application/json", 400, "context_time");
    bad("/api/jobs?job_definition_id=1", R"({"time_zone":""})", "application/json", 400, "time_zone");
    bad("/api/jobs?job_definition_id=1", R"({"custom_variables":{"name":"$a$"}})", "application/json", 400,
        "custom_variables");
    bad("/api/jobs?job_definition_id=1", R"({"custom_variables":[{"value":"1"}]})", "application/json", 400,
        "custom_variables");
    bad("/api/jobs?job_definition_id=1", "{not json", "application/json", 400, "body");
    bad("/api/jobs?job_definition_id=1", "custom_variables[][value]=1", "application/x-www-form-urlencoded", 400,
        "custom_variables");
    bad("/api/jobs?job_definition_id=1", "custom_variables[][n%FFme]=x", "application/x-www-form-urlencoded", 400,
        "custom_variables");  // not UTF-8: the error body is still valid JSON
    CHECK(f.api.job_ids().empty());
    CHECK(f.api.requests().size() == 15 + 12);  // every request is recorded, refused or not
}

TEST_CASE("fake_api: run parameters in JSON or form bodies are kept per job", "[fake_api]") {
    api_fixture f;
    SECTION("JSON") {
        const nlohmann::json body = {{"context_time", "2023-05-19 00:00:00"},
                                     {"time_zone", "Etc/UTC"},
                                     {"custom_variables",
                                      {{{"name", "$companyId$"}, {"value", "c-12345"}},
                                       {{"name", "$日本$"}, {"value", "東京都 渋谷区"}},
                                       {{"name", "$null$"}, {"value", nullptr}}}}};
        const auto id = nlohmann::json::parse(f.post_json("/api/jobs?job_definition_id=5", body.dump()).body).at("id");
        const auto params = f.api.run_parameters_of(job_kind::transfer, id.get<std::int64_t>());
        REQUIRE(params.has_value());
        CHECK(params->context_time == std::optional<std::string>("2023-05-19 00:00:00"));
        CHECK(params->time_zone == std::optional<std::string>("Etc/UTC"));
        CHECK(params->custom_variables ==
              std::vector<trocco::custom_variable>{{"$companyId$", "c-12345"}, {"$日本$", "東京都 渋谷区"}, {"$null$", ""}});
    }
    SECTION("form data, [] pairs and indexed entries, the id in the body") {
        const auto p = f.call("POST", "/api/jobs",
                              "job_definition_id=77&context_time=2019-11-18+00%3A00%3A00"
                              "&custom_variables[][name]=$a$&custom_variables[][value]=x%3Dy"
                              "&custom_variables%5B%5D%5Bname%5D=%24b%24&custom_variables%5B%5D%5Bvalue%5D=2",
                              {.content_type = "application/x-www-form-urlencoded"});
        REQUIRE(p.status == 200);
        CHECK(body_json(p).at("job_definition_id") == 77);
        const auto params = f.api.run_parameters_of(job_kind::transfer, 100001);
        CHECK(params->custom_variables == std::vector<trocco::custom_variable>{{"$a$", "x=y"}, {"$b$", "2"}});
        f.call("POST", "/api/jobs?job_definition_id=9",
               "custom_variables[1][name]=$b$&custom_variables[0][name]=$a$&custom_variables[1][value]=2"
               "&custom_variables[0][value]=1");  // no content type, not JSON-looking: form data
        CHECK(f.api.run_parameters_of(job_kind::transfer, 100002)->custom_variables ==
              std::vector<trocco::custom_variable>{{"$b$", "2"}, {"$a$", "1"}});
    }
    SECTION("nothing at all, and unknown ids") {
        f.call("POST", "/api/jobs?job_definition_id=5");
        CHECK(f.api.run_parameters_of(job_kind::transfer, 100001) == trocco::testing::run_parameters{});
        CHECK_FALSE(f.api.run_parameters_of(job_kind::transfer, 100002).has_value());
        CHECK_FALSE(f.api.run_parameters_of(job_kind::workflow, 100001).has_value());
    }
}

TEST_CASE("fake_api: seeded jobs keep the status and times they were given", "[fake_api][history]") {
    api_fixture f;
    f.api.set_definition_name(job_kind::transfer, 42, "orders");
    const auto created = epoch - 2h;
    const auto a = f.api.seed_job({.job_definition_id = 42, .status = "error", .created_at = created,
                                   .started_at = created + 1min, .finished_at = created + 5min});
    const auto b = f.api.seed_job({.job_definition_id = 42, .status = "executing", .created_at = created, .id = 5});
    CHECK(a == 100001);
    CHECK(b == 5);
    CHECK(f.run_job(42) == 100002);  // created jobs go on after seeded ids
    f.now = epoch + 10h;
    const auto ja = body_json(f.get("/api/jobs/100001"));
    CHECK(ja.at("status") == "error");
    CHECK(ja.at("job_definition_name") == "orders");
    CHECK(ja.at("created_at") == "2026-01-01T07:00:00.000+09:00");
    CHECK(ja.at("started_at") == "2026-01-01T07:01:00.000+09:00");
    CHECK(ja.at("finished_at") == "2026-01-01T07:05:00.000+09:00");
    const auto jb = body_json(f.get("/api/jobs/5"));
    CHECK(jb.at("status") == "executing");
    CHECK_FALSE(jb.contains("started_at"));
    CHECK(f.api.job_ids() == std::vector<std::int64_t>{5, 100001, 100002});
    CHECK_FALSE(f.api.run_parameters_of(job_kind::transfer, 5).has_value());
    CHECK_THROWS_AS(f.api.seed_job({.job_definition_id = 42, .id = 5}), std::invalid_argument);
    CHECK_THROWS_AS(f.api.seed_job({.job_definition_id = 0}), std::invalid_argument);
    const auto huge = f.api.seed_job({.job_definition_id = 1, .id = 500000});
    CHECK(huge == 500000);
    CHECK(f.run_job(1) == 500001);
}
