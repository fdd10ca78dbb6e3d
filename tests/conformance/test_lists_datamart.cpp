// tests/conformance/test_lists_datamart.cpp - conformance: the wider read API and datamart runs over both
// transports: datamart runs (and their unknown outcome), job history over several pages with its filters, a page
// retried, a repeating cursor stopped, and the three definition lists.
#include "harness.hpp"

#include <algorithm>
#include <ctime>

namespace conformance {
namespace {

/// Drains a list sequence: its items, and the error that ended it (if any).
template <class H, class Sequence>
auto drain(H& h, Sequence& sequence) {
    using item = typename std::decay_t<decltype(**h.run(sequence.next()))>;
    std::vector<item> items;
    std::optional<trocco::error> failure;
    for (int guard = 0; guard < 1000; ++guard) {
        auto next = h.run(sequence.next());
        if (!next) {
            failure = next.error();
            break;
        }
        if (!*next) break;
        items.push_back(std::move(**next));
    }
    return std::make_pair(std::move(items), std::move(failure));
}

/// `minutes` ago, to the millisecond.
trocco::timestamp minutes_ago(int minutes) {
    return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()) -
           std::chrono::minutes{minutes};
}

/// "YYYY-MM-DD HH:MM:SS" in UTC, as the history filters take a time (<format> is not in g++ 12's library).
std::string utc_text(std::chrono::system_clock::time_point t) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm parts{};
    ::gmtime_r(&seconds, &parts);
    char text[32];
    const auto n = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &parts);
    return std::string(text, n);
}

template <class H>
void datamart_runs() {
    fake_server server{server_options()};
    H h;
    client_for<H> client{h.transport(), client_options_for(server)};

    const trocco::run_datamart_job_request request{.datamart_definition_id = 67890,
                                                   .context_time = "2026-06-15 15:30:00",
                                                   .time_zone = "Asia/Tokyo",
                                                   .memo = "manual run, 日本語",
                                                   .custom_variables = {{"$target_date$", "2026-06-15"}}};
    auto started = h.run(client.run_datamart_job(request));
    INFO((started ? std::string("ok") : started.error().to_string()));
    REQUIRE(started.has_value());
    REQUIRE(server.datamart_job_ids().size() == 1);
    CHECK(started->id == server.datamart_job_ids().front());
    CHECK(started->datamart_definition_id == 67890);
    const auto parameters = server.datamart_job_run_parameters(started->id);
    REQUIRE(parameters.has_value());
    CHECK(parameters->memo == request.memo);
    CHECK(parameters->context_time == request.context_time);
    CHECK(parameters->time_zone == request.time_zone);
    CHECK(parameters->custom_variables == request.custom_variables);
    CHECK(server.count_requests("POST", "/api/datamart_jobs?datamart_definition_id=67890") == 1);

    // The connection drops after trocco read the POST: outcome_unknown with the definition, never a second POST.
    server.inject({.what = fault::kind::close_after_read, .method = trocco::http_method::post});
    auto unknown = h.run(client.run_datamart_job({.datamart_definition_id = 5}));
    REQUIRE_FALSE(unknown.has_value());
    INFO(unknown.error().to_string());
    CHECK(unknown.error().kind() == errc::outcome_unknown);
    CHECK(unknown.error().definition_id() == 5);
    CHECK(server.count_requests("POST") == 2);
    CHECK(server.datamart_job_ids().size() == 2);  // it did start
}

template <class H>
void job_history_paging() {
    fake_server server{server_options()};
    H h;
    client_for<H> client{h.transport(), client_options_for(server)};
    std::vector<std::int64_t> recent;
    for (int i = 0; i < 7; ++i) {
        recent.push_back(server.seed_job({.job_definition_id = 42, .created_at = minutes_ago(50 - i)}));
    }
    server.seed_job({.job_definition_id = 42, .status = "error", .created_at = minutes_ago(60 * 24 * 3)});  // old
    server.seed_job({.job_definition_id = 43, .created_at = minutes_ago(10)});  // another definition

    SECTION("seven jobs in pages of three: three requests, every job once, in order, the filter applied") {
        // Two hours ago in UTC, as the history filter takes it.
        const std::string start = utc_text(std::chrono::system_clock::now() - std::chrono::hours{2});
        auto history = trocco::job_history(client, 42, {.start_time = start, .time_zone = "Etc/UTC", .page_size = 3});
        auto [jobs, failure] = drain(h, history);
        INFO((failure ? failure->to_string() : std::string("no failure")));
        CHECK_FALSE(failure.has_value());
        std::vector<std::int64_t> ids;
        for (const auto& j : jobs) ids.push_back(j.id);
        CHECK(ids == recent);
        CHECK(history.pages() == 3);
        CHECK(server.count_requests("GET", "/api/job_definitions/42/jobs") == 3);
        CHECK(std::all_of(jobs.begin(), jobs.end(), [](const trocco::job& j) { return j.job_definition_id == 42; }));
    }
    SECTION("a 503 and a dropped connection on the second page: retried, nothing lost or repeated") {
        auto history = trocco::job_history(client, 42, {.page_size = 4});
        auto first = h.run(history.next());
        REQUIRE(first.has_value());
        server.inject({.what = fault::kind::http_status, .method = trocco::http_method::get, .status = 503});
        server.inject({.what = fault::kind::reset_after_read, .method = trocco::http_method::get});
        auto [rest, failure] = drain(h, history);
        INFO((failure ? failure->to_string() : std::string("no failure")));
        CHECK_FALSE(failure.has_value());
        CHECK(rest.size() == 7);  // 8 jobs of definition 42 in all
        CHECK(server.pending_faults() == 0);
        CHECK(history.pages() >= 2);
    }
    SECTION("a cursor that repeats: protocol_error, not an endless loop") {
        server.inject({.what = fault::kind::malformed_page, .method = trocco::http_method::get, .times = -1,
                       .defect = trocco::testing::page_defect::cursor_repeats});
        auto history = trocco::job_history(client, 42, {.page_size = 2});
        auto [jobs, failure] = drain(h, history);
        REQUIRE(failure.has_value());
        INFO(failure->to_string());
        CHECK(failure->kind() == errc::protocol_error);
        CHECK(contains(failure->message(), "cursor it had returned before"));
        CHECK(jobs.size() <= 8);
        CHECK(server.count_requests("GET") <= 4);
    }
    SECTION("a page without items: protocol_error after the read's retries") {
        server.inject({.what = fault::kind::malformed_page, .method = trocco::http_method::get, .times = -1,
                       .defect = trocco::testing::page_defect::items_missing});
        auto options = client_options_for(server);
        options.retry.max_attempts = 2;
        client_for<H> impatient{h.transport(), options};
        auto history = trocco::job_history(impatient, 42);
        auto [jobs, failure] = drain(h, history);
        REQUIRE(failure.has_value());
        CHECK(failure->kind() == errc::protocol_error);
        CHECK(jobs.empty());
        CHECK(server.count_requests("GET") == 2);
    }
}

