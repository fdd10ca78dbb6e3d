// trocco/testing/detail/job_record.hpp - one job the fake knows, and how it looks on the wire at a given time.
//
// A created job moves queued -> setting_up -> executing -> outcome, each step lasting `step` from its creation;
// its status is computed when asked (no timers). created_at is set at creation, started_at when setting_up
// begins, finished_at when a finished status (succeeded, error, canceled, skipped) begins. A seeded job keeps
// the status and times it was given.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <trocco/job_status.hpp>
#include <trocco/testing/detail/json_text.hpp>
#include <trocco/testing/fake_records.hpp>
#include <trocco/timestamp.hpp>

namespace trocco::testing::detail {

struct job_record {
    job_kind kind = job_kind::transfer;
    std::int64_t id = 0;
    std::int64_t definition_id = 0;
    std::string name = {};
    scripted_outcome outcome = scripted_outcome::succeeded;
    timestamp created_at{};
    run_parameters parameters = {};
    std::optional<seeded_job> seeded = std::nullopt;  // set: fixed status and times
};

inline std::vector<std::string_view> status_sequence(scripted_outcome outcome) {
    switch (outcome) {
        case scripted_outcome::succeeded: return {"queued", "setting_up", "executing", "succeeded"};
        case scripted_outcome::error: return {"queued", "setting_up", "executing", "error"};
        case scripted_outcome::canceled: return {"queued", "setting_up", "executing", "canceled"};
        case scripted_outcome::skipped: return {"queued", "setting_up", "executing", "skipped"};
        case scripted_outcome::error_then_retry:
            return {"queued",     "setting_up", "executing", "error",    "retry_waiting",
                    "queued",     "setting_up", "executing", "succeeded"};
    }
    return {"queued"};
}

/// The wire's name of a kind's definition id: "job_definition_id", "pipeline_definition_id", ...
constexpr std::string_view definition_id_field(job_kind kind) noexcept {
    switch (kind) {
        case job_kind::transfer: return "job_definition_id";
        case job_kind::workflow: return "pipeline_definition_id";
        case job_kind::datamart: return "datamart_definition_id";
    }
    return "";
}

/// The given context_time read in its time zone, as an RFC 3339 JST timestamp; the creation time when none
/// was given; the text as given when the time zone is not one the fake knows.
inline std::string reported_context_time(const job_record& r) {
    const auto& p = r.parameters;
    if (!p.context_time) return format_jst(std::chrono::floor<std::chrono::seconds>(r.created_at));
    const auto offset = known_zone_offset(p.time_zone.value_or("Asia/Tokyo"));
    const auto instant = offset ? civil_to_instant(*p.context_time, *offset) : std::nullopt;
    return instant ? format_jst(*instant) : *p.context_time;
}

/// The job as JSON at `now`; nullopt: as the POST that created it answers (always its first status).
inline json render_job(const job_record& r, std::optional<timestamp> now, std::chrono::milliseconds step) {
    std::string status;
    std::optional<timestamp> started, finished;
    if (r.seeded) {
        status = r.seeded->status;
        started = r.seeded->started_at;
        finished = r.seeded->finished_at;
    } else {
        const auto sequence = status_sequence(r.outcome);
        std::size_t index = 0;
        if (now) {
            const auto elapsed = std::max<std::int64_t>(0, (*now - r.created_at).count());
            const auto steps = step.count() <= 0 ? std::int64_t{1} << 40 : elapsed / step.count();
            index = static_cast<std::size_t>(std::min<std::int64_t>(steps, static_cast<std::int64_t>(sequence.size()) - 1));
        }
        status = sequence[index];
        if (index >= 1) started = r.created_at + step;
        if (is_terminal(parse_job_status(status))) finished = r.created_at + step * static_cast<std::int64_t>(index);
    }

    json j;
    j["id"] = r.id;
    j[definition_id_field(r.kind)] = r.definition_id;
    const auto optional_time = [](const std::optional<timestamp>& t) { return t ? json(format_jst(*t)) : json(nullptr); };
    switch (r.kind) {
        case job_kind::transfer:
            j["job_definition_name"] = r.name;
            j["status"] = status;
            j["created_at"] = format_jst(r.created_at);
            if (started) j["started_at"] = format_jst(*started);  // left out until set
            if (finished) j["finished_at"] = format_jst(*finished);
            break;
        case job_kind::workflow:
            j["name"] = r.name;
            j["status"] = status;
            j["created_at"] = format_jst(r.created_at);
            j["started_at"] = optional_time(started);  // null until set
            j["finished_at"] = optional_time(finished);
            j["context_time"] = reported_context_time(r);
            break;
        case job_kind::datamart:  // only the POST answers one: trocco has no datamart job status endpoint
            j["status"] = status;
            j["context_time"] = reported_context_time(r);
            j["created_at"] = format_jst(r.created_at);
            break;
    }
    return j;
}

}  // namespace trocco::testing::detail
