// trocco/events.hpp - what a wait (or any request of a client) reports as it goes: typed events for logs, metrics
// and progress displays. Give an observer in client_options (every operation of the client) or wait_options (one
// wait); both get every event of a wait.
//
//     trocco::wait_options w;
//     w.observer = [](const trocco::wait_event& e) {
//         if (const auto* s = std::get_if<trocco::events::status_changed>(&e)) log(s->job_id, s->to);
//     };
//
// Events are delivered synchronously, on the thread where the operation runs (the transport's completion
// context), in the order things happen. Text members are views valid only during the call. No event carries the
// API key: paths never contain it, and error messages are redacted before they reach one.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <variant>

#include "errc.hpp"
#include "http.hpp"
#include "job.hpp"
#include "job_kind.hpp"
#include "rate_limit.hpp"

namespace trocco {

/// What a request is for: the rate budget orders requests by it, and events name it.
enum class request_role : unsigned char {
    trigger,  ///< the POST that starts a job
    poll,     ///< a status read of a wait
    read,     ///< a one-off read (get_job)
    list,     ///< a page of a list (job history, definitions, reconciling an unknown trigger)
};

/// "trigger", "poll", "read", "list".
constexpr std::string_view to_string(request_role role) noexcept {
    switch (role) {
        case request_role::trigger: return "trigger";
        case request_role::poll: return "poll";
        case request_role::read: return "read";
        case request_role::list: break;
    }
    return "list";
}

namespace events {

using time_point = std::chrono::steady_clock::time_point;  // the transport's clock

/// A request is about to go to the transport.
struct request_sent {
    time_point at;  ///< when it happened
    request_role role;  ///< what the request is for
    http_method method;  ///< GET or POST
    std::string_view path;  ///< path and query, without the base URL ("/api/jobs/7")
    int attempt;            ///< 1 for the first send of this request, 2 for its first retry, ...
    std::int64_t job_id;    ///< 0 before a job id is known
};

/// The transport gave back an answer (any HTTP status) or a failure.
struct answer_received {
    time_point at;  ///< when it happened
    request_role role;  ///< what the request is for
    int http_status;                  ///< 0 when the transport failed
    std::optional<errc> failure;      ///< the transport's error code, when it failed
    std::chrono::milliseconds duration;  ///< from the send to the answer
    rate_limit_info rate_limit;       ///< X-Rate-Limit-* of the answer (empty fields when absent)
    int attempt;  ///< 1 for the first send, 2 for the first retry, ...
};

/// A failed request will be sent again after `delay`.
struct retry_scheduled {
    time_point at;  ///< when it happened
    request_role role;  ///< what the request is for
    errc reason;                      ///< what failed: server_error, rate_limited, connect_failed, protocol_error, ...
    int http_status;                  ///< the answer's status, 0 for a transport failure
    std::chrono::milliseconds delay;  ///< how long until then
    int next_attempt;  ///< the number the retry will have (2 for the first retry)
    std::string_view message;         ///< the failure's description (redacted)
};

/// The next status read of a running job is scheduled.
struct poll_scheduled {
    time_point at;  ///< when it happened
    std::int64_t job_id;  ///< the job
    time_point next_poll;  ///< when the read will go
    std::chrono::milliseconds delay;  ///< how long until then
    int poll;                         ///< the number of status reads so far
    bool confirming_error;            ///< a workflow's `error` is being confirmed (an automatic retry may follow)
};

/// The job's status changed (the first status seen included: `from` is empty then).
struct status_changed {
    time_point at;  ///< when it happened
    std::int64_t job_id;  ///< the job
    std::string_view from;            ///< raw status strings, as trocco sent them
    std::string_view to;  ///< the new status
    const any_job* job;               ///< the job as just read (never null; valid during the call)
};

/// The rate budget asked a request to wait.
struct budget_wait {
    time_point at;  ///< when it happened
    request_role role;  ///< what the request is for
    std::chrono::milliseconds delay;  ///< how long until then
};

/// What became of the POST that starts a job.
struct trigger_outcome {
    /// What happened to the trigger.
    enum class kind : unsigned char {
        started,   ///< trocco answered with the new job
        unknown,   ///< it may or may not have started one (outcome_unknown follows unless reconciliation finds it)
        adopted,   ///< after an unknown outcome, exactly one job created since the trigger was found and is waited on
        attached,  ///< an idempotency key's record named the job: no POST was sent, the wait re-attached to it
    };
    time_point at;  ///< when it happened
    kind what;  ///< what happened
    job_kind job;  ///< the kind of job started
    std::int64_t definition_id;  ///< the definition run
    std::int64_t job_id;              ///< 0 for unknown
};

/// The operation ended.
struct wait_finished {
    time_point at;  ///< when it happened
    std::optional<errc> failure;      ///< empty: the job succeeded (or the request succeeded)
    std::int64_t job_id;              ///< 0 when no job id was ever known
    int polls;                        ///< status reads sent, retries included
    std::chrono::milliseconds elapsed;  ///< from the start of the operation, on the transport's clock
};

}  // namespace events

/// One event of any kind: `std::get_if<trocco::events::status_changed>(&e)`, or std::visit.
using wait_event = std::variant<events::request_sent, events::answer_received, events::retry_scheduled,
                                events::poll_scheduled, events::status_changed, events::budget_wait,
                                events::trigger_outcome, events::wait_finished>;

/// Receives events. May throw: the exception propagates out of the operation's co_await, as a callback's does.
using event_observer = std::function<void(const wait_event&)>;

/// "trigger_outcome" and so on: the event's name, for logs.
inline std::string_view event_name(const wait_event& e) noexcept {
    constexpr std::string_view names[] = {"request_sent",   "answer_received", "retry_scheduled", "poll_scheduled",
                                          "status_changed", "budget_wait",     "trigger_outcome", "wait_finished"};
    return names[e.index()];
}

}  // namespace trocco
