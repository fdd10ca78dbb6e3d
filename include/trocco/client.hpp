// trocco/client.hpp - client<Transport>: start trocco jobs and workflows and wait for them to finish.
//
//     trocco::client client{transport, {.api_key = key}};
//     trocco::result<trocco::job> done = co_await client.run_and_wait({.job_definition_id = 42});
//
// The client is a thin loop over the sans-I/O core: request_builder makes the requests, response_parser reads
// the answers, retry_policy decides about retries and wait_options about polling; the transport does the I/O.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

#include "http.hpp"
#include "job.hpp"
#include "job_status.hpp"
#include "request_builder.hpp"
#include "requests.hpp"
#include "response_parser.hpp"
#include "result.hpp"
#include "retry_policy.hpp"
#include "task.hpp"
#include "transport.hpp"
#include "wait_options.hpp"

namespace trocco {

/// Settings of a client. `client_options{.api_key = key}` gives the documented defaults for the rest.
struct client_options {
    /// The trocco API key, sent only in the Authorization header and never put in an error message.
    std::string api_key = {};
    /// https://trocco.io (Japan); other regions: https://in.trocco.io, https://kr.trocco.io.
    std::string base_url = "https://trocco.io";
    /// How a failed request is retried (see retry_policy.hpp for the rules and defaults).
    retry_policy retry = {};
    /// Uniform random numbers in [0, 1) for the backoff and polling jitter. Empty: a built-in generator seeded
    /// from std::random_device. Set it to make delays reproducible in tests. It may be called from any thread the
    /// transport resumes on, so it must be thread-safe if those are several.
    std::function<double()> random = {};
};

namespace detail {

/// What differs between transfer jobs and workflow jobs, for the generic parts of the client.
template <class Job>
struct job_kind;

template <>
struct job_kind<job> {
    static constexpr std::string_view name = "transfer job";
    static result<http_request> get(const request_builder& b, std::int64_t id) { return b.get_job(id); }
    static result<job> parse(const http_response& r) { return parse_job_response(r); }
};

template <>
struct job_kind<workflow_job> {
    static constexpr std::string_view name = "workflow job";
    static result<http_request> get(const request_builder& b, std::int64_t id) { return b.get_workflow_job(id); }
    static result<workflow_job> parse(const http_response& r) { return parse_workflow_job_response(r); }
};

/// A thread-safe generator of uniform doubles in [0, 1): splitmix64 over an atomic counter.
class jitter_source {
public:
    jitter_source() : state_(seed()) {}
    double operator()() noexcept {
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
    std::atomic<std::uint64_t> state_;
};

}  // namespace detail

/// Starts jobs and workflows on trocco and waits for them, over any trocco::transport.
///
/// Lifetimes: the client keeps a reference to `transport`, which must outlive the client and every task the
/// client returned. The client copies its options; tasks take their arguments by value, so nothing the caller
/// passed needs to stay alive. A task must not outlive the client that made it.
///
/// Threads: one client may run many operations at once (its state is read-only but for an atomic jitter source).
/// Each task resumes where its transport resumes it (the asio transport: its executor; the curl transport: its
/// worker thread); callbacks in wait_options run there too.
///
/// Errors: every operation returns result<...>; nothing throws except what a user callback throws (which
/// propagates out of the co_await) and std::bad_alloc. No error message contains the API key.
template <class Transport>
class client {
    static_assert(detail::check_transport<Transport>());

public:
    /// A bad api_key or base_url is not thrown: every operation then returns that errc::invalid_argument error.
    client(Transport& transport, client_options options)
        : transport_(transport),
          builder_(request_builder::create(options.base_url, options.api_key)),
          retry_(options.retry),
          random_(std::move(options.random)) {}

    /// Starts a transfer job. Result: the job as the trigger answered it (status usually `queued`).
    /// Errors: invalid_argument; the API's errors (unauthorized, forbidden, not_found, bad_request,
    /// rate_limited after retries); connect_failed (after retries: no job was started); outcome_unknown (the
    /// request may have reached trocco: a job may or may not have been started; do not blindly rerun), carrying
    /// definition_id() and trigger_time(); canceled.
    /// Never sends the POST a second time once it may have reached the server.
    task<result<job>> run_job(run_job_request request, std::stop_token stop = {}) {
        auto built = builder_ ? builder_->run_job(request) : result<http_request>(builder_.error());
        auto outcome = co_await trigger<job>(std::move(built), request.job_definition_id, std::nullopt, stop);
        co_return redact(std::move(outcome));
    }

