// fake_api without sockets: which requests a fault applies to, and the plan each fault kind makes.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../catch.hpp"
#include "api_calls.hpp"

using namespace api_test;
using trocco::http_method;
using trocco::testing::connection_fault;
using trocco::testing::job_kind;
using trocco::testing::page_defect;
using trocco::testing::reply_action;
using trocco::testing::retry_after_form;
using fk = trocco::testing::fault::kind;

TEST_CASE("fake_api faults: matching by method and path prefix, times, order, delay with another",
          "[fake_api][fault]") {
    api_fixture f;
    f.api.inject({.what = fk::http_status, .method = http_method::post, .path_prefix = "/api/pipeline_jobs", .status = 500});
    CHECK(f.get("/api/pipeline_jobs/1").status == 404);
    CHECK(f.post_json("/api/jobs?job_definition_id=1").status == 200);
    CHECK(f.api.pending_faults() == 1);
    CHECK(f.post_json("/api/pipeline_jobs?pipeline_definition_id=1").status == 500);
    CHECK(f.api.pending_faults() == 0);

    f.api.inject({.what = fk::http_status, .times = 2, .status = 503});
    f.api.inject({.what = fk::http_status, .times = 1, .status = 502});
    CHECK(f.get("/api/jobs/100001").status == 503);
    CHECK(f.get("/api/jobs/100001").status == 503);
    CHECK(f.get("/api/jobs/100001").status == 502);  // in the order injected
    CHECK(f.get("/api/jobs/100001").status == 200);

    f.api.inject({.what = fk::http_status, .times = -1, .status = 504});
    for (int i = 0; i < 5; ++i) CHECK(f.get("/api/jobs/100001").status == 504);
    CHECK(f.api.pending_faults() == 1);
    f.api.clear_faults();
    f.api.inject({.what = fk::http_status, .times = 0});  // ignored
    CHECK(f.api.pending_faults() == 0);

    f.api.inject({.what = fk::delay, .delay = 300ms});
    f.api.inject({.what = fk::http_status, .status = 503});
    const auto both = f.get("/api/jobs/100001");
    CHECK(both.status == 503);
    CHECK(both.delay == 300ms);
    CHECK(f.get("/api/jobs/100001").delay == 0ms);
}

TEST_CASE("fake_api faults: http_status answers without processing; bodies trocco-shaped or given",
          "[fake_api][fault]") {
    api_fixture f;
    f.api.inject({.what = fk::http_status, .status = 503});
    const auto p = f.post_json("/api/jobs?job_definition_id=1");
    CHECK(p.status == 503);
    CHECK(body_json(p).at("message") == "503 Service Unavailable");
    CHECK(header(p, "X-Rate-Limit-Remaining") != nullptr);
    CHECK(f.api.job_ids().empty());
    f.api.inject({.what = fk::http_status, .status = 502, .body = std::string{}});
    CHECK(f.get("/api/jobs/1").body.empty());
    f.api.inject({.what = fk::http_status, .status = 422, .body = R"({"message":"ジョブ定義が見つかりません"})"});
    CHECK(body_json(f.get("/api/jobs/1")).at("message") == "ジョブ定義が見つかりません");
}

TEST_CASE("fake_api faults: rate_limited with every form of Retry-After and X-Rate-Limit-Reset",
          "[fake_api][fault][rate]") {
    api_fixture f;
    f.now = epoch + 250ms;
    const auto epoch_s = std::chrono::floor<std::chrono::seconds>(epoch).time_since_epoch().count();
    const auto answer = [&](trocco::testing::fault spec) {
        spec.what = fk::rate_limited;
        f.api.inject(std::move(spec));
        const auto p = f.post_json("/api/jobs?job_definition_id=1");
        CHECK(p.status == 429);
        CHECK(body_json(p).at("message").is_string());
        CHECK(*header(p, "X-Rate-Limit-Remaining") == "0");
        CHECK(*header(p, "X-Rate-Limit-Limit") == "3500");
        return p;
    };
    auto p = answer({.retry_after_seconds = 3});
    CHECK(*header(p, "Retry-After") == "3");
    CHECK(*header(p, "X-Rate-Limit-Reset") == std::to_string(epoch_s + 3));
    p = answer({.retry_after_seconds = 90, .retry_after = retry_after_form::http_date});
    CHECK(*header(p, "Retry-After") == "Thu, 01 Jan 2026 00:01:30 GMT");
    p = answer({.retry_after = retry_after_form::omitted, .reset_after_seconds = 30});
    CHECK(header(p, "Retry-After") == nullptr);
    CHECK(*header(p, "X-Rate-Limit-Reset") == std::to_string(epoch_s + 30));
    p = answer({.retry_after_text = "360287970191367680", .reset_after_seconds = 360287970191367680});
    CHECK(*header(p, "Retry-After") == "360287970191367680");
    CHECK(*header(p, "X-Rate-Limit-Reset") == "253402300799");  // saturated at 9999-12-31T23:59:59Z
    p = answer({.retry_after_seconds = -5});
    CHECK(*header(p, "Retry-After") == "-5");
    CHECK(*header(p, "X-Rate-Limit-Reset") == std::to_string(epoch_s - 5));
    p = answer({.retry_after_text = "soon", .reset_after_seconds = -86400});  // garbage; a reset in the past
    CHECK(*header(p, "Retry-After") == "soon");
    CHECK(*header(p, "X-Rate-Limit-Reset") == std::to_string(epoch_s - 86400));
    p = answer({.retry_after_seconds = 360287970191367680, .retry_after = retry_after_form::http_date,
                .reset_after_seconds = -360287970191367680});
    CHECK(*header(p, "Retry-After") == "Fri, 31 Dec 9999 23:59:59 GMT");
    CHECK(*header(p, "X-Rate-Limit-Reset") == "0");
    CHECK(f.api.job_ids().empty());  // none was processed
}

