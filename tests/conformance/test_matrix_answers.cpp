// tests/conformance/test_matrix_answers.cpp - the fault matrix, part 2 (docs/fault-matrix.md): the connection is
// up and the request went out; the server then breaks the answer (drops or resets the connection, truncates,
// garbles, trickles, floods), answers with an error or a rate limit, or answers about the wrong job.
//
// The rule every trigger cell checks: once the POST may have reached trocco, it is never sent again, and the
// outcome is outcome_unknown unless an answer proved what happened (a 429: refused; a 2xx: started). Every read
// cell: a GET is retried on any transient failure, and the error after the last attempt says what it was. Every
// wait cell: a transient fault on a poll does not end the wait.
#include "matrix.hpp"

#include <type_traits>

namespace conformance {
namespace {

using namespace matrix_vocabulary;
using trocco::testing::retry_after_form;
using kind = fault::kind;

/// The trigger may have started a job (it did: the fault comes after the server processed it): outcome_unknown,
/// one POST, one job.
expectation unknown_after_one_post(std::chrono::milliseconds at_least = 0ms, std::string message = {}) {
    return {.failure = errc::outcome_unknown, .posts = 1, .jobs = 1, .may_have_reached = true,
            .message_part = std::move(message), .at_least = at_least};
}
/// A read that failed on each of its 3 attempts.
expectation read_fails(errc e, std::chrono::milliseconds at_least = 0ms, std::string message = {}) {
    return {.failure = e, .gets = 3, .message_part = std::move(message), .at_least = at_least};
}
/// The wait went on through the fault and its job succeeded; the trigger went once.
expectation wait_succeeds(std::chrono::milliseconds at_least = 0ms) {
    return {.posts = 1, .jobs = 1, .at_least = at_least};
}

template <class H>
void broken_answers() {
    matrix::matrix<H> m{matrix_transport()};
    // Before the server read the request: no job, but the client cannot know that the request was not read.
    m.add({.name = "reset before the request was read", .inject = fault{.what = kind::reset_before_read},
           .trigger = expectation{.failure = errc::outcome_unknown, .posts = 0, .jobs = 0, .may_have_reached = true},
           .read = expectation{.failure = errc::transport_failure, .gets = 0}, .wait = wait_succeeds()});
    m.add({.name = "closed before the request was read", .inject = fault{.what = kind::close_before_read},
           .trigger = expectation{.failure = errc::outcome_unknown, .posts = 0, .jobs = 0, .may_have_reached = true},
           .read = expectation{.failure = errc::transport_failure, .gets = 0}, .wait = wait_succeeds()});
    m.add({.name = "reset after the request was read", .inject = fault{.what = kind::reset_after_read},
           .trigger = unknown_after_one_post(), .read = read_fails(errc::transport_failure),
           .wait = wait_succeeds()});
    m.add({.name = "closed after the request was read, no answer", .inject = fault{.what = kind::close_after_read},
           .trigger = unknown_after_one_post(), .read = read_fails(errc::transport_failure),
           .wait = wait_succeeds()});
    m.add({.name = "truncated body (Content-Length)", .inject = fault{.what = kind::truncated_body},
           .trigger = unknown_after_one_post(), .read = read_fails(errc::transport_failure),
           .wait = wait_succeeds()});
    m.add({.name = "truncated chunked body", .inject = fault{.what = kind::truncated_chunked},
           .trigger = unknown_after_one_post(), .read = read_fails(errc::transport_failure),
           .wait = wait_succeeds()});
    m.add({.name = "malformed status line", .inject = fault{.what = kind::malformed_status_line},
           .trigger = unknown_after_one_post(), .read = read_fails(errc::transport_failure),
           .wait = wait_succeeds()});
    m.add({.name = "malformed JSON body", .inject = fault{.what = kind::malformed_json},
           .trigger = unknown_after_one_post(), .read = read_fails(errc::protocol_error), .wait = wait_succeeds()});
    for (const auto& [name, statuses] : {std::pair<std::string, std::vector<int>>{"interim 100 Continue", {100}},
                                         {"interim 103 Early Hints", {103}},
                                         {"interim 100 then 103", {100, 103}}}) {
        m.add({.name = name, .inject = fault{.what = kind::interim_responses, .interim_statuses = statuses},
               .trigger = expectation{.posts = 1, .jobs = 1}, .read = expectation{.gets = 1},
               .wait = wait_succeeds()});
    }
    m.add({.name = "a byte a second (read timeout 1 s)", .inject = fault{.what = kind::trickle, .interval = 1000ms},
           .trigger = unknown_after_one_post(cell_timeout * 9 / 10),
           .read = read_fails(errc::transport_failure, cell_timeout * 27 / 10),
           .wait = wait_succeeds(cell_timeout * 9 / 10)});
    m.add({.name = "100 MB body (limit 4 MiB)", .inject = fault{.what = kind::huge_body},
           .trigger = unknown_after_one_post(0ms, "too large"),
           .read = read_fails(errc::transport_failure, 0ms, "too large"), .wait = wait_succeeds()});
    m.add({.name = "an answer about another job", .inject = fault{.what = kind::other_job},
           .read = read_fails(errc::protocol_error, 0ms, "9999"), .wait = wait_succeeds()});
    m.add({.name = "unknown status (paused)", .inject = fault{.what = kind::unknown_status, .status_text = "paused"},
           .wait_times = 2, .trigger = wait_succeeds(),
           .read = expectation{.gets = 1, .on_success = [](const trocco::job& j) {
                                   CHECK(j.status == trocco::job_status::unknown);
                                   CHECK(j.raw_status == "paused");
                               }},
           .wait = wait_succeeds()});
    m.add({.name = "absurd headers on a 200 (overflowing rate-limit values, huge Retry-After, 6,000-byte header)",
           .inject = fault{.what = kind::absurd_headers}, .trigger = wait_succeeds(),
           .read = expectation{.gets = 1}, .wait = wait_succeeds()});
    m.run();
}

template <class H>
void server_errors_and_rate_limits() {
    matrix::matrix<H> m{matrix_transport()};
    // 5xx: not processed, but the client cannot know: a trigger is never resent; a read is retried. The wait
    // cells put a burst of two on one poll.
    for (const int status : {500, 502, 503, 504}) {
        m.add({.name = "HTTP " + std::to_string(status), .inject = fault{.what = kind::http_status, .status = status},
               .wait_times = 2,
               .trigger = expectation{.failure = errc::outcome_unknown, .posts = 1, .jobs = 0, .http_status = status},
               .read = expectation{.failure = errc::server_error, .gets = 3, .http_status = status},
               .wait = wait_succeeds()});
    }
    // A poll whose every attempt fails ends the wait with the last error, the job's id attached.
    m.add({.name = "HTTP 503 on every poll", .inject = fault{.what = kind::http_status, .status = 503},
           .wait_times = -1,
           .wait = expectation{.failure = errc::server_error, .posts = 1, .gets = 3, .jobs = 1, .http_status = 503,
                               .names_the_job = true}});
    // The transports differ in one count here. asio puts the trigger's connection back in the pool, so the first
    // poll goes out on a reused connection; a reset before any byte of the answer is taken for a connection the
    // server had closed, and that GET is sent once more on a new one (transport_options.hpp): 4 GETs for 3
    // attempts. curl never reuses the POST's connection: 3 GETs.
    constexpr bool asio = std::is_same_v<H, asio_harness>;
    m.add({.name = "reset after the request was read, on every poll",
           .inject = fault{.what = kind::reset_after_read}, .wait_times = -1,
           .wait = expectation{.failure = errc::transport_failure, .posts = 1, .gets = asio ? 4 : 3, .jobs = 1,
                               .names_the_job = true}});
    // 429: the rate limiter refused it, so even a trigger is sent again, after the delay asked for when it is
    // valid and within retry_policy::max_server_wait (15 min); a longer one ends the retries at once.
    const auto retried_once = [](std::chrono::milliseconds at_least, std::chrono::milliseconds at_most) {
        return expectation{.posts = 2, .jobs = 1, .at_least = at_least, .at_most = at_most};
    };
    const auto read_retried_once = [](std::chrono::milliseconds at_least, std::chrono::milliseconds at_most) {
        return expectation{.gets = 2, .at_least = at_least, .at_most = at_most};
    };
    const fault limited{.what = kind::rate_limited};
    auto seconds = limited;
    seconds.retry_after_seconds = 1;
    m.add({.name = "429, Retry-After: 1 (seconds)", .inject = seconds, .read_times = 1,
           .trigger = retried_once(950ms, 3000ms), .read = read_retried_once(950ms, 3000ms),
           .wait = wait_succeeds(950ms)});
    auto date = limited;
    date.retry_after = retry_after_form::http_date;
    date.retry_after_seconds = 2;
    m.add({.name = "429, Retry-After as an HTTP date 2 s ahead", .inject = date, .read_times = 1,
           .trigger = retried_once(900ms, 4000ms), .read = read_retried_once(900ms, 4000ms),
           .wait = wait_succeeds(900ms)});
    const expectation refused_trigger{.failure = errc::rate_limited, .posts = 1, .jobs = 0, .http_status = 429,
                                      .at_most = 1500ms};
    const expectation refused_read{.failure = errc::rate_limited, .gets = 1, .http_status = 429, .at_most = 1500ms};
    const expectation refused_wait{.failure = errc::rate_limited, .posts = 1, .gets = 1, .http_status = 429,
                                   .at_most = 1500ms};
    auto huge = limited;
    huge.retry_after_text = "360287970191367680";
    m.add({.name = "429, Retry-After: 360287970191367680 (huge)", .inject = huge, .trigger = refused_trigger,
           .read = refused_read, .wait = refused_wait});
    // An unusable Retry-After is ignored; the reset in the past too: the client's own backoff (10..50 ms) applies.
    for (const auto& [name, text] : {std::pair<std::string, std::string>{"429, Retry-After: -5 (negative)", "-5"},
                                     {"429, Retry-After: soon (garbage)", "soon"}}) {
        auto bad = limited;
        bad.retry_after_text = text;
        bad.reset_after_seconds = -60;
        m.add({.name = name, .inject = bad, .read_times = 1, .trigger = retried_once(0ms, 900ms),
               .read = read_retried_once(0ms, 900ms), .wait = wait_succeeds()});
    }
    auto past = limited;
    past.retry_after = retry_after_form::omitted;
    past.reset_after_seconds = -30;
    m.add({.name = "429, X-Rate-Limit-Reset 30 s in the past (no Retry-After)", .inject = past, .read_times = 1,
           .trigger = retried_once(0ms, 900ms), .read = read_retried_once(0ms, 900ms), .wait = wait_succeeds()});
    auto soon = limited;
    soon.retry_after = retry_after_form::omitted;
    soon.reset_after_seconds = 2;
    m.add({.name = "429, X-Rate-Limit-Reset 2 s ahead (no Retry-After)", .inject = soon, .read_times = 1,
           .trigger = retried_once(900ms, 4000ms), .read = read_retried_once(900ms, 4000ms),
           .wait = wait_succeeds(900ms)});
    auto far = limited;
    far.retry_after = retry_after_form::omitted;
    far.reset_after_seconds = 100'000'000'000;  // some 3,000 years ahead
    m.add({.name = "429, X-Rate-Limit-Reset far in the future (no Retry-After)", .inject = far,
           .trigger = refused_trigger, .read = refused_read,
           .wait = refused_wait});
    m.run();
}

}  // namespace
}  // namespace conformance

TROCCO_CONFORMANCE_CASE("fault matrix: broken answers", conformance::broken_answers)
TROCCO_CONFORMANCE_CASE("fault matrix: server errors and rate limits", conformance::server_errors_and_rate_limits)