    /// Starts a workflow. Result and errors as for run_job.
    task<result<workflow_job>> run_workflow(run_workflow_request request, std::stop_token stop = {}) {
        auto built = builder_ ? builder_->run_workflow(request) : result<http_request>(builder_.error());
        auto outcome =
            co_await trigger<workflow_job>(std::move(built), request.workflow_definition_id, std::nullopt, stop);
        co_return redact(std::move(outcome));
    }

    /// Reads a transfer job once (transient failures retried per the retry policy).
    task<result<job>> get_job(std::int64_t job_id, std::stop_token stop = {}) {
        auto outcome = co_await fetch<job>(job_id, std::nullopt, stop);
        co_return redact(std::move(outcome));
    }

    /// Reads a workflow job once.
    task<result<workflow_job>> get_workflow_job(std::int64_t workflow_job_id, std::stop_token stop = {}) {
        auto outcome = co_await fetch<workflow_job>(workflow_job_id, std::nullopt, stop);
        co_return redact(std::move(outcome));
    }

    /// Starts a transfer job and waits until it finishes.
    /// Result: the finished job, when it `succeeded`.
    /// Errors: those of run_job, before a job id is known; afterwards every error carries job_id():
    ///   job_failed / job_canceled / job_skipped - the job ended so; last_job() is the final job;
    ///   wait_timeout - options.timeout passed; last_job() is the last job seen; it keeps running on trocco;
    ///   canceled - options.stop_token was triggered; the job keeps running on trocco;
    ///   unauthorized, forbidden, not_found, server_error, connect_failed, transport_failure, protocol_error -
    ///   polling failed (after the retry policy's retries); the job may still be running.
    /// Resumes on the transport's completion context. Stop it with options.stop_token; trocco has no API to
    /// cancel a job, so stopping a wait never stops the job.
    task<result<job>> run_and_wait(run_job_request request, wait_options options = {}) {
        auto built = builder_ ? builder_->run_job(request) : result<http_request>(builder_.error());
        auto outcome = co_await trigger_and_wait<job>(std::move(built), request.job_definition_id, std::move(options));
        co_return redact(std::move(outcome));
    }

    /// Starts a workflow and waits until it finishes; as run_and_wait for transfer jobs. A workflow's `error`
    /// is final only once confirmed (wait_options::error_confirmations), since an automatic retry may follow.
    task<result<workflow_job>> run_and_wait(run_workflow_request request, wait_options options = {}) {
        auto built = builder_ ? builder_->run_workflow(request) : result<http_request>(builder_.error());
        auto outcome = co_await trigger_and_wait<workflow_job>(std::move(built), request.workflow_definition_id,
                                                               std::move(options));
        co_return redact(std::move(outcome));
    }

    /// Re-attaches to a transfer job started earlier (by another process, or before a crash) and waits until it
    /// finishes. It polls at once, then on options.poll. Result and errors as for run_and_wait.
    task<result<job>> wait_job(std::int64_t job_id, wait_options options = {}) {
        auto outcome = co_await attach_and_wait<job>(job_id, std::move(options));
        co_return redact(std::move(outcome));
    }

    /// Re-attaches to a workflow job; as wait_job.
    task<result<workflow_job>> wait_workflow_job(std::int64_t workflow_job_id, wait_options options = {}) {
        auto outcome = co_await attach_and_wait<workflow_job>(workflow_job_id, std::move(options));
        co_return redact(std::move(outcome));
    }

private:
    using clock = std::chrono::steady_clock;
    using deadline_type = std::optional<clock::time_point>;

    double random() { return random_ ? random_() : jitter_(); }

    /// `now + d`, saturated at the clock's end: `timeout = std::chrono::milliseconds::max()` means "no limit", not
    /// a signed overflow (the clock counts nanoseconds) that would end the wait at once.
    static clock::time_point time_after(clock::time_point now, std::chrono::milliseconds d) {
        const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(clock::time_point::max() -
                                                                                std::max(now, clock::time_point{}));
        return d >= room ? clock::time_point::max() : now + d;
    }

    /// The API key must not leave the client inside an error: a server may echo it in a message.
    template <class T>
    result<T> redact(result<T> r) const {
        if (r || !builder_) return r;
        auto e = std::move(r).error();
        std::string clean = builder_->redact(e.message());
        return std::move(e).with_message(std::move(clean));
    }

    static error canceled_error() { return error{errc::canceled, "stopped before the request was sent"}; }

