// trocco/impl/client_support.ipp - the bodies of detail/client_support.hpp (header-only mode: included by it;
// separately compiled: by src/trocco.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "../detail/client_support.hpp"

namespace trocco::detail {

TROCCO_DECL std::uint64_t random_source::seed() {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device();
}

TROCCO_DECL budget_answer budget_answer_of(const result<http_response>& outcome,
                                           std::chrono::steady_clock::time_point now,
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

TROCCO_DECL result<record_plan> plan_from_record(const std::optional<idempotency_record>& record, job_kind kind,
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

TROCCO_DECL task<result<void>> save_job_id(idempotency_session* session, idempotency_record* record,
                                           std::int64_t job_id) {
    if (session == nullptr || record == nullptr) co_return result<void>{};
    record->job_id = job_id;
    auto saved = co_await session->save(*record);
    co_return saved;
}

}  // namespace trocco::detail
