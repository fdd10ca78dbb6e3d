// trocco/in_process_budget.hpp - the bundled rate budget: one per trocco account, shared by the clients of one
// process.
//
//     auto budget = std::make_shared<trocco::in_process_budget>(trocco::budget_plan::free());  // 100 per 10 min
//     trocco::client a{transport, {.api_key = key, .budget = budget}};
//     trocco::client b{other_transport, {.api_key = key, .budget = budget}};
//
// How it spends the account's calls:
//   - Pacing that no window can break: a token bucket holding at most `burst` calls (5 % of the limit), refilled
//     at (limit - burst) per window. Whatever trocco's window is (fixed or sliding, aligned with ours or not), no
//     window of that length sees more than `limit` calls from this process.
//   - What trocco says overrides the plan where it is valid: X-Rate-Limit-Limit replaces the plan's limit;
//     X-Rate-Limit-Remaining with X-Rate-Limit-Reset caps the calls until that reset (other processes of the
//     account use the same budget, and trocco counts them); a 429 pauses every request until its reset.
//     Values that are missing, garbage, negative, or whose reset lies in the past or more than two windows ahead
//     are ignored: the plan's limits apply, so the budget neither stalls nor runs unbounded.
//   - Order: the POST that starts a job is served first whenever a call is available; polls and reads wait in
//     one first-come, first-served queue, so that when the budget runs low every wait's polls are stretched alike
//     and a wait near its end is not starved by many that just started. A request told to come back at t that
//     does not come back soon after keeps nobody waiting: its place is given up.
//
// Thread-safe (one mutex); acquire() completes inline. Times are those of the requests (the transport's clock),
// so a virtual clock runs it in tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "detail/config.hpp"
#include "rate_budget.hpp"
#include "task.hpp"

namespace trocco {

/// An account's plan: `limit` calls per `window`. Set it to your plan; trocco's headers override it when valid.
struct budget_plan {
    std::int64_t limit = 3500;  ///< calls allowed per window
    std::chrono::milliseconds window = std::chrono::minutes{10};  ///< the length of one counting window

    /// trocco's paid plans: 3,500 calls per 10 minutes.
    static budget_plan paid() { return {3500, std::chrono::minutes{10}}; }
    /// trocco's free plan and trials: 100 calls per 10 minutes.
    static budget_plan free() { return {100, std::chrono::minutes{10}}; }
};

/// A rate_budget shared by the clients of one process: it counts the calls of an account against its plan, follows
/// trocco's X-Rate-Limit-* headers when they are valid, and spaces requests out (triggers first) when it runs low.
class in_process_budget final : public rate_budget {
public:
    using clock = std::chrono::steady_clock;  ///< the clock of budget_request::now

    /// A plan with limit < 1 or a window <= 0 is replaced by the paid plan's figures.
    TROCCO_DECL explicit in_process_budget(budget_plan plan = budget_plan::paid());

    task<clock::time_point> acquire(budget_request request) override { co_return decide(request); }
    TROCCO_DECL void on_answer(const budget_answer& answer) override;

    /// What acquire() answers, synchronously.
    TROCCO_DECL clock::time_point decide(const budget_request& request);

    /// The limit in force (the plan's, or the one trocco announced).
    TROCCO_DECL std::int64_t limit() const;
    /// Requests waiting in the poll queue.
    TROCCO_DECL std::size_t queued() const;

private:
    struct ticket {
        std::uint64_t requester;
        clock::time_point expected;  // when it was told to come back
    };

    TROCCO_DECL double rate_per_ms() const;  // refill rate: (limit - burst) per window
    TROCCO_DECL double burst() const;        // bucket capacity
    TROCCO_DECL void refill(clock::time_point now);
    TROCCO_DECL clock::time_point when_available(clock::time_point now, double calls_ahead) const;
    TROCCO_DECL void take(clock::time_point now);

    mutable std::mutex mutex_;
    budget_plan plan_;
    std::optional<std::int64_t> announced_limit_;
    double tokens_ = 0;
    clock::time_point refilled_at_{};
    bool started_ = false;
    // trocco's own count until its reset: calls still allowed, and when the count starts afresh.
    std::optional<std::int64_t> server_allowance_;
    clock::time_point server_reset_{};
    clock::time_point paused_until_{};
    std::int64_t in_flight_ = 0;
    std::deque<ticket> queues_[2];  // [0]: triggers, served first; [1]: polls, reads and lists
};

}  // namespace trocco

#if defined(TROCCO_HEADER_ONLY)
#include "impl/in_process_budget.ipp"
#endif
