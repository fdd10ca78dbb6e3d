// client: the exact requests of run_job / get_job / run_workflow / get_workflow_job, invalid settings and
// inputs refused before anything is sent, and the API key kept out of every error message.
#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "support.hpp"

namespace {

using namespace client_test;

const std::string* header(const trocco::http_request& r, std::string_view name) {
    return trocco::find_header(r.headers, name);
}

void check_common_headers(const trocco::http_request& r, std::string_view key) {
    REQUIRE(header(r, "Authorization") != nullptr);
    CHECK(*header(r, "Authorization") == "Token " + std::string(key));
    REQUIRE(header(r, "Accept") != nullptr);
    CHECK(*header(r, "Accept") == "application/json");
    REQUIRE(header(r, "User-Agent") != nullptr);
    CHECK(header(r, "User-Agent")->rfind("trocco-cpp/", 0) == 0);
}

}  // namespace

TEST_CASE("run_job sends POST /api/jobs?job_definition_id=N with the set fields as JSON", "[client][requests]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(200, R"({"id":11,"job_definition_id":42,"job_definition_name":"load","status":"queued",)"
                       R"("created_at":"2026-01-01T09:00:00+09:00"})");
        t.respond(201, job_json(12, "queued", 43));
        trocco::client c{t, options_with()};

        const auto plain = run_on(t, mode, c.run_job({.job_definition_id = 42}));
        REQUIRE(plain.has_value());
        CHECK(plain->id == 11);
        CHECK(plain->job_definition_id == 42);
        CHECK(plain->job_definition_name == "load");
        CHECK(plain->status == trocco::job_status::queued);
        CHECK(plain->raw_status == "queued");
        CHECK(plain->created_at.has_value());

        trocco::run_job_request full{.job_definition_id = 43,
                                     .context_time = "2026-01-02 03:04:05",
                                     .time_zone = "Etc/UTC",
                                     .custom_variables = {{"$date$", "2026-01-02"}, {"$n$", "7"}}};
        const auto with_fields = run_on(t, mode, c.run_job(full));
        REQUIRE(with_fields.has_value());
        CHECK(with_fields->id == 12);

        REQUIRE(t.requests().size() == 2);
        const auto& r0 = t.requests()[0];
        CHECK(r0.method == http_method::post);
        CHECK(r0.url == "https://trocco.io/api/jobs?job_definition_id=42");
        CHECK(r0.body == "{}");
        check_common_headers(r0, test_key);
        REQUIRE(header(r0, "Content-Type") != nullptr);
        CHECK(*header(r0, "Content-Type") == "application/json");
        const auto& r1 = t.requests()[1];
        CHECK(r1.method == http_method::post);
        CHECK(r1.url == "https://trocco.io/api/jobs?job_definition_id=43");
        CHECK(r1.body == R"({"context_time":"2026-01-02 03:04:05","time_zone":"Etc/UTC","custom_variables":)"
                         R"([{"name":"$date$","value":"2026-01-02"},{"name":"$n$","value":"7"}]})");
        CHECK(t.sleeps().empty());
    });
}

TEST_CASE("get_job sends GET /api/jobs/{id}", "[client][requests]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(200, R"({"id":7,"job_definition_id":42,"status":"executing","started_at":"2026-01-01T00:00:01Z"})");
        trocco::client c{t, options_with()};
        const auto j = run_on(t, mode, c.get_job(7));
        REQUIRE(j.has_value());
        CHECK(j->id == 7);
        CHECK(j->status == trocco::job_status::executing);
        CHECK(j->started_at.has_value());
        REQUIRE(t.requests().size() == 1);
        CHECK(t.requests()[0].method == http_method::get);
        CHECK(t.requests()[0].url == "https://trocco.io/api/jobs/7");
        CHECK(t.requests()[0].body.empty());
        CHECK(header(t.requests()[0], "Content-Type") == nullptr);
        check_common_headers(t.requests()[0], test_key);
    });
}

