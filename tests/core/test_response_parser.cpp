// Tests of parse_job_response and parse_workflow_job_response on well-formed answers: the example bodies of
// trocco-api.md section 10, missing/null/extra fields, optional timestamps, and the routing of non-2xx answers.
#include <trocco/trocco.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include "../catch.hpp"
#include "../support/jobs.hpp"

namespace {

using namespace std::chrono;
using test_support::make_job;

trocco::http_response response(int status, std::string body) {
    return {status, {{"Content-Type", "application/json; charset=utf-8"}}, std::move(body)};
}

// trocco-api.md section 10 (a): POST /api/jobs -> 200.
constexpr const char* example_a =
    R"({ "id": 987654, "job_definition_id": 123, "job_definition_name": "mysql_to_bigquery_orders", "status": "queued" })";

// trocco-api.md section 10 (b): GET /api/jobs/{job_id} -> 200.
constexpr const char* example_b = R"({ "id": 987654, "job_definition_id": 123, "job_definition_name": "mysql_to_bigquery_orders",
  "status": "succeeded", "transfer_records": 15230,
  "created_at": "2025-06-01T09:00:00.000+09:00",
  "started_at": "2025-06-01T09:00:12.000+09:00", "finished_at": "2025-06-01T09:03:40.000+09:00" })";

// trocco-api.md section 10 (c): POST /api/pipeline_jobs?pipeline_definition_id=321 -> 200.
constexpr const char* example_c =
    R"({ "id": 123, "pipeline_definition_id": 321, "name": "sample-pipeline-definition-name", "status": "queued" })";

void check_protocol_error(const trocco::error& e, const std::string& needle) {
    CAPTURE(e.message(), needle);
    CHECK(e.code() == trocco::errc::protocol_error);
    CHECK(e.kind() == trocco::errc::protocol_error);
    CHECK(e.message().find(needle) != std::string::npos);
}

}  // namespace

TEST_CASE("example (a): the answer of POST /api/jobs", "[parser]") {
    for (const int status : {200, 201}) {
        CAPTURE(status);
        const auto r = trocco::parse_job_response(response(status, example_a));
        REQUIRE(r.has_value());
        CHECK(r->id == 987654);
        CHECK(r->job_definition_id == 123);
        CHECK(r->job_definition_name == "mysql_to_bigquery_orders");
        CHECK(r->status == trocco::job_status::queued);
        CHECK(r->raw_status == "queued");
        CHECK_FALSE(r->created_at.has_value());
        CHECK_FALSE(r->started_at.has_value());
        CHECK_FALSE(r->finished_at.has_value());

        CHECK(*r == make_job<trocco::job>(987654, 123, "mysql_to_bigquery_orders", trocco::job_status::queued));
    }
}

TEST_CASE("example (b): the answer of GET /api/jobs/{id}, timestamps as UTC instants", "[parser]") {
    const auto r = trocco::parse_job_response(response(200, example_b));
    REQUIRE(r.has_value());
    CHECK(r->id == 987654);
    CHECK(r->job_definition_id == 123);
    CHECK(r->job_definition_name == "mysql_to_bigquery_orders");
    CHECK(r->status == trocco::job_status::succeeded);
    CHECK(r->raw_status == "succeeded");
    CHECK(trocco::is_terminal(r->status));

    const sys_days june_1{year{2025} / June / day{1}};
    REQUIRE(r->created_at.has_value());
    REQUIRE(r->started_at.has_value());
    REQUIRE(r->finished_at.has_value());
    // 09:00 at +09:00 is midnight UTC.
    CHECK(*r->created_at == june_1 + hours{0});
    CHECK(*r->started_at == june_1 + seconds{12});
    CHECK(*r->finished_at == june_1 + minutes{3} + seconds{40});
    CHECK(*r->finished_at - *r->started_at == seconds{208});
    CHECK(trocco::format_rfc3339(*r->created_at) == "2025-06-01T00:00:00.000Z");
    CHECK(trocco::format_rfc3339(*r->started_at) == "2025-06-01T00:00:12.000Z");
    CHECK(trocco::format_rfc3339(*r->finished_at) == "2025-06-01T00:03:40.000Z");

    CHECK(*r == make_job<trocco::job>(987654, 123, "mysql_to_bigquery_orders", trocco::job_status::succeeded,
                                      {june_1, june_1 + seconds{12}, june_1 + seconds{220}}));
}

