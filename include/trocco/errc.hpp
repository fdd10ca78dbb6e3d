// trocco/errc.hpp - the error codes of trocco-cpp and their std::error_category.
//
// `std::error_code ec = trocco::errc::rate_limited;` and `ec == trocco::errc::rate_limited` both work, so
// code that only speaks std::error_code (a logging layer, an Asio handler) can still test what went wrong.
#pragma once

#include <string>
#include <system_error>

namespace trocco {

/// The two "canceled" codes are deliberately apart and spelled as trocco and std::errc::operation_canceled spell
/// it: `canceled` is about this program (the caller stopped waiting), `job_canceled` about the job on trocco.
enum class errc {
    // 0 is reserved for success, as std::error_code requires.
    invalid_argument = 1,  // an input was rejected before anything was sent
    bad_request,           // HTTP 400 or 422
    unauthorized,          // HTTP 401: missing or bad key, or the caller's IP is not allow-listed
    forbidden,             // HTTP 403: the key lacks a permission, or the plan does not allow it
    not_found,             // HTTP 404
    rate_limited,          // HTTP 429
    server_error,          // HTTP 5xx
    http_error,            // any other non-2xx status
    protocol_error,        // a 2xx answer whose body is not what the API promises
    connect_failed,        // the request was never sent (DNS, connect, TLS): safe to retry any request
    transport_failure,     // the request may have reached the server (reset, timeout while reading, ...)
    outcome_unknown,       // a job-starting POST may or may not have started a job: do not blindly rerun
    wait_timeout,          // the wait gave up; the job may still be running on trocco
    canceled,              // the caller stopped the operation (its std::stop_token, or the transport was destroyed);
                           // a job already started keeps running on trocco (not job_canceled, below)
    job_failed,            // the job ended in `error`
    job_canceled,          // trocco reports the job itself as `canceled` (someone canceled it on trocco)
    job_skipped,           // the job ended in `skipped`
    store_failure,         // the idempotency store could not be read or written, or holds a corrupt record; a run
                           // that fails so has sent nothing
};

/// A short, stable name of the code ("rate_limited"), for logs and for the command-line tool's output.
inline const char* to_string(errc e) noexcept {
    switch (e) {
        case errc::invalid_argument: return "invalid_argument";
        case errc::bad_request: return "bad_request";
        case errc::unauthorized: return "unauthorized";
        case errc::forbidden: return "forbidden";
        case errc::not_found: return "not_found";
        case errc::rate_limited: return "rate_limited";
        case errc::server_error: return "server_error";
        case errc::http_error: return "http_error";
        case errc::protocol_error: return "protocol_error";
        case errc::connect_failed: return "connect_failed";
        case errc::transport_failure: return "transport_failure";
        case errc::outcome_unknown: return "outcome_unknown";
        case errc::wait_timeout: return "wait_timeout";
        case errc::canceled: return "canceled";
        case errc::job_failed: return "job_failed";
        case errc::job_canceled: return "job_canceled";
        case errc::job_skipped: return "job_skipped";
        case errc::store_failure: return "store_failure";
    }
    return "unknown";
}


namespace detail {

class error_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "trocco"; }

    // The human message is the stable name with spaces ("rate limited"): one table serves both.
    std::string message(int value) const override {
        std::string text = to_string(static_cast<errc>(value));
        for (char& c : text) {
            if (c == '_') c = ' ';
        }
        return text;
    }
};

}  // namespace detail

/// The category of every trocco::errc value. One instance per program (a function-local static in an
/// inline function is shared across translation units), so category comparison by address works.
inline const std::error_category& error_category() noexcept {
    static const detail::error_category_impl instance;
    return instance;
}

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace trocco

/// @cond
template <>
struct std::is_error_code_enum<trocco::errc> : std::true_type {};
/// @endcond
