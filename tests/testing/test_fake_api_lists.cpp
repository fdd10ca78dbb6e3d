// fake_api without sockets: the definition lists, a definition's job history, cursors and limits, the rate limit.
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../catch.hpp"
#include "api_calls.hpp"

using namespace api_test;
using trocco::testing::definition;
using trocco::testing::job_kind;

namespace {

/// Follows next_cursor from `first` until it is null, returning every item's id (at most 1,000 pages).
std::vector<std::int64_t> all_ids(api_fixture& f, const std::string& first, std::size_t* pages = nullptr) {
    std::vector<std::int64_t> ids;
    std::string target = first;
    for (std::size_t page = 1; page <= 1000; ++page) {
        const auto p = f.get(target);
        REQUIRE(p.status == 200);
        const auto j = body_json(p);
        REQUIRE(j.at("items").is_array());
        for (const auto& item : j["items"]) ids.push_back(item.at("id").get<std::int64_t>());
        if (pages) *pages = page;
        if (j.at("next_cursor").is_null()) return ids;
        const auto cursor = j["next_cursor"].get<std::string>();
        // Opaque, and with '=' padding: percent-encode it as any query value.
        std::string encoded;
        for (const char c : cursor) encoded += c == '=' ? std::string("%3D") : c == '+' ? "%2B" : c == '/' ? "%2F" : std::string(1, c);
        target = first + (first.find('?') == std::string::npos ? "?" : "&") + "cursor=" + encoded;
    }
    FAIL("more than 1,000 pages");
    return ids;
}

}  // namespace

TEST_CASE("fake_api: definition lists in trocco's envelope, with description, timestamps and labels",
          "[fake_api][lists]") {
    api_fixture f;
    f.api.add_definition(job_kind::transfer, {.id = 2, .name = "Orders to BigQuery", .description = "nightly",
                                              .labels = {{1, "prod"}, {2, "sales"}}});
    f.api.add_definition(job_kind::transfer, {.id = 1, .name = "users"});
    f.api.add_definition(job_kind::workflow, {.id = 7, .name = "daily"});
    f.api.add_definition(job_kind::datamart, {.id = 9, .name = "Sales mart"});

    const auto j = body_json(f.get("/api/job_definitions"));
    REQUIRE(j.at("items").size() == 2);
    CHECK(j.at("next_cursor").is_null());
    const auto& first = j["items"][0];
    CHECK(first.at("id") == 1);  // ascending ids
    CHECK(first.at("name") == "users");
    CHECK(first.at("description").is_null());
    CHECK(first.at("created_at") == "2024-01-01T09:00:00.000+09:00");
    CHECK(first.at("updated_at") == "2024-01-01T09:00:00.000+09:00");
    CHECK_FALSE(first.contains("labels"));  // trocco leaves out empty arrays
    const auto& second = j["items"][1];
    CHECK(second.at("description") == "nightly");
    CHECK(second.at("labels") == nlohmann::json::parse(R"([{"id":1,"name":"prod"},{"id":2,"name":"sales"}])"));

    CHECK(body_json(f.get("/api/pipeline_definitions")).at("items").at(0).at("name") == "daily");
    const auto dm = body_json(f.get("/api/datamart_definitions")).at("items").at(0);
    CHECK(dm.at("id") == 9);
    CHECK(dm.at("data_warehouse_type") == "bigquery");  // a field a client may not know
    // A registered definition's name is what its jobs report.
    f.run_job(2);
    CHECK(body_json(f.get("/api/jobs/100001")).at("job_definition_name") == "Orders to BigQuery");
    CHECK_THROWS_AS(f.api.add_definition(job_kind::transfer, {.id = 0}), std::invalid_argument);
}

