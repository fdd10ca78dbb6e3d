// retry_policy: decide_retry's rules for each kind of request and outcome, the server-requested delays
// (Retry-After as seconds or HTTP date, X-Rate-Limit-Reset on 429 plus jitter, max_server_wait), and the
// full-jitter backoff with its cap.
#include <chrono>
#include <string>
#include <vector>

#include "support.hpp"

namespace {

using namespace client_test;
using trocco::decide_retry;
using trocco::http_header;
using trocco::http_response;
using trocco::request_kind;
using trocco::retry_policy;

const std::chrono::system_clock::time_point wall_now = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1};

result<http_response> answer(int status, std::vector<http_header> headers = {}) {
    return http_response{status, std::move(headers), ""};
}

result<http_response> failure(errc code) { return trocco::error{code, "transport said no"}; }

long long delay_ms(const trocco::retry_decision& d) { return static_cast<long long>(d.delay.count()); }

}  // namespace

TEST_CASE("retry policy defaults", "[retry]") {
    const retry_policy p;
    CHECK(p.max_attempts == 6);
    CHECK(p.initial_backoff == 1s);
    CHECK(p.multiplier == 2.0);
    CHECK(p.max_backoff == 30s);
    CHECK(p.max_server_wait == 15min);
}

TEST_CASE("is_retryable_status: 408, 429, 500, 502, 503, 504 and nothing else", "[retry]") {
    for (int s : {408, 429, 500, 502, 503, 504}) {
        CAPTURE(s);
        CHECK(trocco::is_retryable_status(s));
    }
    for (int s : {200, 201, 204, 301, 400, 401, 403, 404, 409, 422, 501, 505, 599}) {
        CAPTURE(s);
        CHECK_FALSE(trocco::is_retryable_status(s));
    }
}

TEST_CASE("decide_retry: a success is never retried", "[retry]") {
    const retry_policy p;
    for (auto kind : {request_kind::read, request_kind::trigger}) {
        for (int s : {200, 201, 204}) {
            CAPTURE(s);
            CHECK_FALSE(decide_retry(p, kind, answer(s), 1, wall_now, 0.5).retry);
        }
    }
}

TEST_CASE("decide_retry: connect_failed is retried for triggers and reads", "[retry]") {
    const retry_policy p;
    for (auto kind : {request_kind::read, request_kind::trigger}) {
        const auto d = decide_retry(p, kind, failure(errc::connect_failed), 1, wall_now, 0.5);
        CHECK(d.retry);
        CHECK(delay_ms(d) == 500);  // full jitter of the first backoff (1 s) at random 0.5
        const auto d3 = decide_retry(p, kind, failure(errc::connect_failed), 3, wall_now, 0.5);
        CHECK(d3.retry);
        CHECK(delay_ms(d3) == 2000);  // third retry: half of 4 s
    }
}

TEST_CASE("decide_retry: transport_failure is retried for a read, never for a trigger", "[retry]") {
    const retry_policy p;
    const auto read = decide_retry(p, request_kind::read, failure(errc::transport_failure), 1, wall_now, 0.5);
    CHECK(read.retry);
    CHECK(delay_ms(read) == 500);
    for (int attempts = 1; attempts < p.max_attempts; ++attempts) {
        CAPTURE(attempts);
        CHECK_FALSE(decide_retry(p, request_kind::trigger, failure(errc::transport_failure), attempts, wall_now, 0.5)
                        .retry);
    }
}

TEST_CASE("decide_retry: an unreadable answer (protocol_error) is retried for a read, never for a trigger",
          "[retry]") {
    // Issue 10 item 9: a 200 whose body cannot be parsed during polling is a transient failure of that read.
    const retry_policy p;
    const auto read = decide_retry(p, request_kind::read, failure(errc::protocol_error), 1, wall_now, 0.5);
    CHECK(read.retry);
    CHECK(delay_ms(read) == 500);
    CHECK_FALSE(decide_retry(p, request_kind::read, failure(errc::protocol_error), 6, wall_now, 0.5).retry);
    CHECK_FALSE(decide_retry(p, request_kind::trigger, failure(errc::protocol_error), 1, wall_now, 0.5).retry);
}

