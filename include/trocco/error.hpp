// trocco/error.hpp - trocco::error: what went wrong, with the context a caller needs to act on it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>

#include "errc.hpp"
#include "job.hpp"

namespace trocco {

/// An error value. Besides the code and a human message it carries, where known, the HTTP status, the id of
/// the job the operation concerned (so a failed wait can be re-attached or reported), the definition id and the
/// trigger time of a job-starting request (for `outcome_unknown`), and the last job seen (for `job_failed`,
/// `wait_timeout`, ...). Messages never contain the API key.
///
/// Third-party transports build these too: `trocco::error{trocco::errc::connect_failed, "connection refused"}`.
class error {
public:
    error(errc code, std::string message, int http_status = 0)
        : code_(code), message_(std::move(message)), http_status_(http_status) {}

    /// The code in the `trocco` category; compare with `== trocco::errc::not_found`.
    std::error_code code() const noexcept { return make_error_code(code_); }
    /// The same code as the enum, for a switch.
    errc kind() const noexcept { return code_; }
    /// The HTTP status of the answer behind this error, or 0 when there was none.
    int http_status() const noexcept { return http_status_; }
    /// The server's message for an HTTP error (Japanese text kept intact), else a description of the failure.
    const std::string& message() const noexcept { return message_; }

    /// The id of the job (transfer or workflow) this error concerns, once one is known.
    std::optional<std::int64_t> job_id() const noexcept { return job_id_; }
    /// The transfer or workflow definition id of a run request, when the error concerns one.
    std::optional<std::int64_t> definition_id() const noexcept { return definition_id_; }
    /// When a job-starting request was sent (for `outcome_unknown`: look for a job created around then).
    std::optional<std::chrono::system_clock::time_point> trigger_time() const noexcept { return trigger_time_; }
    /// The last transfer job seen, or nullptr (set by a failed or timed-out wait on a transfer job).
    const trocco::job* last_job() const noexcept { return std::get_if<trocco::job>(&last_job_); }
    /// The last workflow job seen, or nullptr.
    const trocco::pipeline_job* last_pipeline_job() const noexcept {
        return std::get_if<trocco::pipeline_job>(&last_job_);
    }

    error& with_job_id(std::int64_t id) & noexcept { job_id_ = id; return *this; }
    error&& with_job_id(std::int64_t id) && noexcept { return std::move(with_job_id(id)); }
    error& with_definition_id(std::int64_t id) & noexcept { definition_id_ = id; return *this; }
    error&& with_definition_id(std::int64_t id) && noexcept { return std::move(with_definition_id(id)); }
    error& with_trigger_time(std::chrono::system_clock::time_point t) & noexcept { trigger_time_ = t; return *this; }
    error&& with_trigger_time(std::chrono::system_clock::time_point t) && noexcept {
        return std::move(with_trigger_time(t));
    }
    /// Attaches the last job seen; also sets job_id() from it.
    error& with_last_job(trocco::job j) & { job_id_ = j.id; last_job_ = std::move(j); return *this; }
    error&& with_last_job(trocco::job j) && { return std::move(with_last_job(std::move(j))); }
    error& with_last_job(trocco::pipeline_job j) & { job_id_ = j.id; last_job_ = std::move(j); return *this; }
    error&& with_last_job(trocco::pipeline_job j) && { return std::move(with_last_job(std::move(j))); }
    /// Replaces the message (e.g. with a redacted copy), keeping everything else.
    error& with_message(std::string message) & { message_ = std::move(message); return *this; }
    error&& with_message(std::string message) && { return std::move(with_message(std::move(message))); }
    /// Puts `prefix` in front of the message ("polling job 7: " + message).
    error& prefix_message(std::string_view prefix) & { message_.insert(0, prefix); return *this; }
    error&& prefix_message(std::string_view prefix) && { return std::move(prefix_message(prefix)); }

    /// One line for a log: "not_found (HTTP 404): Not found [job 42]".
    std::string to_string() const {
        std::string text = trocco::to_string(code_);
        if (http_status_ != 0) text += " (HTTP " + std::to_string(http_status_) + ")";
        text += ": ";
        text += message_;
        if (job_id_) text += " [job " + std::to_string(*job_id_) + "]";
        if (definition_id_ && !job_id_) text += " [definition " + std::to_string(*definition_id_) + "]";
        return text;
    }

private:
    errc code_;
    std::string message_;
    int http_status_ = 0;
    std::optional<std::int64_t> job_id_;
    std::optional<std::int64_t> definition_id_;
    std::optional<std::chrono::system_clock::time_point> trigger_time_;
    std::variant<std::monostate, trocco::job, trocco::pipeline_job> last_job_;
};

}  // namespace trocco