TEST_CASE("fake_api: the name filter is a case-insensitive partial match (not on workflows)", "[fake_api][lists]") {
    api_fixture f;
    f.api.add_definition(job_kind::transfer, {.id = 1, .name = "Orders to BigQuery"});
    f.api.add_definition(job_kind::transfer, {.id = 2, .name = "users to bigquery"});
    f.api.add_definition(job_kind::transfer, {.id = 3, .name = "orders archive"});
    f.api.add_definition(job_kind::workflow, {.id = 4, .name = "orders"});
    f.api.add_definition(job_kind::datamart, {.id = 5, .name = "ORDERS mart"});
    CHECK(all_ids(f, "/api/job_definitions?name=orders") == std::vector<std::int64_t>{1, 3});
    CHECK(all_ids(f, "/api/job_definitions?name=BIGQUERY") == std::vector<std::int64_t>{1, 2});
    CHECK(all_ids(f, "/api/job_definitions?name=to%20big") == std::vector<std::int64_t>{1, 2});
    CHECK(all_ids(f, "/api/job_definitions?name=nothing").empty());
    CHECK(all_ids(f, "/api/job_definitions?name=") == std::vector<std::int64_t>{1, 2, 3});
    CHECK(all_ids(f, "/api/datamart_definitions?name=mart") == std::vector<std::int64_t>{5});
    CHECK(all_ids(f, "/api/pipeline_definitions?name=nothing") == std::vector<std::int64_t>{4});  // ignored
}

TEST_CASE("fake_api: paging with opaque cursors and limits", "[fake_api][lists]") {
    api_fixture f;
    for (std::int64_t id = 1; id <= 450; ++id) f.api.add_definition(job_kind::workflow, {.id = id, .name = "w"});
    std::size_t pages = 0;
    const auto ids = all_ids(f, "/api/pipeline_definitions", &pages);
    CHECK(ids.size() == 450);
    CHECK(pages == 9);  // the default limit is 50
    CHECK(std::set<std::int64_t>(ids.begin(), ids.end()).size() == 450);
    CHECK(all_ids(f, "/api/pipeline_definitions?limit=200", &pages).size() == 450);
    CHECK(pages == 3);

    const auto page = body_json(f.get("/api/pipeline_definitions?limit=2"));
    const auto cursor = page.at("next_cursor").get<std::string>();
    CHECK(cursor == "eyJpZCI6Mn0=");  // base64 of {"id":2}, padding included
    CHECK(body_json(f.get("/api/pipeline_definitions?limit=2&cursor=eyJpZCI6Mn0%3D")).at("items").at(0).at("id") == 3);
    // An exactly full last page ends with a null cursor.
    const auto last = body_json(f.get("/api/pipeline_definitions?limit=50&cursor=" + std::string("eyJpZCI6NDAwfQ%3D%3D")));
    CHECK(last.at("items").size() == 50);
    CHECK(last.at("next_cursor").is_null());

    for (const auto& target : {"/api/pipeline_definitions?limit=0", "/api/pipeline_definitions?limit=201",
                               "/api/pipeline_definitions?limit=abc", "/api/pipeline_definitions?limit=-1",
                               "/api/job_definitions?limit=201", "/api/datamart_definitions?limit=1.5",
                               "/api/job_definitions/1/jobs?limit=101", "/api/job_definitions/1/jobs?limit=0"}) {
        INFO(target);
        const auto p = f.get(target);
        CHECK(p.status == 400);
        CHECK(body_json(p).at("errors").at(0).at("attribute") == "limit");
    }
    CHECK(f.get("/api/job_definitions?limit=200").status == 200);
    CHECK(f.get("/api/job_definitions/1/jobs?limit=100").status == 200);
    for (const auto& cursor : {"garbage!", "eyJpZCI6Mn0", "e30%3D", "eyJpZCI6Ii0xIn0%3D", "%3D%3D%3D%3D"}) {
        INFO(cursor);
        const auto p = f.get(std::string("/api/pipeline_definitions?cursor=") + cursor);
        CHECK(p.status == 400);
        CHECK(body_json(p).at("errors").at(0).at("attribute") == "cursor");
    }
}

