// trocco/rate_budget.hpp - the rate budget concept: one per trocco account, shared by every wait and read of every
// client given it, so that they spend the account's calls (3,500 per 10 minutes; 100 on the free plan) together
// instead of each running into 429s alone. The bundled implementation is in_process_budget
// (in_process_budget.hpp); one shared by several processes or machines plugs in through the same interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "events.hpp"
#include "rate_limit.hpp"
#include "task.hpp"

namespace trocco {

/// A request asking the budget for a slot.
struct budget_request {
    request_role role;                                 ///< triggers go before polls when the budget is short
    std::chrono::steady_clock::time_point now;         ///< the transport's clock: the answer is on it too
    std::chrono::system_clock::time_point wall_now;    ///< for X-Rate-Limit-Reset (UNIX seconds)
    std::int64_t job_id = 0;                           ///< 0 before a job id is known
    /// Who asks: the same value for every request of one operation, different for operations running at once
    /// (a budget that queues requests recognises one coming back).
    std::uint64_t requester = 0;
};

/// What an answer told about the account's budget.
struct budget_answer {
    int http_status = 0;                               ///< 0: no answer (a transport failure)
    rate_limit_info rate_limit;                        ///< X-Rate-Limit-Limit/Remaining/Reset, as far as valid
    std::chrono::steady_clock::time_point now;  ///< when the answer came, on the transport's clock
    std::chrono::system_clock::time_point wall_now;  ///< the wall clock then, for X-Rate-Limit-Reset
};

/// The interface. Implementations must be safe to call from every thread their clients resume on.
class rate_budget {
public:
    virtual ~rate_budget() = default;

    /// Before a request: the time (on `request.now`'s clock) from which it may be sent; `<= request.now` means at
    /// once, and then the slot is taken. A later time asks the caller to wait and ask again then (it is not a
    /// reservation that could be lost: the caller comes back). Resumes wherever the implementation completes it
    /// (the bundled one: inline).
    virtual task<std::chrono::steady_clock::time_point> acquire(budget_request request) = 0;

    /// After every answer (and transport failure) of a request that acquired a slot.
    virtual void on_answer(const budget_answer& answer) = 0;
};

}  // namespace trocco
