// tests/cli/test_cli_poll_history.cpp - history-informed polling's pure parts (poll_history.hpp): which jobs give
// durations, the cache's format and freshness, and that a broken cache is refused rather than trusted.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "../catch.hpp"

#include "poll_history.hpp"
#include "../support/timestamps.hpp"

using namespace std::chrono_literals;
using trocco::cli::run_history;

namespace {

using test_support::at;

trocco::job run(std::int64_t id, trocco::job_status status, trocco::timestamp created, std::chrono::milliseconds took) {
    trocco::job j;
    j.id = id;
    j.status = status;
    j.created_at = created;
    j.finished_at = created + took;
    return j;
}

}  // namespace

TEST_CASE("durations: succeeded jobs of the last 30 days, newest first, at most 20") {
    const auto now = at("2026-12-01T00:00:00Z");
    std::vector<trocco::job> jobs;
    jobs.push_back(run(1, trocco::job_status::succeeded, now - 1h, 61s));
    jobs.push_back(run(2, trocco::job_status::error, now - 2h, 5s));             // failed: not a run time
    jobs.push_back(run(3, trocco::job_status::succeeded, now - 24h * 31, 90s));  // too old
    jobs.push_back(run(4, trocco::job_status::succeeded, now - 30min, 120s));
    trocco::job running;
    running.status = trocco::job_status::succeeded;
    running.created_at = now - 10min;  // no finished_at
    jobs.push_back(running);
    jobs.push_back(run(5, trocco::job_status::succeeded, now + 1h, 10s));  // from the future (clock skew): skipped
    CHECK(trocco::cli::durations_of(jobs, now) == std::vector<std::chrono::milliseconds>{120s, 61s});

    std::vector<trocco::job> many;
    for (int i = 0; i < 50; ++i) many.push_back(run(i, trocco::job_status::succeeded, now - std::chrono::hours{i + 1}, std::chrono::seconds{i + 1}));
    const auto durations = trocco::cli::durations_of(many, now);
    REQUIRE(durations.size() == 20);
    CHECK(durations.front() == 1s);
    CHECK(durations.back() == 20s);
}

TEST_CASE("the cache: round trip, freshness, and broken caches refused") {
    const run_history h{42, at("2026-12-01T00:00:00Z"), {61s, 62s, 70s}};
    const std::string text = trocco::cli::to_cache_text(h);
    CHECK(text == R"({"version":1,"definition_id":42,"fetched_at":"2026-12-01T00:00:00.000Z","durations_ms":[61000,62000,70000]})"
                  "\n");
    CHECK(trocco::cli::parse_cache_text(text, 42) == h);
    CHECK_FALSE(trocco::cli::parse_cache_text(text, 43).has_value());  // another definition's
    CHECK(trocco::cli::is_fresh(h, at("2026-12-01T23:59:59Z")));
    CHECK_FALSE(trocco::cli::is_fresh(h, at("2026-12-02T00:00:00Z")));
    CHECK_FALSE(trocco::cli::is_fresh(h, at("2026-11-30T23:00:00Z")));  // written "in the future": not trusted
    for (const char* broken : {"", "{", "[]", "null", R"({"version":2,"definition_id":42,"fetched_at":"2026-12-01T00:00:00Z","durations_ms":[]})",
                               R"({"version":1,"definition_id":"42","fetched_at":"2026-12-01T00:00:00Z","durations_ms":[]})",
                               R"({"version":1,"definition_id":42,"fetched_at":"yesterday","durations_ms":[]})",
                               R"({"version":1,"definition_id":42,"fetched_at":"2026-12-01T00:00:00Z","durations_ms":[-1]})",
                               R"({"version":1,"definition_id":42,"fetched_at":"2026-12-01T00:00:00Z","durations_ms":["5"]})",
                               R"({"version":1,"definition_id":42,"fetched_at":"2026-12-01T00:00:00Z","durations_ms":[1e300]})",
                               R"({"version":1,"definition_id":42,"fetched_at":"2026-12-01T00:00:00Z"})"}) {
        INFO(broken);
        CHECK_FALSE(trocco::cli::parse_cache_text(broken, 42).has_value());
    }
}

TEST_CASE("the cache on disk: written atomically, read back; a missing directory is created") {
    const auto dir = std::filesystem::temp_directory_path() / ("trocco-cli-cache-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    const std::string state = (dir / "nested" / "state").string();
    CHECK_FALSE(trocco::cli::read_cache(state, 42).has_value());
    const run_history h{42, at("2026-12-01T00:00:00Z"), {61s}};
    REQUIRE(trocco::cli::write_cache(state, h));
    CHECK(trocco::cli::read_cache(state, 42) == h);
    std::ofstream(trocco::cli::history_cache_path(state, 42)) << "{broken";
    CHECK_FALSE(trocco::cli::read_cache(state, 42).has_value());
    CHECK(trocco::cli::write_cache(state, h));  // rewritten
    CHECK(trocco::cli::read_cache(state, 42) == h);
    CHECK_FALSE(trocco::cli::write_cache("/proc/no-such-dir", h));
    std::filesystem::remove_all(dir);
}

TEST_CASE("the history's start time is 30 days back, in UTC, as trocco's civil time") {
    CHECK(trocco::cli::history_start_time(at("2026-12-01T09:30:15.500Z")) == "2026-11-01 09:30:15");
}