TEST_CASE("fake_api: a definition's job history lists created and seeded jobs, filtered on created_at",
          "[fake_api][history]") {
    api_fixture f({.status_duration = 0ms});
    // 2025-12-31 23:00 .. 2026-01-01 00:00 UTC = 2026-01-01 08:00 .. 09:00 JST.
    const auto seeded = [&](trocco::timestamp created, std::string status) {
        return f.api.seed_job({.job_definition_id = 42, .status = std::move(status), .created_at = created});
    };
    const auto a = seeded(epoch - 1h, "succeeded");
    const auto b = seeded(epoch - 30min, "error");
    const auto c = seeded(epoch - 30min + 999ms, "skipped");
    f.api.seed_job({.job_definition_id = 43, .created_at = epoch - 30min});  // another definition
    const auto d = f.run_job(42);  // created now (epoch), finished at once
    const auto e = f.run_job(42);

    CHECK(all_ids(f, "/api/job_definitions/42/jobs") == std::vector<std::int64_t>{a, b, c, d, e});
    CHECK(all_ids(f, "/api/job_definitions/43/jobs").size() == 1);
    CHECK(all_ids(f, "/api/job_definitions/44/jobs").empty());
    const auto items = body_json(f.get("/api/job_definitions/42/jobs")).at("items");
    CHECK(items.at(1).at("status") == "error");
    CHECK(items.at(3).at("status") == "succeeded");
    CHECK(items.at(3).at("job_definition_id") == 42);

    // start_time and end_time are inclusive to the second, read in time_zone (default Asia/Tokyo).
    CHECK(all_ids(f, "/api/job_definitions/42/jobs?start_time=2026-01-01%2008:30:00") ==
          std::vector<std::int64_t>{b, c, d, e});
    CHECK(all_ids(f, "/api/job_definitions/42/jobs?end_time=2026-01-01+08:30:00") == std::vector<std::int64_t>{a, b, c});
    CHECK(all_ids(f, "/api/job_definitions/42/jobs?end_time=2026-01-01+08:29:59") == std::vector<std::int64_t>{a});
    CHECK(all_ids(f, "/api/job_definitions/42/jobs?start_time=2025-12-31+23:30:00&end_time=2025-12-31+23:30:00"
                     "&time_zone=Etc/UTC") == std::vector<std::int64_t>{b, c});
    CHECK(all_ids(f, "/api/job_definitions/42/jobs?start_time=2026-01-01+09:00:00&limit=1") ==
          std::vector<std::int64_t>{d, e});

    for (const auto& [query, attribute] : std::vector<std::pair<std::string, std::string>>{
             {"start_time=2026-01-01T08:00:00", "start_time"}, {"end_time=yesterday", "end_time"},
             {"start_time=2026-02-30+00:00:00", "start_time"}, {"time_zone=Mars/Olympus", "time_zone"},
             {"cursor=abc", "cursor"}}) {
        INFO(query);
        const auto p = f.get("/api/job_definitions/42/jobs?" + query);
        CHECK(p.status == 400);
        CHECK(body_json(p).at("errors").at(0).at("attribute") == attribute);
    }
}

TEST_CASE("fake_api: X-Rate-Limit headers count down per window; enforcement answers 429", "[fake_api][rate]") {
    SECTION("counted, not enforced, by default") {
        api_fixture f;
        const auto first = f.get("/api/jobs/1");
        CHECK(*header(first, "X-Rate-Limit-Limit") == "3500");
        CHECK(*header(first, "X-Rate-Limit-Remaining") == "3499");
        const auto window_end = std::chrono::floor<std::chrono::seconds>(epoch) + 10min;
        CHECK(*header(first, "X-Rate-Limit-Reset") == std::to_string(window_end.time_since_epoch().count()));
        CHECK(*header(f.get("/api/jobs/1"), "X-Rate-Limit-Remaining") == "3498");
        f.now = epoch + 10min;  // a new window
        CHECK(*header(f.get("/api/jobs/1"), "X-Rate-Limit-Remaining") == "3499");
    }
    SECTION("enforced: a request beyond the limit is refused, not processed, until the window ends") {
        api_fixture f({.rate_limit = {.limit = 3, .window = 60s, .enforce = true}});
        f.now = epoch + 500ms;
        for (int i = 0; i < 3; ++i) {
            const auto p = f.post_json("/api/jobs?job_definition_id=1");
            CHECK(p.status == 200);
            CHECK(*header(p, "X-Rate-Limit-Remaining") == std::to_string(2 - i));
        }
        f.now = epoch + 20s;
        const auto refused = f.post_json("/api/jobs?job_definition_id=1");
        CHECK(refused.status == 429);
        CHECK(header(refused, "Retry-After") == nullptr);  // as trocco: X-Rate-Limit-Reset only
        CHECK(*header(refused, "X-Rate-Limit-Remaining") == "0");
        CHECK(*header(refused, "X-Rate-Limit-Reset") ==
              std::to_string((std::chrono::floor<std::chrono::seconds>(epoch) + 60s).time_since_epoch().count()));
        CHECK(f.api.job_ids().size() == 3);
        CHECK(f.get("/api/jobs/100001").status == 429);
        f.now = epoch + 60s;
        CHECK(f.get("/api/jobs/100001").status == 200);
    }
}