TEST_CASE("run_workflow and get_workflow_job send the workflow endpoints", "[client][requests]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(200, pipeline_json(30, "queued", 3));
        t.respond(200, R"({"id":30,"pipeline_definition_id":3,"name":"nightly","status":"succeeded",)"
                       R"("context_time":"2026-01-01 00:00:00"})");
        t.respond(200, pipeline_json(31, "queued", 4));
        trocco::client c{t, options_with()};
        const auto started = run_on(t, mode, c.run_workflow({.workflow_definition_id = 3}));
        REQUIRE(started.has_value());
        CHECK(started->id == 30);
        CHECK(started->workflow_definition_id == 3);
        CHECK(started->name == "nightly");
        const auto read = run_on(t, mode, c.get_workflow_job(30));
        REQUIRE(read.has_value());
        CHECK(read->status == trocco::job_status::succeeded);
        CHECK(read->context_time == std::optional<std::string>("2026-01-01 00:00:00"));
        const auto with_time = run_on(
            t, mode,
            c.run_workflow({.workflow_definition_id = 4, .context_time = "2026-03-04 05:06:07", .time_zone = "Asia/Tokyo"}));
        REQUIRE(with_time.has_value());

        REQUIRE(t.requests().size() == 3);
        CHECK(t.requests()[0].method == http_method::post);
        CHECK(t.requests()[0].url == "https://trocco.io/api/pipeline_jobs?pipeline_definition_id=3");
        CHECK(t.requests()[0].body == "{}");
        CHECK(t.requests()[1].method == http_method::get);
        CHECK(t.requests()[1].url == "https://trocco.io/api/pipeline_jobs/30");
        CHECK(t.requests()[1].body.empty());
        CHECK(t.requests()[2].url == "https://trocco.io/api/pipeline_jobs?pipeline_definition_id=4");
        CHECK(t.requests()[2].body == R"({"context_time":"2026-03-04 05:06:07","time_zone":"Asia/Tokyo"})");
        for (const auto& r : t.requests()) check_common_headers(r, test_key);
    });
}

TEST_CASE("the base URL: other regions, path prefixes and trailing slashes", "[client][requests]") {
    scripted_transport t;
    t.respond(200, job_json(5, "queued"));
    t.respond(200, job_json(1, "queued", 9));
    trocco::client kr{t, trocco::client_options{.api_key = "k", .base_url = "https://kr.trocco.io/"}};
    REQUIRE(trocco::sync_wait(kr.get_job(5)).has_value());
    trocco::client proxied{t, trocco::client_options{.api_key = "k", .base_url = "http://proxy.local:8080/trocco//"}};
    REQUIRE(trocco::sync_wait(proxied.run_job({.job_definition_id = 9})).has_value());
    REQUIRE(t.requests().size() == 2);
    CHECK(t.requests()[0].url == "https://kr.trocco.io/api/jobs/5");
    CHECK(t.requests()[1].url == "http://proxy.local:8080/trocco/api/jobs?job_definition_id=9");
}

TEST_CASE("get_job: an HTTP error keeps the server's message, the status and the job id", "[client][requests]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(404, R"({"message":"ジョブが見つかりません"})");
        t.respond(503, "");
        t.respond(200, job_json(8, "succeeded"));
        trocco::client c{t, options_with()};
        const auto missing = run_on(t, mode, c.get_job(7));
        REQUIRE_FALSE(missing.has_value());
        CHECK(missing.error().kind() == errc::not_found);
        CHECK(missing.error().http_status() == 404);
        CHECK(missing.error().job_id() == 7);
        CHECK(missing.error().message() == "ジョブが見つかりません");
        CHECK(t.requests().size() == 1);  // 404 is not retried
        // A read is retried on 503.
        const auto retried = run_on(t, mode, c.get_job(8));
        REQUIRE(retried.has_value());
        CHECK(retried->id == 8);
        CHECK(t.requests().size() == 3);
        CHECK(counts(t.sleeps()) == std::vector<long long>{500});
    });
}

namespace {

// Every public operation of a client, each run once; returns the errors (or "ok") they gave.
template <class Client>
std::vector<trocco::error> every_operation(scripted_transport& t, completion mode, Client& c) {
    std::vector<trocco::error> errors;
    const auto add = [&](const auto& r) {
        if (r) errors.push_back(trocco::error{errc::http_error, "unexpected success"});
        else errors.push_back(r.error());
    };
    add(run_on(t, mode, c.run_job({.job_definition_id = 42})));
    add(run_on(t, mode, c.get_job(7)));
    add(run_on(t, mode, c.run_workflow({.workflow_definition_id = 3})));
    add(run_on(t, mode, c.get_workflow_job(7)));
    add(run_on(t, mode, c.run_and_wait(trocco::run_job_request{.job_definition_id = 42})));
    add(run_on(t, mode, c.run_and_wait(trocco::run_workflow_request{.workflow_definition_id = 3})));
    add(run_on(t, mode, c.wait_job(7)));
    add(run_on(t, mode, c.wait_workflow_job(7)));
    return errors;
}

}  // namespace

