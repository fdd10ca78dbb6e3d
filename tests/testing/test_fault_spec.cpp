// Faults, definitions and seeded jobs written as key=value text (fault_spec.hpp): what trocco-fake-server reads.
#include <chrono>
#include <string>
#include <vector>

#include <trocco/testing/fault_spec.hpp>

#include "../catch.hpp"

using namespace std::chrono_literals;
using trocco::testing::fault;
using trocco::testing::parse_fault_spec;
using trocco::testing::split_spec;
using trocco::testing::spec_pairs;

namespace {
const trocco::timestamp now{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};
}

TEST_CASE("fault_spec: splitting keeps commas that do not start a key", "[fault_spec]") {
    const auto pairs = split_spec(R"(kind=http_status,body={"message":"a, b","x":1},status=500)");
    REQUIRE(pairs);
    CHECK(*pairs.value == spec_pairs{{"kind", "http_status"}, {"body", R"({"message":"a, b","x":1})"}, {"status", "500"}});
    CHECK(*split_spec("a=,b=x=y").value == spec_pairs{{"a", ""}, {"b", "x=y"}});
    CHECK(*split_spec("path=/api/jobs,").value == spec_pairs{{"path", "/api/jobs,"}});
    for (const auto* bad : {"", "=x", "kind", "Kind=delay", ",kind=delay"}) {
        INFO(bad);
        const auto r = split_spec(bad);
        CHECK_FALSE(r);
        CHECK_FALSE(r.error.empty());
    }
}

TEST_CASE("fault_spec: every kind by name, and back", "[fault_spec]") {
    for (int i = 0; i <= static_cast<int>(fault::kind::malformed_page); ++i) {
        const auto k = static_cast<fault::kind>(i);
        const auto name = trocco::testing::to_string(k);
        INFO(name);
        CHECK(trocco::testing::parse_fault_kind(name) == k);
        const auto f = parse_fault_spec("kind=" + std::string(name));
        REQUIRE(f);
        CHECK(f.value->what == k);
    }
    CHECK_FALSE(trocco::testing::parse_fault_kind("teapot").has_value());
}

TEST_CASE("fault_spec: every key", "[fault_spec]") {
    auto f = parse_fault_spec("kind=http_status,status=503,times=3,method=get,path=/api/jobs,body=");
    REQUIRE(f);
    CHECK(f.value->what == fault::kind::http_status);
    CHECK(f.value->status == 503);
    CHECK(f.value->times == 3);
    CHECK(f.value->method == trocco::http_method::get);
    CHECK(f.value->path_prefix == "/api/jobs");
    CHECK(f.value->body == std::optional<std::string>(""));

    f = parse_fault_spec("kind=rate_limited,method=POST,path_prefix=/api/p,times=-1,retry_after=http_date,"
                         "retry_after_seconds=360287970191367680,retry_after_text=soon,reset_after_seconds=-60");
    REQUIRE(f);
    CHECK(f.value->method == trocco::http_method::post);
    CHECK(f.value->path_prefix == "/api/p");
    CHECK(f.value->times == -1);
    CHECK(f.value->retry_after == trocco::testing::retry_after_form::http_date);
    CHECK(f.value->retry_after_seconds == 360287970191367680);
    CHECK(f.value->retry_after_text == std::optional<std::string>("soon"));
    CHECK(f.value->reset_after_seconds == std::optional<std::int64_t>(-60));

    f = parse_fault_spec("kind=trickle,delay_ms=20,interval_ms=5,interim=100+103+102,body_bytes=123,other_job_id=7,"
                         "status_line=HTTP/1.1 2OO OK,status_text=paused,header=X-A:1,header=X-B: two:three,"
                         "defect=cursor_repeats,retry_after=omitted");
    REQUIRE(f);
    CHECK(f.value->delay == 20ms);
    CHECK(f.value->interval == 5ms);
    CHECK(f.value->interim_statuses == std::vector<int>{100, 103, 102});
    CHECK(f.value->body_bytes == 123);
    CHECK(f.value->other_job_id == 7);
    CHECK(f.value->status_line == "HTTP/1.1 2OO OK");
    CHECK(f.value->status_text == "paused");
    CHECK(f.value->headers == std::vector<trocco::http_header>{{"X-A", "1"}, {"X-B", " two:three"}});
    CHECK(f.value->defect == trocco::testing::page_defect::cursor_repeats);
    CHECK(f.value->retry_after == trocco::testing::retry_after_form::omitted);
}

