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
    m.request_ = std::move(trigger);
    m.definition_id_ = definition_id;
    return m;
}

TROCCO_DECL wait_machine wait_machine::trigger_and_wait(wait_context context, job_kind kind, http_request trigger,
                                                        std::int64_t definition_id, wait_options options) {
    wait_machine m(context, mode::trigger_and_wait, kind, std::move(options));
    m.request_ = std::move(trigger);
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
    m.request_ = std::move(request);
    return m;
}

TROCCO_DECL wait_machine wait_machine::failed(wait_context context, error e) {
    wait_machine m(context, mode::failed, job_kind::transfer, {});
    m.result_.emplace(std::move(e));
    return m;
}

// ---- start ------------------------------------------------------------------------------------------------------

TROCCO_DECL void wait_machine::start(clock::time_point now, wall_clock::time_point wall_now) {
    started_at_ = now;
    if (mode_ == mode::failed) return finish(std::move(*result_), now);
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
        case request_role::trigger: return *request_;  // a copy: it may have to go again
        case request_role::poll:
        case request_role::read: return context_.builder->get(kind_, job_id_);
        case request_role::list: break;
    }
    if (mode_ == mode::fetch) return *request_;
    job_history_query query;
    const auto since = std::chrono::floor<std::chrono::seconds>(*trigger_wall_) -
                       std::chrono::duration_cast<std::chrono::seconds>(options_.reconcile_skew);
    query.start_time = format_context_time(since, std::chrono::minutes{0});
    query.time_zone = "Etc/UTC";
    query.page_size = 100;
    return context_.builder->job_history(definition_id_, query, cursors_.empty() ? "" : cursors_.back());
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
    if (wake > deadline_) {
        // No time for another attempt. A wait ends as timed out (item: the deadline, not the last error, is why
        // it ends); a trigger keeps its last error, since no job was started.
        if (pending_ == request_role::trigger) return false;
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

// ---- answers ----------------------------------------------------------------------------------------------------

TROCCO_DECL void wait_machine::on_answer(result<http_response> outcome, clock::time_point now,
                                         wall_clock::time_point wall_now) {
    const auto duration = detail::saturating_until(sent_at_, now);
    last_wall_ = wall_now;
    emit(events::answer_received{now, pending_, outcome ? outcome->status : 0,
                                 outcome ? std::nullopt : std::optional<errc>(outcome.error().kind()), duration,
                                 outcome ? parse_rate_limit(outcome->headers) : rate_limit_info{}, attempt_});
    if (!outcome) {
        const errc code = outcome.error().kind();
        // A canceled send ends here: the transport may be going away, nothing more is sent.
        if (code == errc::canceled) return fail_canceled(&outcome.error(), now);
        // A code outside the transport contract (a third-party transport's "job_failed", "not_found") must not be
        // taken for what it names: it is a failure of the request that may have reached the server.
        if (code != errc::connect_failed && code != errc::transport_failure && code != errc::invalid_argument) {
            outcome = error{errc::transport_failure, "the transport failed with " + std::string(to_string(code)) +
                                                         ": " + outcome.error().message()};
        }
    }
    switch (pending_) {
        case request_role::trigger: return on_trigger_answer(std::move(outcome), now, wall_now);
        case request_role::poll:
        case request_role::read: return on_status_answer(std::move(outcome), now, wall_now);
        case request_role::list: break;
    }
    if (mode_ == mode::fetch) return on_fetch_answer(std::move(outcome), now, wall_now);
    on_list_answer(std::move(outcome), now, wall_now);
}

TROCCO_DECL void wait_machine::on_trigger_answer(result<http_response> outcome, clock::time_point now,
                                                 wall_clock::time_point wall_now) {
    if (retry_later(request_kind::trigger, outcome, now, wall_now)) return;
    const auto unknown = [&](std::string why, int status) {
        emit(events::trigger_outcome{now, events::trigger_outcome::kind::unknown, kind_, definition_id_, 0});
        if (options_.reconcile && mode_ == mode::trigger_and_wait) {
            unknown_reason_ = std::move(why);
            return begin_reconcile(now);
        }
        finish(error{errc::outcome_unknown, std::move(why) + ": " + std::string(detail::maybe_started), status}, now);
    };
    if (!outcome) {
        error e = std::move(outcome).error();
        if (e.kind() == errc::transport_failure) {
            return unknown("the trigger request failed after it may have reached trocco (" + e.message() + ")", 0);
        }
        return finish(std::move(e), now);  // connect_failed after retries: no job was started
    }
    const http_response& response = *outcome;
    if (response.status >= 500 || response.status == 408) {
        return unknown("trocco answered " + status_line(response.status) + " to the trigger", response.status);
    }
    auto parsed = parse_any_job_response(kind_, response);
    if (!parsed) {
        if (parsed.error().kind() != errc::protocol_error) return finish(std::move(parsed).error(), now);
        return unknown("the trigger was accepted but its answer is unreadable (" + parsed.error().message() + ")",
                       response.status);
    }
    if (detail::definition_of(*parsed) != definition_id_) {
        return unknown("the trigger was accepted but its answer names definition " +
                           std::to_string(detail::definition_of(*parsed)) + ", not " + std::to_string(definition_id_),
                       response.status);
    }
    request_.reset();
    job_known(std::move(*parsed), events::trigger_outcome::kind::started, now);
}

TROCCO_DECL void wait_machine::on_status_answer(result<http_response> outcome, clock::time_point now,
                                                wall_clock::time_point wall_now) {
    result<any_job> parsed = outcome ? parse_any_job_response(kind_, *outcome) : result<any_job>(outcome.error());
    if (parsed && detail::id_of(*parsed) != job_id_) {
        // A desynchronised connection or a misrouting proxy: never take another job's status for this one's.
        parsed = error{errc::protocol_error, "the answer is about job " + std::to_string(detail::id_of(*parsed)) +
                                                 ", not " + std::to_string(job_id_)};
    }
    if (parsed) {
        attempt_ = 0;
        if (mode_ == mode::read_once) return finish(std::move(parsed), now);
        return seen(std::move(*parsed), now);
    }
    error e = std::move(parsed).error();
    if (e.kind() == errc::not_found && grace_until_ && now < *grace_until_) {
        attempt_ = 0;  // not visible yet, right after the trigger: look again on the schedule
        return schedule_poll(next_poll_delay(now), false, now);
    }
    // HTTP errors are judged on the answer (its status, Retry-After); unreadable answers on the error.
    const bool http_failure = outcome && !is_success_status(outcome->status);
    if (retry_later(request_kind::read, http_failure ? outcome : result<http_response>(e), now, wall_now)) return;
    const std::string prefix = mode_ == mode::read_once ? std::string{} : "polling " + what() + ": ";
    finish(with_context(std::move(e).prefix_message(prefix)), now);
}

TROCCO_DECL void wait_machine::on_list_answer(result<http_response> outcome, clock::time_point now,
                                              wall_clock::time_point wall_now) {
    result<list_page<job>> page = outcome ? parse_job_history_page(*outcome) : result<list_page<job>>(outcome.error());
    if (!page) {
        const error& e = page.error();
        const bool http_failure = outcome && !is_success_status(outcome->status);
        if (retry_later(request_kind::read, http_failure ? outcome : result<http_response>(e), now, wall_now)) return;
        return finish(error{errc::outcome_unknown, "the trigger's outcome is unknown and looking for the job failed (" +
                                                       e.message() + "): " + std::string(detail::maybe_started),
                            e.http_status()},
                      now);
    }
    attempt_ = 0;
    const auto since = *trigger_wall_ - options_.reconcile_skew;
    for (auto& j : page->items) {
        if (j.created_at && *j.created_at < since) continue;  // the server's filter, checked again
        if (std::find(candidate_ids_.begin(), candidate_ids_.end(), j.id) != candidate_ids_.end()) continue;
        candidate_ids_.push_back(j.id);
        if (!seen_) seen_.emplace(std::move(j));
    }
    ++pages_;
    if (page->next_cursor) {
        if (std::find(cursors_.begin(), cursors_.end(), *page->next_cursor) != cursors_.end()) {
            return finish(error{errc::outcome_unknown, "the trigger's outcome is unknown and the job list repeats its "
                                                       "cursor (a broken list): " + std::string(detail::maybe_started)},
                          now);
        }
        cursors_.push_back(std::move(*page->next_cursor));
        return send(request_role::list, now);
    }
    end_reconcile_round(now);
}

TROCCO_DECL void wait_machine::on_fetch_answer(result<http_response> outcome, clock::time_point now,
                                               wall_clock::time_point wall_now) {
    if (outcome && is_success_status(outcome->status)) {
        fetched_ = std::move(*outcome);
        return finish(any_job{}, now);  // the value is unused: take_response() gives the answer
    }
    if (retry_later(request_kind::read, outcome, now, wall_now)) return;
    finish(outcome ? error_from_response(*outcome) : std::move(outcome).error(), now);
}

TROCCO_DECL bool wait_machine::reject(error e, clock::time_point now, wall_clock::time_point wall_now) {
    fetched_.reset();
    result_.reset();
    if (retry_later(request_kind::read, result<http_response>(e), now, wall_now)) return true;
    finish(std::move(e), now);
    return false;
}

TROCCO_DECL result<http_response> wait_machine::take_response() {
    if (fetched_) {
        auto answer = std::move(*fetched_);
        fetched_.reset();
        return answer;
    }
    auto r = take_result();
    if (r) return error{errc::invalid_argument, "wait_machine::take_response() on a machine that is not a fetch"};
    return std::move(r).error();
}

// ---- the job ----------------------------------------------------------------------------------------------------

TROCCO_DECL void wait_machine::job_known(any_job job, events::trigger_outcome::kind how, clock::time_point now) {
    if (context_.recording && !record_pending_) {
        // Record the id durably before anything else happens: a crash from here on re-attaches.
        job_id_ = detail::id_of(job);
        seen_ = std::move(job);
        record_pending_ = true;
        step_.what = wait_step::kind::record;
        step_.job_id = job_id_;
        pending_how_ = how;
        return;
    }
    record_pending_ = false;
    job_id_ = detail::id_of(job);
    attempt_ = 0;
    emit(events::trigger_outcome{now, how, kind_, definition_id_, job_id_});
    if (mode_ == mode::trigger_only) return finish(std::move(job), now);
    if (options_.on_triggered) options_.on_triggered(job_id_);
    grace_until_ = detail::saturating_add(now, options_.not_found_grace);
    origin_ = now;
    seen_.reset();  // the first status seen is reported as a change
    seen(std::move(job), now);
}

TROCCO_DECL void wait_machine::on_recorded(result<void> outcome, clock::time_point now) {
    if (!outcome) record_failed_ = true;
    job_known(std::move(*seen_), pending_how_, now);
}

TROCCO_DECL void wait_machine::seen(any_job job, clock::time_point now) {
    if (!origin_) {
        // Re-attached: the job has run since its creation, if trocco says when that was (and it is plausible).
        origin_ = now;
        const auto created = std::visit([](const auto& one) { return one.created_at; }, job);
        if (created && *created < last_wall_ && last_wall_ - *created < std::chrono::days{30}) {
            origin_ = now - std::chrono::duration_cast<clock::duration>(last_wall_ - *created);
        }
    }
    const std::string& status = detail::raw_status_of(job);
    if (!seen_ || detail::raw_status_of(*seen_) != status) {
        const std::string from = seen_ ? detail::raw_status_of(*seen_) : std::string{};
        if (options_.on_status_change) options_.on_status_change(job);
        emit(events::status_changed{now, job_id_, from, status, &job});
    }
    seen_ = std::move(job);
    const job_status s = detail::status_of(*seen_);
    if (is_terminal(s)) {
        const bool confirm = info(kind_).error_may_be_retried && s == job_status::error &&
                             confirmations_ < options_.error_confirmations;
        if (!confirm) {
            switch (s) {
                case job_status::succeeded: return finish(std::move(*seen_), now);
                case job_status::error: return finish(with_context(error{errc::job_failed, what() + " ended in error"}), now);
                case job_status::canceled:
                    return finish(with_context(error{errc::job_canceled, what() + " was canceled"}), now);
                default: return finish(with_context(error{errc::job_skipped, what() + " was skipped"}), now);
            }
        }
        ++confirmations_;
        return schedule_poll(options_.error_confirmation_delay, true, now);
    }
    confirmations_ = 0;
    schedule_poll(next_poll_delay(now), false, now);
}

TROCCO_DECL std::chrono::milliseconds wait_machine::next_poll_delay(clock::time_point now) {
    const auto elapsed = origin_ ? detail::saturating_until(*origin_, now) : std::chrono::milliseconds{0};
    return poll_delay(options_.poll, poll_index_++, elapsed, random());
}

TROCCO_DECL void wait_machine::schedule_poll(std::chrono::milliseconds delay, bool confirming, clock::time_point now) {
    if (now >= deadline_) return fail_timeout(now);
    const auto wake = std::min(detail::saturating_add(now, delay), deadline_);  // a last look at the deadline
    emit(events::poll_scheduled{now, job_id_, wake, detail::saturating_until(now, wake), polls_, confirming});
    sleep_until(wake, request_role::poll, now);
}

TROCCO_DECL void wait_machine::begin_reconcile(clock::time_point now) {
    mode_ = mode::reconcile;
    request_.reset();
    reconcile_round_ = 0;
    candidate_ids_.clear();
    cursors_.clear();
    seen_.reset();
    pages_ = 0;
    send(request_role::list, now);
}

TROCCO_DECL void wait_machine::end_reconcile_round(clock::time_point now) {
    if (candidate_ids_.size() == 1) {
        job adopted = std::get<job>(std::move(*seen_));
        seen_.reset();
        return job_known(std::move(adopted), events::trigger_outcome::kind::adopted, now);
    }
    if (candidate_ids_.size() > 1) {
        std::string ids;
        for (const auto id : candidate_ids_) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
        return finish(error{errc::outcome_unknown, "the trigger's outcome is unknown and " +
                                                       std::to_string(candidate_ids_.size()) +
                                                       " jobs were created since it: " + ids +
                                                       "; check which is ours before running it again"}
                          .with_candidate_job_ids(candidate_ids_),
                      now);
    }
    ++reconcile_round_;
    cursors_.clear();
    pages_ = 0;
    if (reconcile_round_ >= options_.reconcile_rounds) {
        const std::string why = unknown_reason_.empty() ? std::string{} : unknown_reason_ + "; ";
        return finish(error{errc::outcome_unknown,
                            why + "no job created since the trigger was found (looked " +
                                std::to_string(reconcile_round_) + " times): it probably did not start, but check "
                                "trocco before running it again"},
                      now);
    }
    const auto gap = options_.reconcile_rounds > 1
                         ? options_.reconcile_grace / (options_.reconcile_rounds - 1)
                         : std::chrono::milliseconds{0};
    if (detail::saturating_add(now, gap) > deadline_) return fail_timeout(now);
    sleep_until(detail::saturating_add(now, gap), request_role::list, now);
}

// ---- ending -----------------------------------------------------------------------------------------------------

TROCCO_DECL std::string wait_machine::what() const {
    return std::string(info(kind_).name) + " " + std::to_string(job_id_);
}

TROCCO_DECL error wait_machine::with_context(error e) const {
    if (seen_ && job_id_ != 0) {
        std::visit([&](const auto& one) {
            using model = std::decay_t<decltype(one)>;
            if constexpr (std::is_same_v<model, datamart_job>) {
                e.with_job_id(one.id);
            } else {
                e.with_last_job(one);
            }
        }, *seen_);
    } else if (job_id_ != 0) {
        e.with_job_id(job_id_);
    }
    if (record_failed_) e.prefix_message("(the idempotency record could not be updated with the job id) ");
    return e;
}

TROCCO_DECL void wait_machine::fail_timeout(clock::time_point now) {
    if (job_id_ == 0 && mode_ == mode::reconcile) {
        return finish(error{errc::outcome_unknown, "the wait's timeout passed while looking for the job of an "
                                                   "unknown trigger outcome: " + std::string(detail::maybe_started)},
                      now);
    }
    const std::string status = seen_ && job_id_ != 0 ? " (last status: " + detail::raw_status_of(*seen_) + ")" : "";
    const std::string subject = job_id_ != 0 ? what() : "the job of " + std::string(info(kind_).definition_name) +
                                                            " " + std::to_string(definition_id_);
    finish(with_context(error{errc::wait_timeout,
                              "gave up waiting for " + subject + " after " +
                                  std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options_.timeout).count()) +
                                  " s" + status + "; it may still be running on trocco"}),
           now);
}

