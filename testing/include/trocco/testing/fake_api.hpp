// trocco/testing/fake_api.hpp - the fake trocco API without sockets: request routing, job state, definitions,
// fault plans and the rate limit. A parsed request and the time go in; what to answer (a reply_plan) comes out.
// fake_server puts it behind Beast; tests of the rules need nothing but this header (the core and nlohmann).
//
//     trocco::testing::fake_api api;
//     auto plan = api.handle({.method = "POST", .target = "/api/jobs?job_definition_id=42",
//                             .headers = {{"Authorization", "Token fake-api-key"}}}, now);
//     // plan.status == 200, plan.body == {"id":100001,"job_definition_id":42,...,"status":"queued",...}
//
// What it serves (bodies and field names as trocco's API; timestamps RFC 3339 in JST, "…T09:00:12.000+09:00"):
//   POST /api/jobs?job_definition_id=N     -> 200 {id, job_definition_id, job_definition_name, status, created_at}
//   GET  /api/jobs/{id}                    -> 200 the same, plus started_at / finished_at once set
//   POST /api/pipeline_jobs?pipeline_definition_id=N -> 200 {id, pipeline_definition_id, name, status,
//                                             created_at, started_at, finished_at, context_time} (null until set)
//   GET  /api/pipeline_jobs/{id}           -> 200 the same
//   POST /api/datamart_jobs?datamart_definition_id=N -> 200 {id, datamart_definition_id, status, context_time,
//                                             created_at} (trocco has no datamart job status endpoint: no GET)
//   GET  /api/job_definitions/{id}/jobs    -> that definition's transfer jobs (created and seeded), filtered by
//                                             start_time / end_time on created_at (see detail/listing.hpp);
//                                             limit 1..100 (default 50), cursor
//   GET  /api/job_definitions              -> registered transfer definitions; name (partial match), limit 1..200
//   GET  /api/pipeline_definitions         -> registered workflow definitions; limit 1..200
//   GET  /api/datamart_definitions         -> registered datamart definitions; name, limit 1..200
// Lists answer {"items": [...], "next_cursor": "<opaque>" | null}, by ascending id. Every request needs
// `Authorization: Token <api_key>` (else 401 {"message":"Unauthorized"}). An unknown path or job id is 404
// {"message":"Not found"}; a missing definition id 400 and an invalid one 422, a bad context_time, time_zone,
// memo, custom_variables, limit, cursor or history filter 400, all with trocco's {"message":…, "errors":
// [{"attribute":…, "message":…}]}. A run's definition id may come in the query or the body (JSON or form), and
// any positive id is accepted (registering definitions is needed only for the lists). Run parameters are kept
// per job (run_parameters_of). Job ids: transfer from 100001, workflow from 200001, datamart from 300001.
//
// Rate limit: every answer carries X-Rate-Limit-Limit/Remaining/Reset, counted per window of
// `rate_limit.window` (3,500 calls per 10 minutes, trocco's plan limit). With `rate_limit.enforce`, a request
// beyond the limit is answered 429 and not processed; as from trocco, only X-Rate-Limit-Reset (the window's end,
// UNIX seconds) says when to come back: no Retry-After.
//
// Threads: every member function is thread-safe (one mutex).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <trocco/testing/detail/job_record.hpp>
#include <trocco/testing/fake_records.hpp>
#include <trocco/testing/fault.hpp>
#include <trocco/testing/reply_plan.hpp>
#include <trocco/timestamp.hpp>

namespace trocco::testing {

struct rate_limit_policy {
    std::int64_t limit = 3500;
    std::chrono::seconds window{600};
    /// false: only count and report; true: answer 429 beyond `limit` calls in a window.
    bool enforce = false;
};

struct fake_api_options {
    std::string api_key = "fake-api-key";
    /// How long each of queued, setting_up, executing (and error, retry_waiting for error_then_retry) lasts.
    /// Zero: a GET sees the outcome at once (the POST answer still says queued).
    std::chrono::milliseconds status_duration{100};
    rate_limit_policy rate_limit = {};
};

class fake_api {
public:
    explicit fake_api(fake_api_options options = {}) : options_(std::move(options)) {}

    fake_api(const fake_api&) = delete;
    fake_api& operator=(const fake_api&) = delete;

    const fake_api_options& options() const noexcept { return options_; }

    // ---- scripting ------------------------------------------------------------------------------------------