    /// Sends one request, retried according to the retry policy and bounded by `deadline`. Returns the last
    /// answer (any status) or the last transport error.
    task<result<http_response>> send_with_retries(http_request request, request_kind kind, deadline_type deadline,
                                                  std::stop_token stop) {
        for (int attempt = 1;; ++attempt) {
            if (stop.stop_requested()) co_return canceled_error();
            auto outcome = co_await transport_.send(request, stop);
            // A canceled send ends here, before the transport is touched again: a transport being destroyed
            // cancels its operations, and the client must not call into it afterwards.
            if (!outcome && outcome.error().kind() == errc::canceled) co_return outcome;
            const auto decision = decide_retry(retry_, kind, outcome, attempt, detail::system_now(transport_), random());
            if (!decision.retry) co_return outcome;
            if (deadline && transport_.now() + decision.delay > *deadline) co_return outcome;
            auto slept = co_await transport_.sleep_for(decision.delay, stop);
            if (!slept) co_return std::move(slept).error();
        }
    }

    /// The POST that starts a job: sent again only when it surely started nothing (see decide_retry).
    template <class Job>
    task<result<Job>> trigger(result<http_request> request, std::int64_t definition_id, deadline_type deadline,
                              std::stop_token stop) {
        if (!request) co_return std::move(request).error();
        const auto sent_at = detail::system_now(transport_);
        const bool stopped_before = stop.stop_requested();
        auto outcome = co_await send_with_retries(std::move(*request), request_kind::trigger, deadline, stop);
        auto started = trigger_outcome<Job>(std::move(outcome), stopped_before);
        if (!started) co_return std::move(started).error().with_definition_id(definition_id).with_trigger_time(sent_at);
        co_return started;
    }

    /// What a trigger's last answer means: a job, a definite refusal, or an unknown outcome.
    template <class Job>
    static result<Job> trigger_outcome(result<http_response> outcome, bool stopped_before) {
        constexpr std::string_view unknown = "a job may or may not have been started; check trocco before running "
                                             "it again";
        if (!outcome) {
            const error& e = outcome.error();
            if (e.kind() == errc::transport_failure) {
                return error{errc::outcome_unknown, "the trigger request failed after it may have reached trocco (" +
                                                        e.message() + "): " + std::string(unknown)};
            }
            if (e.kind() == errc::canceled && !stopped_before) {
                return error{errc::canceled,
                             "stopped while the trigger request was in flight: " + std::string(unknown)};
            }
            return std::move(outcome).error();
        }
        const http_response& response = *outcome;
        if (response.status >= 500 || response.status == 408) {
            return error{errc::outcome_unknown,
                         "trocco answered " + status_line(response.status) + " to the trigger: " + std::string(unknown),
                         response.status};
        }
        auto parsed = detail::job_kind<Job>::parse(response);
        if (!parsed && parsed.error().kind() == errc::protocol_error) {
            return error{errc::outcome_unknown, "the trigger was accepted but its answer is unreadable (" +
                                                    parsed.error().message() + "): " + std::string(unknown),
                         response.status};
        }
        return parsed;
    }

    /// One GET of a job, with retries; errors carry the job id.
    template <class Job>
    task<result<Job>> fetch(std::int64_t id, deadline_type deadline, std::stop_token stop) {
        if (!builder_) co_return builder_.error();
        auto request = detail::job_kind<Job>::get(*builder_, id);
        if (!request) co_return std::move(request).error();
        auto outcome = co_await send_with_retries(std::move(*request), request_kind::read, deadline, stop);
        if (!outcome) co_return std::move(outcome).error().with_job_id(id);
        auto parsed = detail::job_kind<Job>::parse(*outcome);
        if (!parsed) co_return std::move(parsed).error().with_job_id(id);
        co_return parsed;
    }

    template <class Job>
    task<result<Job>> trigger_and_wait(result<http_request> request, std::int64_t definition_id,
                                       wait_options options) {
        if (auto ok = check_options<Job>(options); !ok) co_return std::move(ok).error();
        const auto deadline = time_after(transport_.now(), options.timeout);
        auto started = co_await trigger<Job>(std::move(request), definition_id, deadline, options.stop_token);
        if (!started) co_return started;
        if (options.on_triggered) options.on_triggered(started->id);
        const auto grace_until = time_after(transport_.now(), options.not_found_grace);
        auto outcome = co_await wait_loop<Job>(started->id, std::move(*started), deadline, grace_until, options);
        co_return outcome;
    }

    template <class Job>
    task<result<Job>> attach_and_wait(std::int64_t id, wait_options options) {
        if (auto ok = check_options<Job>(options); !ok) co_return std::move(ok).error();
        const auto deadline = time_after(transport_.now(), options.timeout);
        auto outcome = co_await wait_loop<Job>(id, std::nullopt, deadline, std::nullopt, options);
        co_return outcome;
    }