template <class H>
void definition_lists() {
    fake_server server{server_options()};
    const auto created = std::chrono::sys_days{std::chrono::year{2025} / 6 / 1} + std::chrono::hours{9};
    server.add_job_definition({.id = 11, .name = "orders daily", .description = "orders to BigQuery",
                               .created_at = created, .labels = {{1, "nightly"}, {2, "sales"}}});
    server.add_job_definition({.id = 12, .name = "users", .description = std::nullopt});
    server.add_job_definition({.id = 13, .name = "orders hourly"});
    server.add_workflow_definition({.id = 21, .name = "nightly workflow"});
    server.add_workflow_definition({.id = 22, .name = "weekly workflow"});
    server.add_datamart_definition({.id = 31, .name = "mart orders", .description = "aggregates"});
    server.add_datamart_definition({.id = 32, .name = "mart users"});
    H h;
    client_for<H> client{h.transport(), client_options_for(server)};

    auto transfer = trocco::definitions(client, trocco::job_kind::transfer, {.name = "orders", .page_size = 1});
    auto [orders, e1] = drain(h, transfer);
    CHECK_FALSE(e1.has_value());
    REQUIRE(orders.size() == 2);
    CHECK(transfer.pages() >= 2);
    CHECK(orders[0].kind == trocco::job_kind::transfer);
    CHECK(orders[0].id == 11);
    CHECK(orders[0].name == "orders daily");
    CHECK(orders[0].description == "orders to BigQuery");
    CHECK(orders[0].labels == std::vector<std::string>{"nightly", "sales"});
    CHECK(orders[0].created_at == std::optional<trocco::timestamp>(created));
    CHECK(orders[1].id == 13);

    auto all = trocco::definitions(client, trocco::job_kind::transfer);
    auto [every, e2] = drain(h, all);
    CHECK_FALSE(e2.has_value());
    CHECK(every.size() == 3);

    auto workflows = trocco::definitions(client, trocco::job_kind::workflow, {.page_size = 1});
    auto [flows, e3] = drain(h, workflows);
    CHECK_FALSE(e3.has_value());
    REQUIRE(flows.size() == 2);
    CHECK(flows[0].kind == trocco::job_kind::workflow);
    CHECK(flows[1].name == "weekly workflow");

    auto marts = trocco::definitions(client, trocco::job_kind::datamart, {.name = "users"});
    auto [mart, e4] = drain(h, marts);
    CHECK_FALSE(e4.has_value());
    REQUIRE(mart.size() == 1);
    CHECK(mart[0].kind == trocco::job_kind::datamart);
    CHECK(mart[0].id == 32);

    // A bad argument is refused before anything is sent.
    const auto before = server.requests().size();
    auto refused = trocco::definitions(client, trocco::job_kind::transfer, {.page_size = 101});
    auto [none, e5] = drain(h, refused);
    REQUIRE(e5.has_value());
    CHECK(e5->kind() == errc::invalid_argument);
    CHECK(server.requests().size() == before);
}

}  // namespace
}  // namespace conformance

TROCCO_CONFORMANCE_CASE("datamart runs: the parameters arrive; a dropped answer is outcome_unknown, one POST",
                        conformance::datamart_runs)
TROCCO_CONFORMANCE_CASE("job history: several pages, filters, a retried page, a repeating cursor",
                        conformance::job_history_paging)
TROCCO_CONFORMANCE_CASE("definition lists: transfer, workflow and datamart, paged and filtered",
                        conformance::definition_lists)
