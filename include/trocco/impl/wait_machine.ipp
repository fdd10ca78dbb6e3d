// trocco/impl/wait_machine.ipp - the bodies of wait_machine (header-only mode: included by wait_machine.hpp;
// separately compiled: by src/trocco.cpp).
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <variant>

#include "../context_time.hpp"
#include "../detail/saturate.hpp"
#include "../http_status.hpp"
#include "../job_status.hpp"
#include "../poll_schedule.hpp"
#include "../rate_limit.hpp"
#include "../response_parser.hpp"
#include "../wait_machine.hpp"

namespace trocco {

namespace detail {

inline std::int64_t id_of(const any_job& j) noexcept {
    return std::visit([](const auto& one) { return one.id; }, j);
}
inline const std::string& raw_status_of(const any_job& j) noexcept {
    return std::visit([](const auto& one) -> const std::string& { return one.raw_status; }, j);
}
inline job_status status_of(const any_job& j) noexcept {
    return std::visit([](const auto& one) { return one.status; }, j);
}
inline std::int64_t definition_of(const any_job& j) noexcept {
    return std::visit(
        [](const auto& one) -> std::int64_t {
            using model = std::decay_t<decltype(one)>;
            if constexpr (std::is_same_v<model, job>) {
                return one.job_definition_id;
            } else if constexpr (std::is_same_v<model, workflow_job>) {
                return one.workflow_definition_id;
            } else {
                return one.datamart_definition_id;
            }
        },
        j);
}

inline constexpr std::string_view maybe_started =
    "a job may or may not have been started; check trocco before running it again";

inline std::string path_of(const http_request& request, const request_builder& builder) {
    const std::string& base = builder.base_url();
    if (request.url.compare(0, base.size(), base) == 0) return request.url.substr(base.size());
    return request.url;
}

}  // namespace detail

// ---- construction -----------------------------------------------------------------------------------------------

TROCCO_DECL wait_machine::wait_machine(wait_context context, mode m, job_kind kind, wait_options options)
    : context_(context), options_(std::move(options)), mode_(m), kind_(kind) {}

TROCCO_DECL wait_machine wait_machine::trigger_only(wait_context context, job_kind kind, http_request trigger,
                                                    std::int64_t definition_id, std::stop_token stop) {
    wait_options options;
    options.stop_token = std::move(stop);
    wait_machine m(context, mode::trigger_only, kind, std::move(options));
    m.request_ = detail::packed_request(trigger);
    m.definition_id_ = definition_id;
    return m;
}

TROCCO_DECL wait_machine wait_machine::trigger_and_wait(wait_context context, job_kind kind, http_request trigger,
                                                        std::int64_t definition_id, wait_options options) {
    wait_machine m(context, mode::trigger_and_wait, kind, std::move(options));
    m.request_ = detail::packed_request(trigger);
    m.definition_id_ = definition_id;
    return m;
}

TROCCO_DECL wait_machine wait_machine::attach(wait_context context, job_kind kind, std::int64_t job_id,
                                              wait_options options, std::int64_t definition_id, bool recorded) {
    wait_machine m(context, mode::attach, kind, std::move(options));
    m.job_id_ = job_id;
    m.definition_id_ = definition_id;
    m.announce_attach_ = recorded;
    return m;
}

TROCCO_DECL wait_machine wait_machine::reconcile_and_wait(wait_context context, job_kind kind,
                                                          std::int64_t definition_id,
                                                          wall_clock::time_point trigger_time, wait_options options) {
    wait_machine m(context, mode::reconcile, kind, std::move(options));
    m.definition_id_ = definition_id;
    m.trigger_wall_ = trigger_time;
    return m;
}

TROCCO_DECL wait_machine wait_machine::read_once(wait_context context, job_kind kind, std::int64_t job_id,
                                                 std::stop_token stop) {
    wait_options options;
    options.stop_token = std::move(stop);
    wait_machine m(context, mode::read_once, kind, std::move(options));
    m.job_id_ = job_id;
    return m;
}

TROCCO_DECL wait_machine wait_machine::fetch(wait_context context, http_request request, std::stop_token stop) {
    wait_options options;
    options.stop_token = std::move(stop);
    wait_machine m(context, mode::fetch, job_kind::transfer, std::move(options));
    m.request_ = detail::packed_request(request);
    return m;
}

TROCCO_DECL wait_machine wait_machine::failed(wait_context context, error e) {
    wait_machine m(context, mode::failed, job_kind::transfer, {});
    m.failure_.emplace(std::move(e));
    return m;
}

// ---- start ------------------------------------------------------------------------------------------------------

TROCCO_DECL void wait_machine::start(clock::time_point now, wall_clock::time_point wall_now) {
    started_at_ = now;
    if (mode_ == mode::failed) return finish(std::move(*failure_), now);
    const bool waits = mode_ == mode::trigger_and_wait || mode_ == mode::attach || mode_ == mode::reconcile;
    if (waits) {
        const wait_options& o = options_;
        const char* invalid = nullptr;
        if (o.timeout <= std::chrono::milliseconds{0}) {
            invalid = "wait_options.timeout must be positive";
        } else if (o.poll.first_delay <= std::chrono::milliseconds{0} || !(o.poll.growth >= 1.0)) {
            invalid = "wait_options.poll needs first_delay > 0 and growth >= 1 (a zero delay would burn the rate limit)";
        } else if (o.error_confirmations < 0) {
            invalid = "wait_options.error_confirmations must be >= 0";
        } else if (o.not_found_grace < std::chrono::milliseconds{0}) {
            invalid = "wait_options.not_found_grace must not be negative";
        } else if (o.error_confirmations > 0 && o.error_confirmation_delay <= std::chrono::milliseconds{0}) {
            invalid = "wait_options.error_confirmation_delay must be positive (confirmations at once would burn the "
                      "rate limit and confirm nothing)";
        } else if (o.reconcile_rounds < 1 || o.reconcile_grace < std::chrono::milliseconds{0} ||
                   o.reconcile_skew < std::chrono::milliseconds{0}) {
            invalid = "wait_options.reconcile_rounds must be >= 1, reconcile_grace and reconcile_skew >= 0";
        } else if ((o.reconcile || mode_ == mode::reconcile) && !info(kind_).has_history) {
            invalid = "wait_options.reconcile: only transfer jobs can be reconciled (trocco lists no others)";
        } else if (o.on_status_change && kind_ == job_kind::transfer && !o.on_status_change.accepts<job>()) {
            invalid = "wait_options.on_status_change does not accept a trocco::job";
        } else if (o.on_status_change && kind_ == job_kind::workflow && !o.on_status_change.accepts<workflow_job>()) {
            invalid = "wait_options.on_status_change does not accept a trocco::workflow_job";
        }
        if (invalid) return finish(error{errc::invalid_argument, invalid}, now);
    }
    const retry_policy& p = *context_.retry;
    if (p.max_attempts < 1 || p.initial_backoff < std::chrono::milliseconds{0} || !(p.multiplier >= 1.0) ||
        p.max_backoff < std::chrono::milliseconds{0} || p.max_server_wait < std::chrono::milliseconds{0}) {
        return finish(error{errc::invalid_argument,
                            "client_options.retry needs max_attempts >= 1, multiplier >= 1 and no negative delay"},
                      now);
    }
    deadline_ = waits ? detail::saturating_add(now, options_.timeout) : clock::time_point::max();
    switch (mode_) {
        case mode::trigger_only:
        case mode::trigger_and_wait:
            trigger_wall_ = wall_now;
            return send(request_role::trigger, now);
        case mode::attach:
            if (announce_attach_) {
                emit(events::trigger_outcome{now, events::trigger_outcome::kind::attached, kind_, definition_id_,
                                             job_id_});
            }
            return send(request_role::poll, now);
        case mode::reconcile:
            emit(events::trigger_outcome{now, events::trigger_outcome::kind::unknown, kind_, definition_id_, 0});
            return begin_reconcile(now);
        case mode::read_once: return send(request_role::read, now);
        case mode::fetch: return send(request_role::list, now);
        case mode::failed: break;
    }
}

// ---- sending ----------------------------------------------------------------------------------------------------

TROCCO_DECL result<http_request> wait_machine::build(request_role role) const {
    switch (role) {
        case request_role::trigger: return request_.unpack();  // a copy: it may have to go again
        case request_role::poll:
        case request_role::read: return context_.builder->get(kind_, job_id_);
        case request_role::list: break;
    }
    if (mode_ == mode::fetch) return request_.unpack();
    job_history_query query;
    const auto since = std::chrono::floor<std::chrono::seconds>(*trigger_wall_) -
                       std::chrono::duration_cast<std::chrono::seconds>(options_.reconcile_skew);
    query.start_time = format_context_time(since, std::chrono::minutes{0});
    query.time_zone = "Etc/UTC";
    query.page_size = 100;
    return context_.builder->job_history(definition_id_, query, rare_ && !rare_->cursors.empty() ? rare_->cursors.back() : "");
}

TROCCO_DECL void wait_machine::send(request_role role, clock::time_point now) {
    pending_ = role;
    if (options_.stop_token.stop_requested()) return fail_canceled(nullptr, now);
    if (context_.budgeted && !granted_) {
        step_.what = wait_step::kind::acquire;
        step_.role = role;
        return;
    }
    granted_ = false;
    auto request = build(role);
    if (!request) return finish(with_context(std::move(request).error()), now);
    ++attempt_;
    if (role == request_role::poll) ++polls_;
    sent_at_ = now;
    const std::string path = detail::path_of(*request, *context_.builder);
    emit(events::request_sent{now, role, request->method, path, attempt_, job_id_});
    step_.what = wait_step::kind::send;
    step_.role = role;
    step_.request = std::move(*request);
}

TROCCO_DECL void wait_machine::sleep_until(clock::time_point until, request_role then, clock::time_point now) {
    pending_ = then;
    if (options_.stop_token.stop_requested()) return fail_canceled(nullptr, now);
    if (until <= now) return send(then, now);
    // A saturated time: the end of the clock's range, which no sleep can reach and after which no time is left.
    if (until == clock::time_point::max()) return fail_timeout(now);
    step_.what = wait_step::kind::sleep;
    step_.until = until;
}

TROCCO_DECL void wait_machine::on_slept(result<void> outcome, clock::time_point now) {
    if (!outcome) return fail_canceled(&outcome.error(), now);
    send(pending_, now);
}

TROCCO_DECL void wait_machine::on_budget(clock::time_point allowed_at, clock::time_point now) {
    if (allowed_at <= now) {
        granted_ = true;
        return send(pending_, now);
    }
    if (allowed_at > deadline_) {
        // The budget has no room before the deadline: a wait times out (its job keeps running); a trigger that
        // was never sent started nothing.
        if (job_id_ != 0 || mode_ == mode::reconcile) return fail_timeout(now);
        if (pending_ == request_role::trigger) {
            return finish(error{errc::wait_timeout,
                                "the rate budget has no room for the trigger before the wait's timeout: no job was "
                                "started"}
                              .with_nothing_sent(),
                          now);
        }
    }
    emit(events::budget_wait{now, pending_, detail::saturating_until(now, allowed_at)});
    sleep_until(allowed_at, pending_, now);
}

TROCCO_DECL bool wait_machine::retry_later(request_kind kind, const result<http_response>& outcome,
                                           clock::time_point now, wall_clock::time_point wall_now) {
    const auto decision = decide_retry(*context_.retry, kind, outcome, attempt_, wall_now, random());
    if (!decision.retry) return false;
    const auto wake = detail::saturating_add(now, decision.delay);
    if (wake > deadline_ || wake == clock::time_point::max()) {
        // No time for another attempt (or a delay past the clock's range: a server asking for centuries, honoured
        // because max_server_wait is max). A wait ends as timed out (the deadline, not the last error, is why it
        // ends); a trigger keeps its last error, since no job was started, and so does a one-off read.
        if (pending_ == request_role::trigger || mode_ == mode::read_once || mode_ == mode::fetch) return false;
        fail_timeout(now);
        return true;
    }
    const error failure = outcome ? error_from_response(*outcome) : outcome.error();
    const std::string message = context_.builder->redact(failure.message());
    emit(events::retry_scheduled{now, pending_, failure.kind(), failure.http_status(), decision.delay, attempt_ + 1,
                                 message});
    sleep_until(wake, pending_, now);
    return true;
}

TROCCO_DECL wait_machine::wait_machine(wait_machine&& other) noexcept = default;
TROCCO_DECL wait_machine& wait_machine::operator=(wait_machine&& other) noexcept = default;
TROCCO_DECL wait_machine::~wait_machine() = default;

}  // namespace trocco

// The answers, the job and the ending: split so that no file runs past ~400 lines.
#include "wait_machine_answers.ipp"
#include "wait_machine_ending.ipp"