TEST_CASE("decide_retry: other transport errors are not retried", "[retry]") {
    const retry_policy p;
    for (auto code : {errc::canceled, errc::invalid_argument, errc::http_error}) {
        CAPTURE(trocco::to_string(code));
        CHECK_FALSE(decide_retry(p, request_kind::read, failure(code), 1, wall_now, 0.5).retry);
        CHECK_FALSE(decide_retry(p, request_kind::trigger, failure(code), 1, wall_now, 0.5).retry);
    }
}

TEST_CASE("decide_retry: statuses retried for a read, and only 429 for a trigger", "[retry]") {
    const retry_policy p;
    for (int s : {408, 429, 500, 502, 503, 504}) {
        CAPTURE(s);
        const auto read = decide_retry(p, request_kind::read, answer(s), 1, wall_now, 0.5);
        CHECK(read.retry);
        CHECK(delay_ms(read) == 500);
        const auto trigger = decide_retry(p, request_kind::trigger, answer(s), 1, wall_now, 0.5);
        CHECK(trigger.retry == (s == 429));
    }
}

TEST_CASE("decide_retry: 400, 401, 403, 404, 422 (and other statuses) are never retried", "[retry]") {
    const retry_policy p;
    for (int s : {400, 401, 403, 404, 409, 422, 501, 302}) {
        CAPTURE(s);
        CHECK_FALSE(decide_retry(p, request_kind::read, answer(s), 1, wall_now, 0.5).retry);
        CHECK_FALSE(decide_retry(p, request_kind::trigger, answer(s), 1, wall_now, 0.5).retry);
        // Not even when the server asks for a delay.
        CHECK_FALSE(decide_retry(p, request_kind::read, answer(s, {{"Retry-After", "1"}}), 1, wall_now, 0.5).retry);
    }
}

TEST_CASE("decide_retry: no retry once the attempts are used up", "[retry]") {
    retry_policy p;
    p.max_attempts = 3;
    CHECK(decide_retry(p, request_kind::read, answer(503), 1, wall_now, 0.5).retry);
    CHECK(decide_retry(p, request_kind::read, answer(503), 2, wall_now, 0.5).retry);
    CHECK_FALSE(decide_retry(p, request_kind::read, answer(503), 3, wall_now, 0.5).retry);
    CHECK_FALSE(decide_retry(p, request_kind::read, answer(503), 4, wall_now, 0.5).retry);
    CHECK_FALSE(decide_retry(p, request_kind::trigger, failure(errc::connect_failed), 3, wall_now, 0.5).retry);
    CHECK_FALSE(decide_retry(p, request_kind::trigger, answer(429, {{"Retry-After", "1"}}), 3, wall_now, 0.5).retry);

    p.max_attempts = 1;  // retries disabled
    CHECK_FALSE(decide_retry(p, request_kind::read, failure(errc::connect_failed), 1, wall_now, 0.5).retry);
    CHECK_FALSE(decide_retry(p, request_kind::read, answer(429), 1, wall_now, 0.5).retry);
}

TEST_CASE("decide_retry: Retry-After in seconds is honoured exactly, without jitter", "[retry]") {
    const retry_policy p;
    for (double r : {0.0, 0.5, 0.999}) {
        CAPTURE(r);
        const auto d = decide_retry(p, request_kind::read, answer(503, {{"Retry-After", "7"}}), 1, wall_now, r);
        CHECK(d.retry);
        CHECK(delay_ms(d) == 7000);
        const auto t = decide_retry(p, request_kind::trigger, answer(429, {{"retry-after", "12"}}), 2, wall_now, r);
        CHECK(t.retry);
        CHECK(delay_ms(t) == 12000);
    }
    // A trigger answered 503 is still not retried, whatever the server asks.
    CHECK_FALSE(decide_retry(p, request_kind::trigger, answer(503, {{"Retry-After", "7"}}), 1, wall_now, 0.5).retry);
    // Retry-After: 0 retries at once.
    const auto zero = decide_retry(p, request_kind::read, answer(503, {{"Retry-After", "0"}}), 1, wall_now, 0.5);
    CHECK(zero.retry);
    CHECK(delay_ms(zero) == 0);
}