TEST_CASE("fault_spec: bad faults say why", "[fault_spec]") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"status=503", "kind"},
        {"kind=teapot", "teapot"},
        {"kind=delay,method=PUT", "GET or POST"},
        {"kind=delay,times=many", "times"},
        {"kind=delay,status=99999999999", "status"},
        {"kind=delay,delay_ms=-1", "negative"},
        {"kind=delay,interim=100+200", "1xx"},
        {"kind=delay,interim=", "1xx"},
        {"kind=delay,body_bytes=-5", "byte count"},
        {"kind=delay,header=novalue", "NAME:VALUE"},
        {"kind=delay,defect=broken", "page defect"},
        {"kind=delay,retry_after=tomorrow", "http_date"},
        {"kind=delay,colour=red", "unknown fault key 'colour'"},
    };
    for (const auto& [text, expected] : cases) {
        INFO(text);
        const auto f = parse_fault_spec(text);
        CHECK_FALSE(f);
        CHECK(f.error.find(expected) != std::string::npos);
    }
}

TEST_CASE("fault_spec: definitions and seeded jobs", "[fault_spec]") {
    using trocco::testing::job_kind;
    auto d = trocco::testing::parse_definition_spec(
        "kind=workflow,id=7,name=daily, nightly,description=x,created_at=2024-07-29T19:00:00.000+09:00,"
        "updated_at=now-60,label=1:prod,label=2:a:b",
        now);
    REQUIRE(d);
    CHECK(d.value->first == job_kind::workflow);
    CHECK(d.value->second.id == 7);
    CHECK(d.value->second.name == "daily, nightly");
    CHECK(d.value->second.description == std::optional<std::string>("x"));
    CHECK(d.value->second.created_at == *trocco::parse_rfc3339("2024-07-29T10:00:00Z"));
    CHECK(d.value->second.updated_at == now - 60s);
    CHECK(d.value->second.labels == std::vector<trocco::testing::definition_label>{{1, "prod"}, {2, "a:b"}});
    CHECK(trocco::testing::parse_definition_spec("kind=pipeline,id=1", now).value->first == job_kind::workflow);
    CHECK(trocco::testing::parse_definition_spec("kind=transfer,id=1", now).value->first == job_kind::transfer);
    CHECK(trocco::testing::parse_definition_spec("kind=datamart,id=1", now).value->first == job_kind::datamart);
    for (const auto* bad : {"id=1", "kind=job", "kind=job,id=0", "kind=dbt,id=1", "kind=job,id=1,label=x",
                            "kind=job,id=1,created_at=yesterday", "kind=job,id=1,size=3"}) {
        INFO(bad);
        CHECK_FALSE(trocco::testing::parse_definition_spec(bad, now));
    }

    auto j = trocco::testing::parse_seeded_job_spec(
        "definition=42,status=error,created_at=now-3600,started_at=now-3500,finished_at=now+5,id=9", now);
    REQUIRE(j);
    CHECK(j.value->job_definition_id == 42);
    CHECK(j.value->status == "error");
    CHECK(j.value->created_at == now - 3600s);
    CHECK(j.value->started_at == std::optional(now - 3500s));
    CHECK(j.value->finished_at == std::optional(now + 5s));
    CHECK(j.value->id == std::optional<std::int64_t>(9));
    j = trocco::testing::parse_seeded_job_spec("job_definition_id=3", now);
    REQUIRE(j);
    CHECK(j.value->created_at == now);
    CHECK(j.value->status == "succeeded");
    CHECK_FALSE(j.value->started_at.has_value());
    for (const auto* bad : {"status=error", "definition=0", "definition=1,id=-2", "definition=1,created_at=now-",
                            "definition=1,finished_at=2026-01-01", "definition=1,owner=me"}) {
        INFO(bad);
        CHECK_FALSE(trocco::testing::parse_seeded_job_spec(bad, now));
    }
}