TEST_CASE("example (c): the answer of POST /api/pipeline_jobs", "[parser]") {
    const auto r = trocco::parse_workflow_job_response(response(200, example_c));
    REQUIRE(r.has_value());
    CHECK(r->id == 123);
    CHECK(r->workflow_definition_id == 321);
    CHECK(r->name == "sample-pipeline-definition-name");
    CHECK(r->status == trocco::job_status::queued);
    CHECK(r->raw_status == "queued");
    CHECK_FALSE(r->created_at.has_value());
    CHECK_FALSE(r->started_at.has_value());
    CHECK_FALSE(r->finished_at.has_value());
    CHECK_FALSE(r->context_time.has_value());

    CHECK(*r == make_job<trocco::workflow_job>(123, 321, "sample-pipeline-definition-name", trocco::job_status::queued));
}

TEST_CASE("a workflow job with timestamps and a context_time kept as a string", "[parser]") {
    const auto r = trocco::parse_workflow_job_response(response(200, R"({
        "id": 555, "pipeline_definition_id": 321, "name": "日次ワークフロー", "status": "retry_waiting",
        "created_at": "2026-05-19T18:00:00+00:00", "started_at": "2026-05-19T18:00:05.5+00:00",
        "finished_at": null, "context_time": "2023-05-19 00:00:00",
        "executor_type": "api", "canceled_type": null })"));
    REQUIRE(r.has_value());
    CHECK(r->id == 555);
    CHECK(r->workflow_definition_id == 321);
    CHECK(r->name == "日次ワークフロー");
    CHECK(r->status == trocco::job_status::retry_waiting);
    CHECK(r->raw_status == "retry_waiting");
    REQUIRE(r->created_at.has_value());
    CHECK(*r->created_at == sys_days{year{2026} / May / day{19}} + hours{18});
    REQUIRE(r->started_at.has_value());
    CHECK(*r->started_at == sys_days{year{2026} / May / day{19}} + hours{18} + seconds{5} + milliseconds{500});
    CHECK_FALSE(r->finished_at.has_value());
    REQUIRE(r->context_time.has_value());
    CHECK(*r->context_time == "2023-05-19 00:00:00");

    SECTION("context_time in any string form is kept verbatim, not reinterpreted") {
        for (const char* text : {"2023-05-19T00:00:00.000+09:00", "2023-05-19 00:00:00 +0900", "", "not a time"}) {
            CAPTURE(text);
            const auto p = trocco::parse_workflow_job_response(response(
                200, std::string(R"({"id":1,"pipeline_definition_id":2,"status":"queued","context_time":")") + text +
                         "\"}"));
            REQUIRE(p.has_value());
            REQUIRE(p->context_time.has_value());
            CHECK(*p->context_time == text);
        }
    }
    SECTION("context_time null or absent is empty") {
        const auto n = trocco::parse_workflow_job_response(
            response(200, R"({"id":1,"pipeline_definition_id":2,"status":"queued","context_time":null})"));
        REQUIRE(n.has_value());
        CHECK_FALSE(n->context_time.has_value());
        const auto a =
            trocco::parse_workflow_job_response(response(200, R"({"id":1,"pipeline_definition_id":2,"status":"queued"})"));
        REQUIRE(a.has_value());
        CHECK_FALSE(a->context_time.has_value());
        CHECK(a->name.empty());
    }
}

TEST_CASE("optional timestamps: absent and null stay empty, each independently", "[parser]") {
    const sys_days june_1{year{2025} / June / day{1}};

    SECTION("an executing job: started, not finished (null)") {
        const auto r = trocco::parse_job_response(response(200, R"({"id":1,"job_definition_id":2,"status":"executing",
            "created_at":"2025-06-01T09:00:00.000+09:00","started_at":"2025-06-01T09:00:12.000+09:00","finished_at":null})"));
        REQUIRE(r.has_value());
        CHECK(r->created_at == june_1);
        CHECK(r->started_at == june_1 + seconds{12});
        CHECK_FALSE(r->finished_at.has_value());
    }
    SECTION("a queued job: started_at and finished_at absent") {
        const auto r = trocco::parse_job_response(
            response(200, R"({"id":1,"job_definition_id":2,"status":"queued","created_at":"2025-06-01T00:00:00Z"})"));
        REQUIRE(r.has_value());
        CHECK(r->created_at == june_1);
        CHECK_FALSE(r->started_at.has_value());
        CHECK_FALSE(r->finished_at.has_value());
    }
    SECTION("all three null") {
        const auto r = trocco::parse_job_response(response(
            200, R"({"id":1,"job_definition_id":2,"status":"queued","created_at":null,"started_at":null,"finished_at":null})"));
        REQUIRE(r.has_value());
        CHECK_FALSE(r->created_at.has_value());
        CHECK_FALSE(r->started_at.has_value());
        CHECK_FALSE(r->finished_at.has_value());
    }
    SECTION("finished only (as odd as it is)") {
        const auto r = trocco::parse_workflow_job_response(response(
            200, R"({"id":1,"pipeline_definition_id":2,"status":"canceled","finished_at":"2025-05-31T15:00:00-09:00"})"));
        REQUIRE(r.has_value());
        CHECK_FALSE(r->created_at.has_value());
        CHECK_FALSE(r->started_at.has_value());
        CHECK(r->finished_at == june_1);
    }
}

