// trocco/detail/client_support.hpp - the small non-coroutine pieces client<Transport> is driven with: the jitter
// source, turning a machine's result into the caller's type, the idempotency record's plan, page parsers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "config.hpp"
#include "../definitions.hpp"
#include "../idempotency_store.hpp"
#include "../job.hpp"
#include "../job_kind.hpp"
#include "../rate_budget.hpp"
#include "../response_parser.hpp"
#include "../result.hpp"
#include "../task.hpp"
#include "../wait_machine.hpp"

namespace trocco::detail {

/// Uniform doubles in [0, 1): the user's function if given, else splitmix64 over an atomic counter (thread-safe).
class random_source {
public:
    explicit random_source(const std::function<double()>& user) : user_(user), state_(seed()) {}
    random_source(const random_source&) = delete;
    random_source& operator=(const random_source&) = delete;

    double operator()() noexcept {
        if (user_) return user_();
        std::uint64_t z = state_.fetch_add(0x9E3779B97F4A7C15ull, std::memory_order_relaxed) + 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        return static_cast<double>(z >> 11) * 0x1.0p-53;
    }

private:
    TROCCO_DECL static std::uint64_t seed();
    const std::function<double()>& user_;
    std::atomic<std::uint64_t> state_;
};

/// wait_context's random function: `state` is a random_source.
inline double call_random(void* state) { return (*static_cast<random_source*>(state))(); }

/// A machine's result as the caller's job type.
template <class Job>
result<Job> typed_result(result<any_job> r) {
    if (!r) return std::move(r).error();
    if (auto* j = std::get_if<Job>(&*r)) return std::move(*j);
    return error{errc::protocol_error, "internal: the operation ended with a job of another kind"};
}

/// What the rate budget learns from one answer.
TROCCO_DECL budget_answer budget_answer_of(const result<http_response>& outcome,
                                           std::chrono::steady_clock::time_point now,
                                           std::chrono::system_clock::time_point wall_now);

/// What an idempotency record says to do.
struct record_plan {
    std::int64_t job_id = 0;  // re-attach to it
    bool reconcile = false;   // the trigger's outcome was never recorded: look for the job
    std::chrono::system_clock::time_point trigger_time{};
};

TROCCO_DECL result<record_plan> plan_from_record(const std::optional<idempotency_record>& record, job_kind kind,
                                                 std::int64_t definition_id, const std::string& key);

/// Records the job id of a run under its key (a `record` step).
TROCCO_DECL task<result<void>> save_job_id(idempotency_session* session, idempotency_record* record,
                                           std::int64_t job_id);

struct history_page_parser {
    result<list_page<job>> operator()(const http_response& r) const { return parse_job_history_page(r); }
};

struct definitions_page_parser {
    job_kind kind;
    result<list_page<definition_summary>> operator()(const http_response& r) const {
        return parse_definitions_page(kind, r);
    }
};

}  // namespace trocco::detail

#if defined(TROCCO_HEADER_ONLY)
#include "../impl/client_support.ipp"
#endif
