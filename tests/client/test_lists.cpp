// The wider read API: job history and definition lists as paged sequences (cursor hidden, one page in memory,
// retried like any read, a repeating cursor refused), their request checks, and datamart runs.
#include <string>
#include <vector>

#include "support.hpp"

namespace {

using namespace client_test;
using trocco::job_kind;

std::string page(const std::vector<std::string>& items, const std::string& next = "null") {
    std::string body = R"({"items":[)";
    for (std::size_t i = 0; i < items.size(); ++i) body += (i ? "," : "") + items[i];
    return body + R"(],"next_cursor":)" + next + "}";
}

std::string definition(std::int64_t id, std::string name) {
    return R"({"id":)" + std::to_string(id) + R"(,"name":")" + name +
           R"(","description":"d","created_at":"2024-07-29T19:00:00.000+09:00","labels":[{"name":"nightly"},"raw"],)"
           R"("data_warehouse_type":"bigquery"})";
}

template <class Sequence>
auto drain(scripted_transport& t, completion mode, Sequence& s) {
    using item = typename std::decay_t<decltype(*run_on(t, mode, s.next()).value())>;
    std::vector<item> out;
    for (;;) {
        auto next = run_on(t, mode, s.next());
        if (!next) return std::make_pair(out, std::optional<trocco::error>(next.error()));
        if (!*next) return std::make_pair(out, std::optional<trocco::error>());
        out.push_back(std::move(**next));
    }
}

}  // namespace

TEST_CASE("job history: pages fetched as consumed, the cursor passed on, the end at a null cursor", "[lists]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.expect(trocco::http_method::get,
                 "https://trocco.io/api/job_definitions/42/jobs?start_time=2026-11-01%2000%3A00%3A00"
                 "&time_zone=Asia%2FTokyo&limit=2")
            .respond(200, page({job_json(1, "succeeded"), job_json(2, "error")}, R"("eyJpZCI6MjF9")"));
        t.expect(trocco::http_method::get,
                 "https://trocco.io/api/job_definitions/42/jobs?start_time=2026-11-01%2000%3A00%3A00"
                 "&time_zone=Asia%2FTokyo&limit=2&cursor=eyJpZCI6MjF9")
            .respond(503, "");  // retried like any read
        t.respond(200, page({job_json(3, "executing")}, R"("")"));  // an empty cursor ends it too
        trocco::client c{t, options_with()};
        auto history = trocco::job_history(c, 42, {.start_time = "2026-11-01 00:00:00", .time_zone = "Asia/Tokyo",
                                                   .page_size = 2});
        const auto first = run_on(t, mode, history.next());
        REQUIRE(first.has_value());
        CHECK(t.requests().size() == 1);  // nothing fetched ahead
        auto [rest, failure] = drain(t, mode, history);
        CHECK_FALSE(failure.has_value());
        REQUIRE(rest.size() == 2);
        CHECK((*first)->id == 1);
        CHECK(rest[0].raw_status == "error");
        CHECK(rest[1].id == 3);
        CHECK(history.pages() == 2);
        CHECK(t.mismatches().empty());
        CHECK(t.remaining_steps() == 0);
    });
}

TEST_CASE("definition lists: transfer, workflow and datamart, with the fields a user picks one by", "[lists]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.expect(trocco::http_method::get, "https://trocco.io/api/job_definitions?name=orders%20%E6%97%A5&limit=100")
            .respond(200, page({definition(5, "orders 日次")}));
        t.expect(trocco::http_method::get, "https://trocco.io/api/pipeline_definitions")
            .respond(200, page({R"({"id":6,"name":"wf","description":null})"}));
        t.expect(trocco::http_method::get, "https://trocco.io/api/datamart_definitions?limit=200")
            .respond(200, page({}));
        trocco::client c{t, options_with()};
        auto transfer = trocco::definitions(c, job_kind::transfer, {.name = "orders 日", .page_size = 100});
        auto [defs, e1] = drain(t, mode, transfer);
        REQUIRE(defs.size() == 1);
        CHECK(defs[0].kind == job_kind::transfer);
        CHECK(defs[0].id == 5);
        CHECK(defs[0].name == "orders 日次");
        CHECK(defs[0].description == "d");
        CHECK(defs[0].labels == std::vector<std::string>{"nightly", "raw"});
        REQUIRE(defs[0].created_at.has_value());
        CHECK_FALSE(defs[0].updated_at.has_value());
        auto workflows = trocco::definitions(c, job_kind::workflow);
        auto [wf, e2] = drain(t, mode, workflows);
        REQUIRE(wf.size() == 1);
        CHECK(wf[0].description.empty());
        auto datamarts = trocco::definitions(c, job_kind::datamart, {.page_size = 200});
        auto [dm, e3] = drain(t, mode, datamarts);
        CHECK(dm.empty());
        CHECK_FALSE(e1.has_value());
        CHECK_FALSE(e2.has_value());
        CHECK_FALSE(e3.has_value());
        CHECK(t.mismatches().empty());
    });
}