TEST_CASE("missing and null fields", "[parser]") {
    SECTION("job_definition_name absent or null gives an empty name") {
        const auto a = trocco::parse_job_response(response(200, R"({"id":1,"job_definition_id":2,"status":"queued"})"));
        REQUIRE(a.has_value());
        CHECK(a->job_definition_name.empty());
        CHECK(a->id == 1);
        CHECK(a->job_definition_id == 2);
        const auto n = trocco::parse_job_response(
            response(200, R"({"id":1,"job_definition_id":2,"job_definition_name":null,"status":"queued"})"));
        REQUIRE(n.has_value());
        CHECK(n->job_definition_name.empty());
        const auto p = trocco::parse_workflow_job_response(
            response(200, R"({"id":1,"pipeline_definition_id":2,"name":null,"status":"queued"})"));
        REQUIRE(p.has_value());
        CHECK(p->name.empty());
    }
    SECTION("a missing or null required field is a protocol_error naming it") {
        struct case_t {
            const char* body;
            const char* field;
        };
        const case_t job_cases[] = {
            {R"({"job_definition_id":2,"status":"queued"})", "\"id\""},
            {R"({"id":null,"job_definition_id":2,"status":"queued"})", "\"id\""},
            {R"({"id":1,"status":"queued"})", "\"job_definition_id\""},
            {R"({"id":1,"job_definition_id":null,"status":"queued"})", "\"job_definition_id\""},
            {R"({"id":1,"job_definition_id":2})", "\"status\""},
            {R"({"id":1,"job_definition_id":2,"status":null})", "\"status\""},
            {R"({})", "\"id\""},
            // A workflow job is not a transfer job.
            {example_c, "\"job_definition_id\""},
        };
        for (const auto& c : job_cases) {
            CAPTURE(c.body);
            const auto r = trocco::parse_job_response(response(200, c.body));
            REQUIRE_FALSE(r.has_value());
            check_protocol_error(r.error(), c.field);
            check_protocol_error(r.error(), "transfer job response");
        }
        const case_t pipeline_cases[] = {
            {R"({"pipeline_definition_id":2,"status":"queued"})", "\"id\""},
            {R"({"id":1,"status":"queued"})", "\"pipeline_definition_id\""},
            {R"({"id":1,"pipeline_definition_id":null,"status":"queued"})", "\"pipeline_definition_id\""},
            {R"({"id":1,"pipeline_definition_id":2})", "\"status\""},
            {example_a, "\"pipeline_definition_id\""},
            {example_b, "\"pipeline_definition_id\""},
        };
        for (const auto& c : pipeline_cases) {
            CAPTURE(c.body);
            const auto r = trocco::parse_workflow_job_response(response(200, c.body));
            REQUIRE_FALSE(r.has_value());
            check_protocol_error(r.error(), c.field);
            check_protocol_error(r.error(), "workflow job response");
        }
    }
    SECTION("the message names a missing field as missing") {
        const auto r = trocco::parse_job_response(response(200, R"({"job_definition_id":2,"status":"queued"})"));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().message() == "transfer job response: field \"id\" is missing or null");
    }
}

TEST_CASE("extra and unknown fields are ignored", "[parser]") {
    const auto base = trocco::parse_job_response(response(200, example_a));
    REQUIRE(base.has_value());
    const auto extra = trocco::parse_job_response(response(200, R"({
        "executor_type": "api", "transfer_records": 15230, "transfer_bytes": null, "skipped_records": 0,
        "id": 987654, "nested": {"a": [1, 2, {"b": null}], "c": "d"}, "list": [], "flag": true, "ratio": 1.5,
        "job_definition_id": 123, "pipeline_definition_id": "not ours", "name": 42, "context_time": 7,
        "job_definition_name": "mysql_to_bigquery_orders", "status": "queued", "updated_at": "garbage" })"));
    REQUIRE(extra.has_value());
    CHECK(*extra == *base);

    const auto base_c = trocco::parse_workflow_job_response(response(200, example_c));
    REQUIRE(base_c.has_value());
    const auto extra_c = trocco::parse_workflow_job_response(response(200, R"({
        "id": 123, "pipeline_definition_id": 321, "name": "sample-pipeline-definition-name", "status": "queued",
        "job_definition_id": "x", "job_definition_name": 5, "pipeline_definition_name": "mock", "tasks": [{}],
        "executor_type": null })"));
    REQUIRE(extra_c.has_value());
    CHECK(*extra_c == *base_c);
}

