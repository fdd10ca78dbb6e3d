// trocco/retry_policy.hpp - when a single request is sent again, and after how long. Pure functions: the
// client applies them; tests check them directly. Retrying a request is kept apart from polling a job
// (wait_options.hpp): a retry repeats one failed request, a poll asks again about a job that is still running.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include "detail/saturate.hpp"
#include "http.hpp"
#include "http_status.hpp"
#include "rate_limit.hpp"
#include "result.hpp"

namespace trocco {

/// How one request is retried. Defaults suit trocco's per-account rate limit (3,500 calls per 10 minutes).
struct retry_policy {
    /// Sends of one request in all, the first included. 1 disables retries.
    int max_attempts = 6;
    /// Backoff before retry n (n = 1, 2, ...) is uniform in [0, min(max_backoff, initial_backoff * multiplier^(n-1)))
    /// ("full jitter": many clients retrying at once spread out instead of hitting the server together).
    std::chrono::milliseconds initial_backoff = std::chrono::seconds{1};
    double multiplier = 2.0;  ///< the growth of the backoff cap per retry
    std::chrono::milliseconds max_backoff = std::chrono::seconds{30};  ///< the largest backoff cap
    /// The longest wait the server may ask for (Retry-After, or X-Rate-Limit-Reset on a 429) that is still
    /// honoured; a longer one ends the retries with the server's error. 15 minutes: trocco counts calls in
    /// 10-minute windows, so a 429 early in a window names a reset up to 10 minutes (plus clock skew) away.
    std::chrono::milliseconds max_server_wait = std::chrono::minutes{15};
};

/// What is being retried. A job-starting POST is never resent once it may have reached the server.
enum class request_kind {
    trigger,  // POST that starts a job: retried only when it surely did not start one (connect_failed, 429)
    read,     // GET: idempotent, retried on any transient failure
};

/// True for the HTTP statuses a GET is retried on: 408, 429, 500, 502, 503, 504.
constexpr bool is_retryable_status(int status) noexcept {
    return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

/// The full-jitter backoff before retry number `retry` (1 for the first retry); `random01` is uniform in [0, 1).
inline std::chrono::milliseconds backoff_delay(const retry_policy& policy, int retry, double random01) {
    const double base = static_cast<double>(policy.initial_backoff.count()) *
                        std::pow(std::max(policy.multiplier, 1.0), std::max(retry - 1, 0));
    const double cap = std::min(base, static_cast<double>(policy.max_backoff.count()));
    // The product in double, as the jitter is meant: uniform in [0, cap) at the resolution of a millisecond.
    return detail::milliseconds_from_count(std::floor(cap * std::clamp(random01, 0.0, 1.0)));
}

/// The delay the server asked for, if any: Retry-After (seconds or HTTP date) on any response, else
/// X-Rate-Limit-Reset on a 429 (measured from `wall_now`). A reset already past gives nothing (clock skew); a
/// malformed or negative value gives nothing. Values from the wire are untrusted: a delay beyond what milliseconds
/// can hold saturates at milliseconds::max() (a caller compares it with its own bound, never adds to it blindly).
inline std::optional<std::chrono::milliseconds> server_requested_delay(const http_response& response,
                                                                       std::chrono::system_clock::time_point wall_now) {
    const auto now = std::chrono::floor<std::chrono::seconds>(wall_now);
    if (const auto after = retry_after(response.headers, now)) return detail::saturating_milliseconds(*after);
    if (response.status == 429) {
        // Both are whole seconds within int64 (the parser takes at most 18 digits): the difference cannot overflow.
        if (const auto reset = parse_rate_limit(response.headers).reset; reset && *reset > now) {
            return detail::saturating_milliseconds(*reset - now);
        }
    }
    return std::nullopt;
}

/// Whether to send a request again after `outcome`, and after how long.
struct retry_decision {
    bool retry = false;  ///< whether to send again
    std::chrono::milliseconds delay{0};  ///< how long to wait first
};

/// Decides about retry number `attempts_made` (the sends so far, >= 1). Rules:
/// - a 2xx answer, or attempts used up: no retry;
/// - connect_failed (nothing was sent): retry, for any kind;
/// - transport_failure: retry a read; never a trigger (the client reports outcome_unknown);
/// - protocol_error (an answer that cannot be read, or that is about another job): retry a read; never a trigger;
/// - HTTP 429: retry, for any kind (the rate limiter rejected it: no job was started);
/// - HTTP 408, 500, 502, 503, 504: retry a read; never a trigger (it may have started a job);
/// - anything else (4xx, canceled, protocol errors): no retry.
/// The delay is what the server asked for (Retry-After; X-Rate-Limit-Reset on 429, plus up to initial_backoff
/// of jitter so waiters sharing an account do not all wake in the same instant), else full-jitter backoff.
/// A server wait longer than max_server_wait ends the retries.
inline retry_decision decide_retry(const retry_policy& policy, request_kind kind, const result<http_response>& outcome,
                                   int attempts_made, std::chrono::system_clock::time_point wall_now,
                                   double random01) {
    if (attempts_made >= policy.max_attempts) return {};
    if (!outcome) {
        const auto code = outcome.error().kind();
        const bool transient_read =
            kind == request_kind::read && (code == errc::transport_failure || code == errc::protocol_error);
        const bool retry = code == errc::connect_failed || transient_read;
        if (!retry) return {};
        return {true, backoff_delay(policy, attempts_made, random01)};
    }
    const int status = outcome->status;
    if (is_success_status(status)) return {};
    const bool retry = status == 429 || (kind == request_kind::read && is_retryable_status(status));
    if (!retry) return {};
    if (const auto asked = server_requested_delay(*outcome, wall_now)) {
        if (*asked > policy.max_server_wait) return {};
        // Jitter only on a reset time: every waiter of the account reads the same one. A Retry-After is per answer.
        const bool from_reset =
            !retry_after(outcome->headers, std::chrono::floor<std::chrono::seconds>(wall_now)).has_value();
        const auto jitter = from_reset ? detail::milliseconds_from_count(std::floor(
                                             static_cast<double>(policy.initial_backoff.count()) *
                                             std::clamp(random01, 0.0, 1.0)))
                                       : std::chrono::milliseconds{0};
        // *asked <= max_server_wait, which a user may set to milliseconds::max(): the sum saturates.
        return {true, detail::milliseconds_from_count(static_cast<long double>(asked->count()) +
                                                      static_cast<long double>(jitter.count()))};
    }
    return {true, backoff_delay(policy, attempts_made, random01)};
}

}  // namespace trocco