TROCCO_DECL void wait_machine::fail_canceled(const error* transport_error, clock::time_point now) {
    if (mode_ == mode::read_once || mode_ == mode::fetch) {
        error e{errc::canceled, transport_error ? transport_error->message() : "stopped before the request was sent"};
        if (job_id_ != 0) e.with_job_id(job_id_);
        return finish(std::move(e), now);
    }
    if (job_id_ != 0) {
        return finish(with_context(error{errc::canceled, "wait for " + what() +
                                                              " stopped; the job may still be running on trocco"}),
                      now);
    }
    if (mode_ == mode::reconcile) {
        return finish(error{errc::canceled, "stopped while looking for the job of an unknown trigger outcome: " +
                                                std::string(detail::maybe_started)},
                      now);
    }
    // The trigger: only the request in flight can have started a job (earlier attempts ended in connect_failed
    // or 429, which start none).
    const bool in_flight = pending_ == request_role::trigger && step_.what == wait_step::kind::send;
    if (transport_error && in_flight && transport_error->may_have_reached_server()) {
        return finish(error{errc::canceled, "stopped while the trigger request was in flight: " +
                                                std::string(detail::maybe_started)},
                      now);
    }
    finish(error{errc::canceled, "stopped before the trigger was sent: no job was started"}.with_nothing_sent(), now);
}