    /// How jobs of a definition end (default: succeeded). Applies to jobs created afterwards. Datamart jobs have
    /// no status endpoint, so their outcome is never seen.
    void set_outcome(job_kind kind, std::int64_t definition_id, scripted_outcome outcome) {
        std::lock_guard lock(mutex_);
        outcomes_[index(kind)][definition_id] = outcome;
    }
    /// The name a definition's jobs report (default "fake_job_definition_<id>", "fake_pipeline_definition_<id>",
    /// "fake_datamart_definition_<id>"), unless the definition is registered (then its name).
    void set_definition_name(job_kind kind, std::int64_t definition_id, std::string name) {
        std::lock_guard lock(mutex_);
        names_[index(kind)][definition_id] = std::move(name);
    }
    /// Registers (or replaces) a definition for the definition lists. Throws std::invalid_argument for id <= 0.
    void add_definition(job_kind kind, definition d);
    /// Adds a past transfer job; returns its id. Throws std::invalid_argument for a definition id <= 0 or an id
    /// already taken.
    std::int64_t seed_job(seeded_job job);

    /// Adds a fault (times == 0: ignored). Faults are matched in the order injected.
    void inject(fault f) {
        if (f.times == 0) return;
        std::lock_guard lock(mutex_);
        faults_.push_back(std::move(f));
    }
    /// Faults not used up yet.
    std::size_t pending_faults() const {
        std::lock_guard lock(mutex_);
        return faults_.size();
    }
    void clear_faults() {
        std::lock_guard lock(mutex_);
        faults_.clear();
    }

    // ---- what it saw ----------------------------------------------------------------------------------------

    /// Every request handled so far (a copy); close_before_read / reset_before_read ones were never read.
    std::vector<recorded_request> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    void clear_requests() {
        std::lock_guard lock(mutex_);
        requests_.clear();
    }
    /// Requests whose method is `method` ("" = any) and whose target starts with `target_prefix`.
    std::size_t count_requests(std::string_view method, std::string_view target_prefix = "") const;
    /// Ids of the jobs of a kind created or seeded so far, ascending.
    std::vector<std::int64_t> job_ids(job_kind kind = job_kind::transfer) const;
    /// What the POST that created a job carried; nullopt for an unknown id (or a seeded job).
    std::optional<run_parameters> run_parameters_of(job_kind kind, std::int64_t job_id) const;

    // ---- serving --------------------------------------------------------------------------------------------

    /// Called when a request starts arriving, with its request line (method and target empty when the line has
    /// not arrived whole: then only faults without a method or path filter match). Consumes a matching
    /// close_before_read or reset_before_read fault.
    connection_fault take_connection_fault(std::string_view method, std::string_view target);

    /// Records the request, applies faults, and decides the answer. `now` is the wall-clock time: jobs' statuses
    /// and timestamps, the rate-limit window and HTTP dates are computed from it. Never throws for any request
    /// (a malformed one is answered 4xx); std::bad_alloc aside.
    reply_plan handle(incoming_request request, timestamp now);

private:
    static constexpr std::size_t index(job_kind kind) noexcept { return static_cast<std::size_t>(kind); }

    template <class Pred>
    std::optional<fault> take_fault(Pred pred);
    std::chrono::sys_seconds count_call(std::chrono::sys_seconds now);
    void route(const incoming_request& request, reply_plan& plan, timestamp now);
    void create_job(job_kind kind, std::string_view query, const incoming_request& request, reply_plan& plan,
                    timestamp now);
    void show_job(job_kind kind, std::string_view id_text, reply_plan& plan, timestamp now) const;
    void list_jobs(std::string_view definition_id_text, std::string_view query, reply_plan& plan, timestamp now) const;
    void list_definitions(job_kind kind, std::string_view query, reply_plan& plan) const;
    std::string name_of(job_kind kind, std::int64_t definition_id) const;

    const fake_api_options options_;
    mutable std::mutex mutex_;
    std::vector<recorded_request> requests_;
    std::vector<fault> faults_;
    std::array<std::map<std::int64_t, scripted_outcome>, 3> outcomes_;
    std::array<std::map<std::int64_t, std::string>, 3> names_;
    std::array<std::map<std::int64_t, definition>, 3> definitions_;
    std::array<std::map<std::int64_t, detail::job_record>, 3> jobs_;
    // Transfer, workflow and datamart job ids differ, so that mixing them up gives a 404 instead of passing.
    std::array<std::int64_t, 3> next_id_{100001, 200001, 300001};
    std::optional<std::chrono::sys_seconds> window_end_;
    std::int64_t window_calls_ = 0;
};

}  // namespace trocco::testing

#include <trocco/testing/impl/fake_api.hpp>
