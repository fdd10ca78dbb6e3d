// trocco/impl/wait_machine_ending.ipp - the wait machine once a job is known, and the ways a wait ends (included by impl/wait_machine.ipp).
#pragma once

#include "../wait_machine.hpp"

namespace trocco {

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
    request_.clear();
    reconcile_round_ = 0;
    rare().candidate_ids.clear();
    rare().cursors.clear();
    seen_.reset();
    pages_ = 0;
    send(request_role::list, now);
}

TROCCO_DECL void wait_machine::end_reconcile_round(clock::time_point now) {
    auto& candidate_ids = rare().candidate_ids;
    if (candidate_ids.size() == 1) {
        job adopted = std::get<job>(std::move(*seen_));
        seen_.reset();
        return job_known(std::move(adopted), events::trigger_outcome::kind::adopted, now);
    }
    if (candidate_ids.size() > 1) {
        std::string ids;
        for (const auto id : candidate_ids) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
        return finish(error{errc::outcome_unknown, "the trigger's outcome is unknown and " +
                                                       std::to_string(candidate_ids.size()) +
                                                       " jobs were created since it: " + ids +
                                                       "; check which is ours before running it again"}
                          .with_candidate_job_ids(candidate_ids),
                      now);
    }
    ++reconcile_round_;
    rare().cursors.clear();
    pages_ = 0;
    if (reconcile_round_ >= options_.reconcile_rounds) {
        const std::string why = rare().unknown_reason.empty() ? std::string{} : rare().unknown_reason + "; ";
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
        // Keep the transport's word that nothing left, and say so when the stop came before the first send.
        if (transport_error ? !transport_error->may_have_reached_server() : attempt_ == 0) e.with_nothing_sent();
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
    if (mode_ != mode::fetch) request_.clear();  // a fetch may be rejected and sent again
    const std::optional<errc> failure = r ? std::nullopt : std::optional<errc>(r.error().kind());
    if (r) {
        seen_ = std::move(*r);  // the result is the job last seen: kept once, not beside a copy
        failure_.reset();       // succeeded() reads "done, and no failure"
    } else {
        failure_.emplace(std::move(r).error());
    }
    if (mode_ != mode::fetch) {  // a page of a list is not a wait
        emit(events::wait_finished{now, failure, job_id_, polls_, detail::saturating_until(started_at_, now)});
    }
}

TROCCO_DECL result<any_job> wait_machine::take_result() {
    if (succeeded() && seen_) {
        any_job j = std::move(*seen_);
        seen_.reset();
        return j;
    }
    if (!failure_) return error{errc::invalid_argument, "wait_machine::take_result() before the machine is done"};
    error e = std::move(*failure_);
    failure_.reset();
    return e;
}

TROCCO_DECL void wait_machine::emit(const wait_event& e) const {
    if (context_.observer && *context_.observer) (*context_.observer)(e);
    if (options_.observer) options_.observer(e);
}

TROCCO_DECL double wait_machine::random() const { return context_.random(context_.random_state); }

}  // namespace trocco