TEST_CASE("lists: bad arguments are refused before anything is sent", "[lists][invalid]") {
    scripted_transport t;
    trocco::client c{t, options_with()};
    const auto refused = [&](auto sequence, std::string_view field) {
        auto next = trocco::sync_wait(sequence.next());
        REQUIRE_FALSE(next.has_value());
        CHECK(next.error().kind() == errc::invalid_argument);
        CHECK(contains(next.error().message(), field));
    };
    refused(trocco::job_history(c, 0), "job_definition_id");
    refused(trocco::job_history(c, 42, {.start_time = "yesterday"}), "start_time");
    refused(trocco::job_history(c, 42, {.end_time = "2026-02-30 00:00:00"}), "end_time");
    refused(trocco::job_history(c, 42, {.page_size = 101}), "page_size must be 1..100");
    refused(trocco::job_history(c, 42, {.page_size = 0}), "page_size");
    refused(trocco::definitions(c, job_kind::transfer, {.page_size = 101}), "page_size must be 1..100");
    refused(trocco::definitions(c, job_kind::datamart, {.page_size = 201}), "page_size must be 1..200");
    refused(trocco::definitions(c, job_kind::workflow, {.name = "x"}), "no name filter for workflow definitions");
    refused(trocco::definitions(c, job_kind::transfer, {.name = "a\nb"}), "name");
    CHECK(t.requests().empty());
}

TEST_CASE("lists: malformed pages are typed errors, retried as unreadable reads; a repeating cursor stops",
          "[lists][malformed]") {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {R"({"next_cursor":null})", "field \"items\" must be an array"},
        {R"({"items":{},"next_cursor":null})", "field \"items\" must be an array"},
        {R"({"items":[1],"next_cursor":null})", "items[0] is not a JSON object"},
        {R"({"items":[{"id":"1","job_definition_id":42,"status":"queued"}]})", "items[0]: field \"id\""},
        {R"({"items":[],"next_cursor":7})", "field \"next_cursor\" must be a string or null"},
        {R"([])", "body is not a JSON object"},
        {"<html>", "body is not valid JSON"},
    };
    for (const auto& [body, words] : bad) {
        CAPTURE(body);
        scripted_transport t;
        auto options = options_with();
        options.retry.max_attempts = 2;
        trocco::client c{t, options};
        t.respond(200, body).respond(200, body);
        auto history = trocco::job_history(c, 42);
        auto next = trocco::sync_wait(history.next());
        REQUIRE_FALSE(next.has_value());
        CHECK(next.error().kind() == errc::protocol_error);
        CHECK(contains(next.error().message(), words));
        CHECK(t.requests().size() == 2);
        auto after = trocco::sync_wait(history.next());  // done after an error
        REQUIRE(after.has_value());
        CHECK_FALSE(after->has_value());
    }
    SECTION("a cursor loop A -> B -> A is caught; the loop's items are not repeated endlessly") {
        scripted_transport t;
        trocco::client c{t, options_with()};
        for (int i = 0; i < 20; ++i) {
            t.respond(200, page({job_json(i + 1, "succeeded")}, i % 2 == 0 ? R"("A")" : R"("B")"));
        }
        auto history = trocco::job_history(c, 42);
        auto [items, failure] = drain(t, completion::immediate, history);
        REQUIRE(failure.has_value());
        CHECK(failure->kind() == errc::protocol_error);
        CHECK(contains(failure->message(), "cursor it had returned before"));
        CHECK(items.size() <= 4);
    }
}

TEST_CASE("datamart runs: POST /api/datamart_jobs with the id in the query, the rest in a JSON body", "[datamart]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.expect(trocco::http_method::post, "https://trocco.io/api/datamart_jobs?datamart_definition_id=67890")
            .respond(200, R"({"id":11,"datamart_definition_id":67890,"context_time":"2026-06-15 15:30:00"})");
        trocco::client c{t, options_with()};
        trocco::run_datamart_job_request request{.datamart_definition_id = 67890,
                                                 .context_time = "2026-06-15 15:30:00",
                                                 .time_zone = "Asia/Tokyo",
                                                 .memo = "manual run",
                                                 .custom_variables = {{"$target_date$", "2026-06-15"}}};
        const auto r = run_on(t, mode, c.run_datamart_job(std::move(request)));
        REQUIRE(r.has_value());
        CHECK(r->id == 11);
        CHECK(r->context_time == "2026-06-15 15:30:00");
        CHECK(r->raw_status.empty());
        REQUIRE(t.requests().size() == 1);
        CHECK(t.requests()[0].body == R"({"context_time":"2026-06-15 15:30:00","time_zone":"Asia/Tokyo",)"
                                      R"("memo":"manual run","custom_variables":[{"name":"$target_date$",)"
                                      R"("value":"2026-06-15"}]})");
        CHECK(t.mismatches().empty());
    });
    scripted_transport t;
    trocco::client c{t, options_with()};
    t.fail(errc::transport_failure, "reset");
    const auto unknown = trocco::sync_wait(c.run_datamart_job({.datamart_definition_id = 5}));
    CHECK(unknown.error().kind() == errc::outcome_unknown);
    CHECK(unknown.error().definition_id() == 5);
    const auto bad = trocco::sync_wait(c.run_datamart_job({.datamart_definition_id = 5, .memo = "\xff"}));
    CHECK(bad.error().kind() == errc::invalid_argument);
    CHECK(t.requests().size() == 1);
}