TEST_CASE("fake_api faults: connection faults are taken when a request line arrives", "[fake_api][fault]") {
    api_fixture f;
    f.api.inject({.what = fk::close_before_read, .method = http_method::post, .path_prefix = "/api/jobs"});
    f.api.inject({.what = fk::reset_before_read, .method = http_method::get});
    CHECK(f.api.take_connection_fault("GET", "/api/pipeline_jobs/1") == connection_fault::reset);
    CHECK(f.api.take_connection_fault("GET", "/api/jobs/1") == connection_fault::none);
    CHECK(f.api.take_connection_fault("POST", "/api/pipeline_jobs") == connection_fault::none);
    CHECK(f.api.take_connection_fault("", "") == connection_fault::none);  // line not whole: filtered faults wait
    CHECK(f.api.take_connection_fault("POST", "/api/jobs?job_definition_id=1") == connection_fault::close);
    f.api.inject({.what = fk::close_before_read});
    CHECK(f.api.take_connection_fault("", "") == connection_fault::close);
    // handle() never takes them.
    f.api.inject({.what = fk::reset_before_read});
    CHECK(f.get("/api/jobs/1").action == reply_action::respond);
    CHECK(f.api.pending_faults() == 1);
    CHECK(f.api.requests().size() == 1);
}

TEST_CASE("fake_api faults: close_after_read and reset_after_read create the job of every POST",
          "[fake_api][fault]") {
    for (const auto kind : {fk::close_after_read, fk::reset_after_read}) {
        api_fixture f;
        f.api.inject({.what = kind, .method = http_method::post, .times = 3});
        const auto expected = kind == fk::close_after_read ? reply_action::close_without_answer
                                                           : reply_action::reset_without_answer;
        CHECK(f.post_json("/api/jobs?job_definition_id=6").action == expected);
        CHECK(f.post_json("/api/pipeline_jobs?pipeline_definition_id=7").action == expected);
        CHECK(f.post_json("/api/datamart_jobs?datamart_definition_id=8").action == expected);
        CHECK(f.api.job_ids(job_kind::transfer).size() == 1);
        CHECK(f.api.job_ids(job_kind::workflow).size() == 1);
        CHECK(f.api.job_ids(job_kind::datamart).size() == 1);
        CHECK(f.get("/api/jobs/100001").action == reply_action::respond);
        // The job created is listed in its definition's history: what a reconciling client finds.
        CHECK(body_json(f.get("/api/job_definitions/6/jobs")).at("items").at(0).at("id") == 100001);
    }
}

