// trocco/job_status.hpp - the status of a transfer job or workflow job, as the API spells it.
#pragma once

#include <string_view>

namespace trocco {

/// Every status string the API is known to send, plus `unknown` for anything else (a status added after this
/// library was written). Models keep the raw string next to the enum, so an unknown status can be reported.
enum class job_status {
    queued,         // waiting to run
    setting_up,     // preparing
    executing,      // running
    interrupting,   // being interrupted; moves on to canceled or error
    succeeded,      // finished: success
    error,          // finished: error (a workflow may still go on to retry_waiting)
    canceled,       // finished: canceled (the API spells it with one "l")
    skipped,        // finished: skipped, e.g. a concurrent run was not allowed
    retry_waiting,  // workflow jobs only: errored, an automatic retry is pending
    unknown,        // a string this library does not know; treated as not finished
};

/// The wire spelling ("setting_up"); "unknown" for job_status::unknown.
constexpr std::string_view to_string(job_status s) noexcept {
    switch (s) {
        case job_status::queued: return "queued";
        case job_status::setting_up: return "setting_up";
        case job_status::executing: return "executing";
        case job_status::interrupting: return "interrupting";
        case job_status::succeeded: return "succeeded";
        case job_status::error: return "error";
        case job_status::canceled: return "canceled";
        case job_status::skipped: return "skipped";
        case job_status::retry_waiting: return "retry_waiting";
        case job_status::unknown: break;
    }
    return "unknown";
}

/// Maps a wire string to the enum. Exact, case-sensitive match (the API sends lower-case snake_case); anything
/// else, the literal "unknown" included, is job_status::unknown.
constexpr job_status parse_job_status(std::string_view wire) noexcept {
    for (auto s : {job_status::queued, job_status::setting_up, job_status::executing, job_status::interrupting,
                   job_status::succeeded, job_status::error, job_status::canceled, job_status::skipped,
                   job_status::retry_waiting}) {
        if (wire == to_string(s)) return s;
    }
    return job_status::unknown;
}

/// True for the statuses the API documents as finished: succeeded, error, canceled, skipped. Note that a
/// workflow job in `error` may still be retried (error -> retry_waiting); the client's wait handles that.
constexpr bool is_terminal(job_status s) noexcept {
    return s == job_status::succeeded || s == job_status::error || s == job_status::canceled ||
           s == job_status::skipped;
}

}  // namespace trocco
