// trocco/error.hpp - trocco::error: what went wrong, with the context a caller needs to act on it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "detail/config.hpp"
#include "errc.hpp"
#include "job.hpp"

namespace trocco {

namespace detail {

/// The context an error carries only sometimes: kept behind one pointer so that an error (and so every
/// result<T>) stays small, and shared (immutable once attached) so that copying an error is cheap.
struct error_context {
    std::optional<std::int64_t> definition_id;
    std::optional<std::chrono::system_clock::time_point> trigger_time;
    std::variant<std::monostate, job, workflow_job> last_job;
    std::vector<std::int64_t> candidate_job_ids;
};

}  // namespace detail

/// An error value. Besides the code and a human message it carries, where known, the HTTP status, the id of
/// the job the operation concerned (so a failed wait can be re-attached or reported), the definition id and the
/// trigger time of a job-starting request (for `outcome_unknown`), the last job seen (for `job_failed`,
/// `wait_timeout`, ...), and whether the request may have reached the server. Messages never contain the API key.
///
/// Third-party transports build these too: `trocco::error{trocco::errc::connect_failed, "connection refused"}`.
class error {
public:
    /// An error of `code` with a description (or the server's message) and the HTTP status behind it, if any.
    error(errc code, std::string message, int http_status = 0)
        : message_(std::move(message)), http_status_(http_status), code_(code) {}

    /// The code in the `trocco` category; compare with `== trocco::errc::not_found`.
    std::error_code code() const noexcept { return make_error_code(code_); }
    /// The same code as the enum, for a switch.
    errc kind() const noexcept { return code_; }
    /// The HTTP status of the answer behind this error, or 0 when there was none.
    int http_status() const noexcept { return http_status_; }
    /// The server's message for an HTTP error (Japanese text kept intact), else a description of the failure.
    const std::string& message() const noexcept { return message_; }

    /// Whether the request this error is about may have reached the server, so that a job-starting request may
    /// have started a job. False only when it is known that no byte of it left this process: always for
    /// errc::invalid_argument and errc::connect_failed, and for errc::canceled when the stop came before the
    /// request was sent (a transport says so with with_nothing_sent()). True for everything else, HTTP errors
    /// included (the server read the request and answered).
    bool may_have_reached_server() const noexcept {
        return !(nothing_sent_ || code_ == errc::invalid_argument || code_ == errc::connect_failed);
    }

    /// The id of the job (transfer or workflow) this error concerns, once one is known.
    std::optional<std::int64_t> job_id() const noexcept { return job_id_; }
    /// The transfer or workflow definition id of a run request, when the error concerns one.
    std::optional<std::int64_t> definition_id() const noexcept {
        return context_ ? context_->definition_id : std::nullopt;
    }
    /// When a job-starting request was sent (for `outcome_unknown`: look for a job created around then).
    std::optional<std::chrono::system_clock::time_point> trigger_time() const noexcept {
        return context_ ? context_->trigger_time : std::nullopt;
    }
    /// The last transfer job seen, or nullptr (set by a failed or timed-out wait on a transfer job).
    const trocco::job* last_job() const noexcept { return context_ ? std::get_if<trocco::job>(&context_->last_job) : nullptr; }
    /// The last workflow job seen, or nullptr.
    const trocco::workflow_job* last_workflow_job() const noexcept {
        return context_ ? std::get_if<trocco::workflow_job>(&context_->last_job) : nullptr;
    }
    /// For `outcome_unknown` after a reconciliation that found several jobs created around the trigger: their ids.
    const std::vector<std::int64_t>& candidate_job_ids() const noexcept {
        static const std::vector<std::int64_t> none;
        return context_ ? context_->candidate_job_ids : none;
    }

    /// Sets job_id().
    error& with_job_id(std::int64_t id) & noexcept { job_id_ = id; return *this; }
    /// Sets job_id() (on a temporary, for chaining).
    error&& with_job_id(std::int64_t id) && noexcept { return std::move(with_job_id(id)); }
    /// Marks that no byte of the request left this process (see may_have_reached_server()).
    error& with_nothing_sent() & noexcept { nothing_sent_ = true; return *this; }
    /// Marks that no byte of the request left this process (on a temporary).
    error&& with_nothing_sent() && noexcept { return std::move(with_nothing_sent()); }
    /// Sets definition_id().
    error& with_definition_id(std::int64_t id) & { edit().definition_id = id; return *this; }
    /// Sets definition_id() (on a temporary).
    error&& with_definition_id(std::int64_t id) && { return std::move(with_definition_id(id)); }
    /// Sets trigger_time().
    error& with_trigger_time(std::chrono::system_clock::time_point t) & { edit().trigger_time = t; return *this; }
    /// Sets trigger_time() (on a temporary).
    error&& with_trigger_time(std::chrono::system_clock::time_point t) && {
        return std::move(with_trigger_time(t));
    }
    /// Attaches the last job seen; also sets job_id() from it.
    error& with_last_job(trocco::job j) & { job_id_ = j.id; edit().last_job = std::move(j); return *this; }
    /// Attaches the last transfer job seen and sets job_id() (on a temporary).
    error&& with_last_job(trocco::job j) && { return std::move(with_last_job(std::move(j))); }
    /// Attaches the last workflow job seen; also sets job_id() from it.
    error& with_last_job(trocco::workflow_job j) & { job_id_ = j.id; edit().last_job = std::move(j); return *this; }
    /// Attaches the last workflow job seen and sets job_id() (on a temporary).
    error&& with_last_job(trocco::workflow_job j) && { return std::move(with_last_job(std::move(j))); }
    /// Sets candidate_job_ids().
    error& with_candidate_job_ids(std::vector<std::int64_t> ids) & {
        edit().candidate_job_ids = std::move(ids);
        return *this;
    }
    /// Sets candidate_job_ids() (on a temporary).
    error&& with_candidate_job_ids(std::vector<std::int64_t> ids) && {
        return std::move(with_candidate_job_ids(std::move(ids)));
    }
    /// Replaces the message (e.g. with a redacted copy), keeping everything else.
    error& with_message(std::string message) & { message_ = std::move(message); return *this; }
    /// Replaces the message (on a temporary).
    error&& with_message(std::string message) && { return std::move(with_message(std::move(message))); }
    /// Puts `prefix` in front of the message ("polling job 7: " + message).
    error& prefix_message(std::string_view prefix) & { message_.insert(0, prefix); return *this; }
    /// Puts `prefix` in front of the message (on a temporary).
    error&& prefix_message(std::string_view prefix) && { return std::move(prefix_message(prefix)); }

    /// One line for a log: "not_found (HTTP 404): Not found [job 42]".
    TROCCO_DECL std::string to_string() const;

private:
    /// The context, copied first when another error shares it (errors are values).
    TROCCO_DECL detail::error_context& edit();

    std::string message_;
    std::optional<std::int64_t> job_id_;
    std::shared_ptr<detail::error_context> context_;
    int http_status_ = 0;
    errc code_;
    bool nothing_sent_ = false;
};

}  // namespace trocco

#if defined(TROCCO_HEADER_ONLY)
#include "impl/error.ipp"
#endif
