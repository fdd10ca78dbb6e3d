// trocco/wait_options.hpp - how a wait polls a job: the schedule, the overall timeout, the callbacks, the stop
// token.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <utility>
#include <variant>

#include "events.hpp"
#include "job.hpp"
#include "poll_schedule.hpp"

namespace trocco {

/// A status-change callback for either kind of job: built from anything callable with `const trocco::job&`,
/// with `const trocco::workflow_job&`, or with both (a generic lambda `[](const auto& j) {...}`).
class status_callback {
public:
    status_callback() = default;

    /// Wraps `f`, called for the job kinds it accepts.
    template <class F>
        requires(std::invocable<F&, const job&> || std::invocable<F&, const workflow_job&>)
    status_callback(F f) {
        if constexpr (std::invocable<F&, const job&> && std::invocable<F&, const workflow_job&>) {
            on_job_ = f;
            on_workflow_job_ = std::move(f);
        } else if constexpr (std::invocable<F&, const job&>) {
            on_job_ = std::move(f);
        } else {
            on_workflow_job_ = std::move(f);
        }
    }

    /// Whether any callable was given.
    explicit operator bool() const noexcept { return on_job_ || on_workflow_job_; }
    /// Whether it can be called with a J (job or workflow_job).
    template <class J>
    bool accepts() const noexcept {
        if constexpr (std::same_as<J, job>) {
            return static_cast<bool>(on_job_);
        } else {
            return static_cast<bool>(on_workflow_job_);
        }
    }
    /// Calls the callable for transfer jobs, if any.
    void operator()(const job& j) const {
        if (on_job_) on_job_(j);
    }
    /// Calls the callable for workflow jobs, if any.
    void operator()(const workflow_job& j) const {
        if (on_workflow_job_) on_workflow_job_(j);
    }
    void operator()(const datamart_job&) const {}  ///< datamart jobs are never waited on
    /// Calls the callable for the kind `j` holds, if any.
    void operator()(const any_job& j) const {
        std::visit([this](const auto& one) { (*this)(one); }, j);
    }

private:
    std::function<void(const job&)> on_job_;
    std::function<void(const workflow_job&)> on_workflow_job_;
};

/// How run_and_wait / wait_job / wait_workflow_job wait. Every member has a default:
/// `client.run_and_wait(req, {.timeout = std::chrono::hours{2}})`.
struct wait_options {
    poll_schedule poll = {};  ///< when to read the job's status (poll_schedule.hpp)

    /// The overall limit, from the call until the job is seen finished, measured on the transport's clock. The
    /// default is 24 hours. A request in flight when it passes is bounded by the transport's own request
    /// timeout. Reaching it gives errc::wait_timeout; the job keeps running on trocco.
    std::chrono::milliseconds timeout = std::chrono::hours{24};

    /// Right after a trigger, the new job may not be visible yet: a 404 within this time of the trigger's
    /// answer is polled again instead of failing. Not applied to wait_job / wait_workflow_job.
    std::chrono::milliseconds not_found_grace = std::chrono::seconds{60};

    /// Workflow jobs only. A workflow with automatic retries goes error -> retry_waiting -> queued; to tell that
    /// transient `error` from a final one, an `error` is final only after this many further polls, each
    /// `error_confirmation_delay` apart, still read `error`. 0 trusts the first `error`.
    int error_confirmations = 2;
    /// The time between two confirming polls.
    std::chrono::milliseconds error_confirmation_delay = std::chrono::seconds{10};

    /// Called with the new job's id once the trigger was answered, before the first poll, so that the caller can
    /// persist it and re-attach with wait_job() after a crash. Not called by wait_job / wait_workflow_job.
    std::function<void(std::int64_t job_id)> on_triggered = {};

    /// Called with the job on each change of status (the first status seen included), not on each poll.
    /// Unknown statuses are reported here too. Give a callable taking `const trocco::job&` for transfer jobs,
    /// `const trocco::workflow_job&` for workflow jobs, or a generic lambda for both; a wait whose job kind
    /// the callback does not take fails at once with errc::invalid_argument.
    status_callback on_status_change = {};

    /// Stops the wait promptly (during a sleep or a request) with errc::canceled. The job keeps running.
    std::stop_token stop_token = {};

    /// Receives every event of this wait (events.hpp), besides the client's observer. Empty: none.
    event_observer observer = {};

    /// Transfer jobs only, opt-in. When the trigger's outcome is unknown (the connection broke after the POST may
    /// have reached trocco, or trocco answered 5xx), look for the job instead of giving up: list the definition's
    /// jobs created since the trigger's time minus `reconcile_skew` (the clock-skew margin between this machine and
    /// trocco), `reconcile_rounds` times spread over `reconcile_grace` (a new job may take a moment to be listed).
    /// Exactly one found: it is adopted and waited on (events::trigger_outcome says `adopted`). None: still
    /// errc::outcome_unknown, saying that none was found. Several: errc::outcome_unknown with their ids in
    /// error::candidate_job_ids(). The POST is never sent again. Caveat: a job of the same definition started by
    /// someone else within the margin is indistinguishable from ours; several candidates are reported, never guessed.
    bool reconcile = false;
    std::chrono::milliseconds reconcile_skew = std::chrono::minutes{2};  ///< see `reconcile`
    std::chrono::milliseconds reconcile_grace = std::chrono::seconds{30};  ///< see `reconcile`
    int reconcile_rounds = 4;  ///< see `reconcile`

    /// Exactly-once runs across retries of the caller (run_and_wait of a transfer job or workflow; needs
    /// client_options::idempotency_store). Non-empty: before the POST the key is recorded with the trigger time,
    /// after it with the job id. A later run with the same key re-attaches to the recorded job instead of starting
    /// another (events::trigger_outcome says `attached`); one that finds the key without a job id reconciles
    /// (as `reconcile` does) instead of triggering blindly. The record is kept after the job ends, so that re-running
    /// a finished step reports that job's outcome again: use a new key for a new run (e.g. the CI run's id).
    std::string idempotency_key = {};
};

}  // namespace trocco