TEST_CASE("fake_api faults: answers spoiled after processing", "[fake_api][fault]") {
    api_fixture f;
    const auto id = f.run_job(1);
    const auto path = "/api/jobs/" + std::to_string(id);
    SECTION("truncated_body, truncated_chunked, malformed_json, malformed_status_line, trickle, huge_body") {
        f.api.inject({.what = fk::truncated_body});
        CHECK(f.get(path).action == reply_action::truncate_then_close);
        f.api.inject({.what = fk::truncated_chunked});
        CHECK(f.get(path).action == reply_action::truncated_chunked);
        f.api.inject({.what = fk::malformed_json});
        const auto m = f.get(path);
        CHECK(m.status == 200);
        CHECK(body_json(m).is_discarded());
        CHECK_FALSE(m.body.empty());
        f.api.inject({.what = fk::malformed_status_line, .status_line = "HTTP/1.1 2OO OK"});
        CHECK(f.get(path).status_line == std::optional<std::string>("HTTP/1.1 2OO OK"));
        f.api.inject({.what = fk::trickle, .interval = 250ms});
        CHECK(f.get(path).trickle_interval == 250ms);
        f.api.inject({.what = fk::huge_body, .body_bytes = 1'000'000});
        const auto h = f.get(path);
        CHECK(h.padded_body_bytes == 1'000'000);
        CHECK(body_json(h).at("id") == id);  // the real answer, padded on the wire
        f.api.inject({.what = fk::truncated_body, .method = http_method::post});
        CHECK(f.post_json("/api/jobs?job_definition_id=1").action == reply_action::truncate_then_close);
        CHECK(f.api.job_ids().size() == 2);  // processed
    }
    SECTION("unknown_status and other_job rewrite the job, or every item of a list") {
        f.api.inject({.what = fk::unknown_status, .times = 2, .status_text = "paused"});
        CHECK(body_json(f.get(path)).at("status") == "paused");
        CHECK(body_json(f.post_json("/api/jobs?job_definition_id=1")).at("status") == "paused");
        CHECK(body_json(f.get(path)).at("status") != "paused");
        f.api.inject({.what = fk::other_job, .other_job_id = 9999});
        const auto other = body_json(f.get(path));
        CHECK(other.at("id") == 9999);
        CHECK(other.at("job_definition_id") == 1);
        f.api.inject({.what = fk::other_job, .other_job_id = 7});
        const auto list = body_json(f.get("/api/job_definitions/1/jobs"));  // a named value: the loop reads into it
        for (const auto& item : list.at("items")) CHECK(item.at("id") == 7);
        f.api.inject({.what = fk::unknown_status});
        CHECK(f.get("/api/jobs/424242").status == 404);  // an error answer is left alone
    }
    SECTION("interim_responses: 100 and 103 (with Link headers) before the final answer") {
        f.api.inject({.what = fk::interim_responses});
        const auto p = f.get(path);
        REQUIRE(p.interim.size() == 2);
        CHECK(p.interim[0] == trocco::testing::interim_answer{100, {}});
        CHECK(p.interim[1].status == 103);
        CHECK(p.interim[1].headers.size() == 2);
        CHECK(p.interim[1].headers[0].name == "Link");
        CHECK(p.status == 200);
        f.api.inject({.what = fk::interim_responses, .interim_statuses = {102, 100, 100}});
        CHECK(f.get(path).interim.size() == 3);
    }
    SECTION("absurd_headers: the built-in set, or the given headers, replacing same-named ones") {
        f.api.inject({.what = fk::absurd_headers});
        const auto p = f.get(path);
        CHECK(*header(p, "X-Rate-Limit-Limit") == "99999999999999999999999999999");
        CHECK(*header(p, "X-Rate-Limit-Remaining") == "-7");
        CHECK(*header(p, "X-Rate-Limit-Reset") == "1e400");
        CHECK(*header(p, "Retry-After") == "360287970191367680");
        CHECK(header(p, "X-Absurd-Long-Header")->size() == 6000);
        std::size_t limits = 0;
        for (const auto& h : p.headers) limits += h.name == "X-Rate-Limit-Limit";
        CHECK(limits == 1);
        f.api.inject({.what = fk::absurd_headers, .headers = {{"x-rate-limit-reset", "-1"}}});
        const auto q = f.get(path);
        CHECK(*header(q, "X-Rate-Limit-Reset") == "-1");
        CHECK(*header(q, "X-Rate-Limit-Remaining") != "-7");
    }
}

TEST_CASE("fake_api faults: malformed_page breaks list answers in each way", "[fake_api][fault][lists]") {
    api_fixture f;
    for (std::int64_t i = 1; i <= 5; ++i) f.api.add_definition(job_kind::transfer, {.id = i, .name = "d"});
    const auto page_with = [&](page_defect d, const std::string& target = "/api/job_definitions?limit=2") {
        f.api.inject({.what = fk::malformed_page, .defect = d});
        return body_json(f.get(target));
    };
    CHECK_FALSE(page_with(page_defect::items_missing).contains("items"));
    CHECK(page_with(page_defect::items_not_array).at("items").is_object());
    const auto typed = page_with(page_defect::item_wrong_types);
    CHECK(typed.at("items").at(0).at("id") == "1");
    CHECK(typed.at("items").at(0).at("name") == 42);
    CHECK(page_with(page_defect::cursor_not_string).at("next_cursor") == 12345);

    // cursor_repeats: the first page's cursor is the real one; the page it leads to repeats it.
    const auto first = page_with(page_defect::cursor_repeats);
    const auto cursor = first.at("next_cursor").get<std::string>();
    CHECK(cursor == "eyJpZCI6Mn0=");
    const auto second = page_with(page_defect::cursor_repeats, "/api/job_definitions?limit=2&cursor=eyJpZCI6Mn0%3D");
    CHECK(second.at("next_cursor") == cursor);
    CHECK(second.at("items").at(0).at("id") == 3);

    // On the history list too; a job answer is left alone.
    f.run_job(1);
    f.api.inject({.what = fk::malformed_page, .defect = page_defect::item_wrong_types});
    const auto history = body_json(f.get("/api/job_definitions/1/jobs"));
    CHECK(history.at("items").at(0).at("status") == 7);
    CHECK(history.at("items").at(0).at("id") == "100001");
    f.api.inject({.what = fk::malformed_page, .defect = page_defect::items_missing});
    CHECK(body_json(f.get("/api/jobs/100001")).at("id") == 100001);
}
