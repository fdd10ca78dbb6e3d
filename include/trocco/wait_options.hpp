// trocco/wait_options.hpp - how a wait polls a job: the schedule, the overall timeout, the callbacks, the stop
// token.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <functional>
#include <stop_token>
#include <utility>

#include "job.hpp"

namespace trocco {

/// When to look at a running job again. Delay before poll n (n = 0 for the first) is
/// min(max_delay, first_delay * growth^n), then spread by +/- jitter (a fraction) so that waits started together
/// drift apart. The defaults (5 s growing x1.5 to 30 s, +/-10 %) suit jobs that take minutes: a short job is seen
/// to finish within seconds, and a long one costs about 20 calls per 10 minutes, so some 175 jobs can be waited
/// on at once within trocco's 3,500 calls per 10 minutes.
struct poll_schedule {
    std::chrono::milliseconds first_delay = std::chrono::seconds{5};
    double growth = 1.5;
    std::chrono::milliseconds max_delay = std::chrono::seconds{30};
    double jitter = 0.1;

    /// A fixed interval, no growth, no jitter.
    static poll_schedule fixed(std::chrono::milliseconds interval) { return {interval, 1.0, interval, 0.0}; }
};

/// The delay before poll number `poll` (0-based); `random01` is uniform in [0, 1).
inline std::chrono::milliseconds poll_delay(const poll_schedule& s, int poll, double random01) {
    const double first = static_cast<double>(s.first_delay.count());
    const double cap = static_cast<double>(std::max(s.max_delay, s.first_delay).count());
    const double base = std::min(cap, first * std::pow(std::max(s.growth, 1.0), std::max(poll, 0)));
    const double spread = std::clamp(s.jitter, 0.0, 1.0) * (2.0 * std::clamp(random01, 0.0, 1.0) - 1.0);
    return std::chrono::milliseconds{static_cast<std::int64_t>(std::llround(base * (1.0 + spread)))};
}

/// A status-change callback for either kind of job: built from anything callable with `const trocco::job&`,
/// with `const trocco::workflow_job&`, or with both (a generic lambda `[](const auto& j) {...}`).
class status_callback {
public:
    status_callback() = default;

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
    void operator()(const job& j) const {
        if (on_job_) on_job_(j);
    }
    void operator()(const workflow_job& j) const {
        if (on_workflow_job_) on_workflow_job_(j);
    }

private:
    std::function<void(const job&)> on_job_;
    std::function<void(const workflow_job&)> on_workflow_job_;
};

/// How run_and_wait / wait_job / wait_workflow_job wait. Every member has a default:
/// `client.run_and_wait(req, {.timeout = std::chrono::hours{2}})`.
struct wait_options {
    poll_schedule poll = {};

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
};

}  // namespace trocco