TEST_CASE("an invalid api_key or base_url fails every operation with invalid_argument, sending nothing",
          "[client][requests]") {
    const std::vector<std::pair<std::string, std::string>> bad{
        {"", "https://trocco.io"},
        {"tra_BAD_KEY\nX-Injected: 1", "https://trocco.io"},
        {" tra_BAD_KEY_lead", "https://trocco.io"},
        {"tra_BAD_KEY_trail ", "https://trocco.io"},
        {"tra_BAD_KEY_\xff\xfe", "https://trocco.io"},
        {"tra_GOOD_KEY", ""},
        {"tra_GOOD_KEY", "trocco.io"},
        {"tra_GOOD_KEY", "ftp://trocco.io"},
        {"tra_GOOD_KEY", "https://trocco.io?x=1"},
        {"tra_GOOD_KEY", "https://"},
    };
    in_both_modes([&](completion mode) {
        for (const auto& [key, base] : bad) {
            CAPTURE(key, base);
            scripted_transport t{mode};
            trocco::client c{t, trocco::client_options{.api_key = key, .base_url = base}};
            const auto errors = every_operation(t, mode, c);
            REQUIRE(errors.size() == 8);
            for (const auto& e : errors) {
                CAPTURE(e.to_string());
                CHECK(e.kind() == errc::invalid_argument);
                if (!key.empty()) {
                    CHECK_FALSE(contains(e.message(), key));
                    CHECK_FALSE(contains(e.to_string(), "tra_"));
                }
            }
            CHECK(t.requests().empty());
            CHECK(t.sleeps().empty());
        }
    });
}

TEST_CASE("invalid request fields are refused before anything is sent", "[client][requests]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        trocco::client c{t, options_with()};
        const std::vector<trocco::result<trocco::job>> jobs{
            run_on(t, mode, c.run_job({.job_definition_id = 0})),
            run_on(t, mode, c.run_job({.job_definition_id = -5})),
            run_on(t, mode, c.run_job({.job_definition_id = 1, .context_time = "2026-02-30 00:00:00"})),
            run_on(t, mode, c.run_job({.job_definition_id = 1, .time_zone = ""})),
            run_on(t, mode, c.run_job({.job_definition_id = 1, .custom_variables = {{"", "v"}}})),
            run_on(t, mode, c.get_job(0)),
            run_on(t, mode, c.run_and_wait(trocco::run_job_request{.job_definition_id = 0})),
            run_on(t, mode, c.wait_job(-1)),
        };
        for (const auto& r : jobs) {
            REQUIRE_FALSE(r.has_value());
            CAPTURE(r.error().to_string());
            CHECK(r.error().kind() == errc::invalid_argument);
        }
        const std::vector<trocco::result<trocco::workflow_job>> pipelines{
            run_on(t, mode, c.run_workflow({.workflow_definition_id = 0})),
            run_on(t, mode, c.run_workflow({.workflow_definition_id = 2, .context_time = "tomorrow"})),
            run_on(t, mode, c.get_workflow_job(-3)),
            run_on(t, mode, c.run_and_wait(trocco::run_workflow_request{.workflow_definition_id = -1})),
        };
        for (const auto& r : pipelines) {
            REQUIRE_FALSE(r.has_value());
            CAPTURE(r.error().to_string());
            CHECK(r.error().kind() == errc::invalid_argument);
        }
        CHECK(t.requests().empty());
    });
}

// ------------------------------------------------------------------------------------------------------------
// The API key in no error message.

namespace {

constexpr std::string_view secret = "tra_SECRET_abc123";
const std::string echo_body = R"({"message":"invalid key tra_SECRET_abc123"})";

void check_no_secret(const trocco::error& e) {
    CAPTURE(e.to_string());
    CHECK_FALSE(contains(e.message(), secret));
    CHECK_FALSE(contains(e.to_string(), secret));
    const trocco::error_exception thrown{e};
    CHECK_FALSE(contains(thrown.what(), secret));
}

template <class T>
void check_failed_without_secret(const trocco::result<T>& r, errc expected) {
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind() == expected);
    check_no_secret(r.error());
}

}  // namespace