TROCCO_DECL void wait_machine::finish(result<any_job> r, clock::time_point now) {
    if (!r && (r.error().kind() == errc::outcome_unknown || pending_ == request_role::trigger ||
               mode_ == mode::reconcile)) {
        error e = std::move(r).error();
        if (definition_id_ != 0 && !e.definition_id()) e.with_definition_id(definition_id_);
        if (trigger_wall_ && !e.trigger_time()) e.with_trigger_time(*trigger_wall_);
        r = std::move(e);
    }
    step_.what = wait_step::kind::done;
    step_.request = {};
    if (mode_ != mode::fetch) request_.reset();  // a fetch may be rejected and sent again
    const std::optional<errc> failure = r ? std::nullopt : std::optional<errc>(r.error().kind());
    result_.emplace(std::move(r));
    if (mode_ != mode::fetch) {  // a page of a list is not a wait
        emit(events::wait_finished{now, failure, job_id_, polls_, detail::saturating_until(started_at_, now)});
    }
}

TROCCO_DECL result<any_job> wait_machine::take_result() {
    if (!result_) return error{errc::invalid_argument, "wait_machine::take_result() before the machine is done"};
    auto r = std::move(*result_);
    result_.reset();
    return r;
}

TROCCO_DECL void wait_machine::emit(const wait_event& e) const {
    if (context_.observer && *context_.observer) (*context_.observer)(e);
    if (options_.observer) options_.observer(e);
}

TROCCO_DECL double wait_machine::random() const { return context_.random(context_.random_state); }

}  // namespace trocco