    template <class Job>
    static result<void> check_options(const wait_options& options) {
        if (options.on_status_change && !options.on_status_change.template accepts<Job>()) {
            return error{errc::invalid_argument, "wait_options.on_status_change does not accept a trocco::" +
                                                     std::string(std::is_same_v<Job, job> ? "job" : "workflow_job")};
        }
        if (options.timeout <= std::chrono::milliseconds{0}) {
            return error{errc::invalid_argument, "wait_options.timeout must be positive"};
        }
        if (options.poll.first_delay <= std::chrono::milliseconds{0} || options.poll.growth < 1.0) {
            return error{errc::invalid_argument,
                         "wait_options.poll needs first_delay > 0 and growth >= 1 (a zero delay would burn the "
                         "rate limit)"};
        }
        if (options.error_confirmations < 0) {
            return error{errc::invalid_argument, "wait_options.error_confirmations must be >= 0"};
        }
        return {};
    }

    /// Polls job `id` until it finishes, the deadline passes, or the wait is stopped. `seen` is the job as the
    /// trigger answered (nullopt when re-attaching: then the first poll is immediate). 404s before
    /// `not_found_until` are taken as "not visible yet".
    template <class Job>
    task<result<Job>> wait_loop(std::int64_t id, std::optional<Job> seen, clock::time_point deadline,
                                std::optional<clock::time_point> not_found_until, wait_options options) {
        constexpr std::string_view kind = detail::job_kind<Job>::name;
        const std::string what = std::string(kind) + " " + std::to_string(id);
        const auto with_context = [&](error e) {
            if (seen) return std::move(e).with_last_job(*seen);
            return std::move(e).with_job_id(id);
        };
        if (seen) notify(options, *seen);

        int poll = 0;
        int confirmations = 0;
        bool looked = false;
        for (;;) {
            std::chrono::milliseconds delay{0};
            if (seen && is_terminal(seen->status)) {
                const bool confirm = std::is_same_v<Job, workflow_job> && seen->status == job_status::error &&
                                     confirmations < options.error_confirmations;
                if (!confirm) co_return finished(std::move(*seen), what);
                ++confirmations;
                delay = options.error_confirmation_delay;
            } else if (seen || looked) {
                confirmations = 0;
                delay = poll_delay(options.poll, poll++, random());
            } else {
                // Re-attaching: look at once; after that first look the schedule starts from its first delay, as
                // it does after a trigger's answer.
                looked = true;
            }

            const auto now = transport_.now();
            if (now >= deadline) co_return with_context(timeout_error(what, seen, options.timeout));
            if (delay > deadline - now) delay = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
            if (delay > std::chrono::milliseconds{0}) {
                auto slept = co_await transport_.sleep_for(delay, options.stop_token);
                if (!slept) co_return with_context(stopped_error(std::move(slept).error(), what));
            }

            auto fetched = co_await fetch<Job>(id, deadline, options.stop_token);
            if (!fetched) {
                const bool not_visible_yet = fetched.error().kind() == errc::not_found && not_found_until &&
                                             transport_.now() < *not_found_until;
                if (not_visible_yet) continue;
                if (fetched.error().kind() == errc::canceled) {
                    co_return with_context(stopped_error(std::move(fetched).error(), what));
                }
                co_return with_context(std::move(fetched).error().prefix_message("polling " + what + ": "));
            }
            if (!seen || fetched->raw_status != seen->raw_status) notify(options, *fetched);
            seen = std::move(*fetched);
            if (!is_terminal(seen->status) && transport_.now() >= deadline) {
                co_return with_context(timeout_error(what, seen, options.timeout));
            }
        }
    }

    template <class Job>
    static void notify(const wait_options& options, const Job& j) {
        if (options.on_status_change) options.on_status_change(j);
    }

    template <class Job>
    static result<Job> finished(Job j, const std::string& what) {
        switch (j.status) {
            case job_status::succeeded: return j;
            case job_status::error:
                return error{errc::job_failed, what + " ended in error"}.with_last_job(std::move(j));
            case job_status::canceled:
                return error{errc::job_canceled, what + " was canceled"}.with_last_job(std::move(j));
            default:
                return error{errc::job_skipped, what + " was skipped"}.with_last_job(std::move(j));
        }
    }

    template <class Job>
    static error timeout_error(const std::string& what, const std::optional<Job>& seen,
                               std::chrono::milliseconds timeout) {
        const std::string status = seen ? " (last status: " + seen->raw_status + ")" : "";
        return error{errc::wait_timeout,
                     "gave up waiting for " + what + " after " +
                         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s" +
                         status + "; it may still be running on trocco"};
    }

    static error stopped_error(error e, const std::string& what) {
        if (e.kind() != errc::canceled) return e;
        return error{errc::canceled, "wait for " + what + " stopped; the job may still be running on trocco"};
    }

    Transport& transport_;
    result<request_builder> builder_;
    retry_policy retry_;
    std::function<double()> random_;
    detail::jitter_source jitter_;
};

}  // namespace trocco
