// trocco/impl/wait_machine_answers.ipp - the wait machine taking the answers to its requests (included by impl/wait_machine.ipp).
#pragma once

#include "../wait_machine.hpp"

namespace trocco {

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
            rare().unknown_reason = std::move(why);
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
    request_.clear();
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
        auto& ids = rare().candidate_ids;
        if (std::find(ids.begin(), ids.end(), j.id) != ids.end()) continue;
        ids.push_back(j.id);
        if (!seen_) seen_.emplace(std::move(j));
    }
    ++pages_;
    if (page->next_cursor) {
        if (auto& cursors = rare().cursors; std::find(cursors.begin(), cursors.end(), *page->next_cursor) != cursors.end()) {
            return finish(error{errc::outcome_unknown, "the trigger's outcome is unknown and the job list repeats its "
                                                       "cursor (a broken list): " + std::string(detail::maybe_started)},
                          now);
        }
        rare().cursors.push_back(std::move(*page->next_cursor));
        return send(request_role::list, now);
    }
    end_reconcile_round(now);
}

TROCCO_DECL void wait_machine::on_fetch_answer(result<http_response> outcome, clock::time_point now,
                                               wall_clock::time_point wall_now) {
    if (outcome && is_success_status(outcome->status)) {
        rare().fetched = std::move(*outcome);
        return finish(any_job{}, now);  // the value is unused: take_response() gives the answer
    }
    if (retry_later(request_kind::read, outcome, now, wall_now)) return;
    finish(outcome ? error_from_response(*outcome) : std::move(outcome).error(), now);
}

TROCCO_DECL bool wait_machine::reject(error e, clock::time_point now, wall_clock::time_point wall_now) {
    if (rare_) rare_->fetched.reset();
    failure_.reset();
    if (retry_later(request_kind::read, result<http_response>(e), now, wall_now)) return true;
    finish(std::move(e), now);
    return false;
}

TROCCO_DECL result<http_response> wait_machine::take_response() {
    if (rare_ && rare_->fetched) {
        auto answer = std::move(*rare_->fetched);
        rare_->fetched.reset();
        return answer;
    }
    auto r = take_result();
    if (r) return error{errc::invalid_argument, "wait_machine::take_response() on a machine that is not a fetch"};
    return std::move(r).error();
}

}  // namespace trocco