TEST_CASE("field order, whitespace, escapes and large ids", "[parser]") {
    SECTION("reordered and pretty-printed") {
        const auto r = trocco::parse_job_response(response(200, "\n\t {\r\n  \"status\" : \"error\" ,\n"
                                                                 "  \"job_definition_name\" : \"x\",\n"
                                                                 "  \"job_definition_id\" : 9,\n  \"id\" : 8\n}\n"));
        REQUIRE(r.has_value());
        CHECK(r->id == 8);
        CHECK(r->job_definition_id == 9);
        CHECK(r->job_definition_name == "x");
        CHECK(r->status == trocco::job_status::error);
    }
    SECTION("Japanese names, raw or escaped, are kept as UTF-8") {
        const auto raw = trocco::parse_job_response(
            response(200, R"({"id":1,"job_definition_id":2,"job_definition_name":"注文データ転送","status":"queued"})"));
        REQUIRE(raw.has_value());
        CHECK(raw->job_definition_name == "注文データ転送");
        const auto escaped = trocco::parse_job_response(response(
            200, R"({"id":1,"job_definition_id":2,"job_definition_name":"\u6ce8\u6587 \"q\" \\ \n","status":"queued"})"));
        REQUIRE(escaped.has_value());
        CHECK(escaped->job_definition_name == "注文 \"q\" \\ \n");
    }
    SECTION("ids up to INT64_MAX") {
        const auto r = trocco::parse_job_response(response(
            200, R"({"id":9223372036854775807,"job_definition_id":9223372036854775807,"status":"queued"})"));
        REQUIRE(r.has_value());
        CHECK(r->id == std::numeric_limits<std::int64_t>::max());
        CHECK(r->job_definition_id == std::numeric_limits<std::int64_t>::max());
        const auto p = trocco::parse_workflow_job_response(
            response(200, R"({"id":1,"pipeline_definition_id":9223372036854775807,"status":"queued"})"));
        REQUIRE(p.has_value());
        CHECK(p->workflow_definition_id == std::numeric_limits<std::int64_t>::max());
    }
    SECTION("every 2xx status is a success") {
        for (const int status : {200, 201, 202, 203, 299}) {
            CAPTURE(status);
            CHECK(trocco::parse_job_response(response(status, example_a)).has_value());
            CHECK(trocco::parse_workflow_job_response(response(status, example_c)).has_value());
        }
    }
    SECTION("a UTF-8 byte order mark before the body") {
        // RFC 8259 lets a parser ignore a BOM; nlohmann/json does.
        const auto r = trocco::parse_job_response(response(200, std::string("\xEF\xBB\xBF") + example_a));
        REQUIRE(r.has_value());
        CHECK(r->id == 987654);
        CHECK(r->job_definition_name == "mysql_to_bigquery_orders");
    }
}

TEST_CASE("a non-2xx answer is an error from error_from_response, whatever its body", "[parser]") {
    SECTION("404 with the API's message") {
        const auto r = trocco::parse_job_response(response(404, R"({"message":"Not found"})"));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == trocco::errc::not_found);
        CHECK(r.error().http_status() == 404);
        CHECK(r.error().message() == "Not found");
    }
    SECTION("a job body with a 500 status is still an error") {
        const auto r = trocco::parse_job_response(response(500, example_b));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == trocco::errc::server_error);
        CHECK(r.error().http_status() == 500);
        CHECK(r.error().message() == "500 Internal Server Error");
        const auto p = trocco::parse_workflow_job_response(response(503, example_c));
        REQUIRE_FALSE(p.has_value());
        CHECK(p.error().code() == trocco::errc::server_error);
        CHECK(p.error().message() == "503 Service Unavailable");
    }
    SECTION("an error body with a 200 status is a protocol error") {
        const auto r = trocco::parse_job_response(response(200, R"({"error":"You are not authorized"})"));
        REQUIRE_FALSE(r.has_value());
        check_protocol_error(r.error(), "\"id\"");
    }
    SECTION("1xx and 3xx are not successes") {
        for (const int status : {100, 199, 300, 302, 304}) {
            CAPTURE(status);
            const auto r = trocco::parse_job_response(response(status, example_a));
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().code() == trocco::errc::http_error);
            CHECK(r.error().http_status() == status);
        }
    }
}