TEST_CASE("decide_retry: Retry-After as an HTTP date is measured from the wall clock", "[retry]") {
    const retry_policy p;
    // wall_now is Thu, 01 Jan 2026 00:00:00 GMT.
    const auto later = decide_retry(p, request_kind::read, answer(503, {{"Retry-After", "Thu, 01 Jan 2026 00:00:30 GMT"}}),
                                    1, wall_now, 0.5);
    CHECK(later.retry);
    CHECK(delay_ms(later) == 30000);
    // Sub-second wall time: measured from the whole second.
    const auto later2 = decide_retry(p, request_kind::read,
                                     answer(429, {{"Retry-After", "Thu, 01 Jan 2026 00:01:00 GMT"}}), 1,
                                     wall_now + 400ms, 0.5);
    CHECK(delay_ms(later2) == 60000);
    // A date already past: retry at once.
    const auto past = decide_retry(p, request_kind::read, answer(503, {{"Retry-After", "Wed, 31 Dec 2025 23:00:00 GMT"}}),
                                   1, wall_now, 0.5);
    CHECK(past.retry);
    CHECK(delay_ms(past) == 0);
    // Malformed: the ordinary backoff.
    const auto bad = decide_retry(p, request_kind::read, answer(503, {{"Retry-After", "soon"}}), 1, wall_now, 0.5);
    CHECK(bad.retry);
    CHECK(delay_ms(bad) == 500);
}

TEST_CASE("decide_retry: X-Rate-Limit-Reset on a 429, plus up to initial_backoff of jitter", "[retry]") {
    const retry_policy p;
    const std::vector<http_header> reset_in_20s{{"X-Rate-Limit-Limit", "3500"},
                                                {"X-Rate-Limit-Remaining", "0"},
                                                {"X-Rate-Limit-Reset", unix_seconds(wall_now + 20s)}};
    const auto low = decide_retry(p, request_kind::read, answer(429, reset_in_20s), 1, wall_now, 0.0);
    CHECK(low.retry);
    CHECK(delay_ms(low) == 20000);
    const auto mid = decide_retry(p, request_kind::trigger, answer(429, reset_in_20s), 1, wall_now, 0.5);
    CHECK(mid.retry);
    CHECK(delay_ms(mid) == 20500);
    const auto high = decide_retry(p, request_kind::read, answer(429, reset_in_20s), 1, wall_now, 0.999);
    CHECK(high.retry);
    CHECK(delay_ms(high) == 20999);
    for (double r : {0.0, 0.1, 0.5, 0.9, 0.999}) {
        CAPTURE(r);
        const auto d = decide_retry(p, request_kind::read, answer(429, reset_in_20s), 1, wall_now, r);
        CHECK(d.delay >= 20s);
        CHECK(d.delay < 21s);
    }

    SECTION("ignored on other statuses") {
        const auto d = decide_retry(p, request_kind::read, answer(503, reset_in_20s), 1, wall_now, 0.5);
        CHECK(d.retry);
        CHECK(delay_ms(d) == 500);
    }
    SECTION("a reset already past falls back to the backoff") {
        const std::vector<http_header> past{{"X-Rate-Limit-Reset", unix_seconds(wall_now - 5s)}};
        const auto d = decide_retry(p, request_kind::read, answer(429, past), 2, wall_now, 0.5);
        CHECK(d.retry);
        CHECK(delay_ms(d) == 1000);
    }
    SECTION("Retry-After wins over X-Rate-Limit-Reset, without jitter") {
        auto both = reset_in_20s;
        both.push_back({"Retry-After", "3"});
        const auto d = decide_retry(p, request_kind::read, answer(429, both), 1, wall_now, 0.999);
        CHECK(delay_ms(d) == 3000);
    }
    SECTION("jitter scales with initial_backoff") {
        retry_policy q;
        q.initial_backoff = 200ms;
        const auto d = decide_retry(q, request_kind::read, answer(429, reset_in_20s), 1, wall_now, 0.5);
        CHECK(delay_ms(d) == 20100);
    }
}

