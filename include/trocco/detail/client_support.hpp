// trocco/detail/client_support.hpp - the small non-coroutine pieces client<Transport> is driven with: the jitter
// source, turning a machine's result into the caller's type, the idempotency record's plan, page parsers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <variant>

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
    static std::uint64_t seed() {
        std::random_device device;
        return (std::uint64_t{device()} << 32) ^ device();
    }
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
inline budget_answer budget_answer_of(const result<http_response>& outcome, std::chrono::steady_clock::time_point now,
                                      std::chrono::system_clock::time_point wall_now) {
    budget_answer a;
    a.now = now;
    a.wall_now = wall_now;
    if (outcome) {
        a.http_status = outcome->status;
        a.rate_limit = parse_rate_limit(outcome->headers);
    }
    return a;
}

/// What an idempotency record says to do.
struct record_plan {
    std::int64_t job_id = 0;  // re-attach to it
    bool reconcile = false;   // the trigger's outcome was never recorded: look for the job
    std::chrono::system_clock::time_point trigger_time{};
};

inline result<record_plan> plan_from_record(const std::optional<idempotency_record>& record, job_kind kind,
                                            std::int64_t definition_id, const std::string& key) {
    if (!record) return record_plan{};
    if (record->kind != kind || record->definition_id != definition_id) {
        return error{errc::invalid_argument, "idempotency key \"" + key + "\" was used for " +
                                                 std::string(info(record->kind).definition_name) + " " +
                                                 std::to_string(record->definition_id) + ": use a new key for " +
                                                 std::string(info(kind).definition_name) + " " +
                                                 std::to_string(definition_id)};
    }
    if (record->job_id != 0) return record_plan{record->job_id, false, record->trigger_time};
    if (!info(kind).has_history) {
        return error{errc::outcome_unknown, "a run with idempotency key \"" + key + "\" sent the trigger but did not "
                                            "record its outcome, and " + std::string(info(kind).name) +
                                            "s cannot be looked up (trocco lists none): a job may or may not have "
                                            "been started; check trocco before running it again"}
            .with_definition_id(definition_id)
            .with_trigger_time(record->trigger_time);
    }
    return record_plan{0, true, record->trigger_time};
}

/// Records the job id of a run under its key (a `record` step).
inline task<result<void>> save_job_id(idempotency_session* session, idempotency_record* record, std::int64_t job_id) {
    if (session == nullptr || record == nullptr) co_return result<void>{};
    record->job_id = job_id;
    auto saved = co_await session->save(*record);
    co_return saved;
}

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