TEST_CASE("the API key appears in no error message, even when the server echoes it", "[client][secret]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        auto opts = options_with(0.5, std::string(secret));
        opts.retry.max_attempts = 2;
        trocco::client c{t, opts};
        const auto run = [&](auto task) { return run_on(t, mode, std::move(task)); };

        // Trigger refusals echoing the key.
        t.respond(401, echo_body);
        check_failed_without_secret(run(c.run_job({.job_definition_id = 1})), errc::unauthorized);
        t.respond(403, R"({"error":"key tra_SECRET_abc123 may not run this"})");
        check_failed_without_secret(run(c.run_workflow({.workflow_definition_id = 1})), errc::forbidden);
        t.respond(422, R"({"message":"Validation failed","errors":[{"attribute":"api_key","message":"tra_SECRET_abc123 is wrong"}]})");
        check_failed_without_secret(run(c.run_job({.job_definition_id = 1})), errc::bad_request);
        t.respond(429, echo_body).respond(429, echo_body);
        check_failed_without_secret(run(c.run_job({.job_definition_id = 1})), errc::rate_limited);
        // A transport whose error messages carry the Authorization header.
        t.fail(errc::transport_failure, "reset after sending Authorization: Token tra_SECRET_abc123");
        check_failed_without_secret(run(c.run_job({.job_definition_id = 1})), errc::outcome_unknown);
        t.fail(errc::connect_failed, "refused (Token tra_SECRET_abc123)").fail(errc::connect_failed, "tra_SECRET_abc123");
        check_failed_without_secret(run(c.run_job({.job_definition_id = 1})), errc::connect_failed);
        t.respond(500, echo_body);
        check_failed_without_secret(run(c.run_job({.job_definition_id = 1})), errc::outcome_unknown);
        t.respond(200, "tra_SECRET_abc123 is not JSON");
        check_failed_without_secret(run(c.run_job({.job_definition_id = 1})), errc::outcome_unknown);

        // Reads.
        t.respond(404, echo_body);
        check_failed_without_secret(run(c.get_job(5)), errc::not_found);
        t.respond(503, echo_body).respond(503, echo_body);
        check_failed_without_secret(run(c.get_workflow_job(5)), errc::server_error);
        t.respond(200, R"({"id":"tra_SECRET_abc123"})").respond(200, R"({"id":"tra_SECRET_abc123"})");
        check_failed_without_secret(run(c.get_job(5)), errc::protocol_error);  // retried: an unreadable read

        // Waits: a poll refused with the key echoed, a failed job, a timeout, a stop.
        t.respond(200, job_json(7, "queued")).respond(401, echo_body);
        check_failed_without_secret(run(c.run_and_wait(trocco::run_job_request{.job_definition_id = 42})),
                                    errc::unauthorized);
        t.respond(200, job_json(7, "error"));
        check_failed_without_secret(run(c.wait_job(7)), errc::job_failed);
        t.respond(200, job_json(7, "executing")).respond(200, job_json(7, "executing"));
        check_failed_without_secret(run(c.wait_job(7, {.timeout = 1s})), errc::wait_timeout);
        std::stop_source stop;
        stop.request_stop();
        check_failed_without_secret(run(c.wait_job(7, {.stop_token = stop.get_token()})), errc::canceled);
        check_failed_without_secret(run(c.wait_job(7, {.timeout = 0s})), errc::invalid_argument);

        CHECK(t.remaining_steps() == 0);
        CHECK(t.mismatches().empty());
        // The key travelled only in the Authorization header.
        for (const auto& r : t.requests()) {
            CHECK_FALSE(contains(r.url, secret));
            CHECK_FALSE(contains(r.body, secret));
            for (const auto& h : r.headers) {
                if (h.name != "Authorization") CHECK_FALSE(contains(h.value, secret));
            }
        }
    });
}

TEST_CASE("the API key is kept out of a server message cut at its length limit", "[client][secret]") {
    // The server's message is bounded (2048 bytes, then "..."); a key straddling the cut must not leak its head.
    scripted_transport t;
    trocco::client c{t, options_with(0.5, std::string(secret))};
    for (std::size_t lead : {2030u, 2035u, 2040u, 2046u}) {
        CAPTURE(lead);
        t.respond(401, R"({"message":")" + std::string(lead, 'x') + std::string(secret) + R"("})");
        const auto r = trocco::sync_wait(c.get_job(5));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == errc::unauthorized);
        CHECK_FALSE(contains(r.error().message(), secret.substr(0, 6)));
        CHECK(contains(r.error().message(), std::string(lead, 'x')));
    }
}
