// trocco/idempotency_store.hpp - the idempotency store concept: where exactly-once runs keep, per key, which
// definition was triggered when, and the job id once known (wait_options::idempotency_key). The bundled
// implementation is file_idempotency_store (a state directory); one in a database plugs in through the same
// interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "job_kind.hpp"
#include "result.hpp"
#include "task.hpp"

namespace trocco {

/// What is known about one key.
struct idempotency_record {
    std::string key;  ///< the caller's idempotency key
    job_kind kind = job_kind::transfer;  ///< what kind of job the key starts
    std::int64_t definition_id = 0;  ///< the definition the key starts
    std::chrono::system_clock::time_point trigger_time{};  ///< when the trigger was about to be sent
    std::int64_t job_id = 0;                               ///< 0: the trigger's outcome was not recorded

    friend bool operator==(const idempotency_record&, const idempotency_record&) = default;
};

/// One run's hold on one key: runs with the same key are serialised while it lives (destroying it releases the
/// key). Not thread-safe; used by one wait at a time.
class idempotency_session {
public:
    virtual ~idempotency_session() = default;
    /// The record found when the key was taken; empty for a key never used.
    virtual const std::optional<idempotency_record>& record() const noexcept = 0;
    /// Replaces the key's record durably: when the task completes successfully, the record survives a crash of
    /// this process or machine (the file store: written to a temporary file, fsynced, renamed, directory fsynced).
    /// Errors: errc::store_failure.
    virtual task<result<void>> save(idempotency_record record) = 0;
};

/// The store. open() must be safe to call from every thread clients resume on.
class idempotency_store {
public:
    virtual ~idempotency_store() = default;
    /// Takes `key` (waiting while another run holds it) and reads its record. Errors: errc::invalid_argument for a
    /// key the store cannot hold, errc::store_failure for a store that cannot be read or written or a record that
    /// is corrupt; a run that gets one sends nothing.
    virtual task<result<std::unique_ptr<idempotency_session>>> open(std::string key) = 0;
};

}  // namespace trocco