TEST_CASE("decide_retry: a server wait beyond max_server_wait ends the retries", "[retry]") {
    retry_policy p;
    p.max_server_wait = 600s;
    const auto at_limit = decide_retry(p, request_kind::read, answer(503, {{"Retry-After", "600"}}), 1, wall_now, 0.5);
    CHECK(at_limit.retry);
    CHECK(delay_ms(at_limit) == 600000);
    CHECK_FALSE(decide_retry(p, request_kind::read, answer(503, {{"Retry-After", "601"}}), 1, wall_now, 0.5).retry);
    CHECK_FALSE(decide_retry(p, request_kind::trigger, answer(429, {{"Retry-After", "3600"}}), 1, wall_now, 0.5).retry);
    const std::vector<http_header> far_reset{{"X-Rate-Limit-Reset", unix_seconds(wall_now + 11min)}};
    CHECK_FALSE(decide_retry(p, request_kind::read, answer(429, far_reset), 1, wall_now, 0.0).retry);
    const auto date = decide_retry(p, request_kind::read, answer(503, {{"Retry-After", "Thu, 01 Jan 2026 01:00:00 GMT"}}),
                                   1, wall_now, 0.5);
    CHECK_FALSE(date.retry);
}

TEST_CASE("backoff_delay: full jitter below min(max_backoff, initial * multiplier^(n-1))", "[retry]") {
    const retry_policy p;
    std::vector<long long> half;
    std::vector<long long> top;
    std::vector<long long> bottom;
    for (int n = 1; n <= 8; ++n) {
        half.push_back(trocco::backoff_delay(p, n, 0.5).count());
        top.push_back(trocco::backoff_delay(p, n, 0.999).count());
        bottom.push_back(trocco::backoff_delay(p, n, 0.0).count());
    }
    CHECK(half == std::vector<long long>{500, 1000, 2000, 4000, 8000, 15000, 15000, 15000});
    CHECK(top == std::vector<long long>{999, 1998, 3996, 7992, 15984, 29970, 29970, 29970});
    CHECK(bottom == std::vector<long long>{0, 0, 0, 0, 0, 0, 0, 0});

    for (int n = 1; n <= 40; ++n) {
        const auto ceiling = std::min<long long>(30000, 1000LL << std::min(n - 1, 20));
        for (double r : {0.0, 0.25, 0.5, 0.75, 0.999}) {
            CAPTURE(n, r);
            const auto d = trocco::backoff_delay(p, n, r).count();
            CHECK(d >= 0);
            CHECK(d < ceiling);
        }
    }
}

TEST_CASE("backoff_delay: the cap, and odd inputs", "[retry]") {
    retry_policy p;
    p.initial_backoff = 100ms;
    p.multiplier = 10.0;
    p.max_backoff = 2s;
    CHECK(trocco::backoff_delay(p, 1, 0.5).count() == 50);
    CHECK(trocco::backoff_delay(p, 2, 0.5).count() == 500);
    CHECK(trocco::backoff_delay(p, 3, 0.5).count() == 1000);  // 10 s capped to 2 s
    CHECK(trocco::backoff_delay(p, 3, 0.999).count() == 1998);
    CHECK(trocco::backoff_delay(p, 1000, 0.999).count() == 1998);  // huge exponent: still the cap
    // Out-of-range random values are clamped into [0, 1]: never negative, never beyond the cap.
    CHECK(trocco::backoff_delay(p, 3, -1.0).count() == 0);
    CHECK(trocco::backoff_delay(p, 3, 7.0).count() == 2000);
    // A multiplier below 1 does not shrink the backoff; retry numbers below 1 count as the first.
    p.multiplier = 0.5;
    CHECK(trocco::backoff_delay(p, 5, 0.5).count() == 50);
    p.multiplier = 2.0;
    CHECK(trocco::backoff_delay(p, 0, 0.5).count() == 50);
}
