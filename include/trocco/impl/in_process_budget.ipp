// trocco/impl/in_process_budget.ipp - the bodies of in_process_budget (header-only mode: included by
// in_process_budget.hpp; separately compiled: by src/trocco.cpp).
#pragma once

#include <algorithm>
#include <cmath>

#include "../detail/saturate.hpp"
#include "../in_process_budget.hpp"

namespace trocco {

TROCCO_DECL in_process_budget::in_process_budget(budget_plan plan) : plan_(plan) {
    if (plan_.limit < 1 || plan_.window <= std::chrono::milliseconds{0}) plan_ = budget_plan::paid();
}

TROCCO_DECL std::int64_t in_process_budget::limit() const {
    std::lock_guard lock(mutex_);
    return announced_limit_.value_or(plan_.limit);
}

TROCCO_DECL std::size_t in_process_budget::queued() const {
    std::lock_guard lock(mutex_);
    return queues_[0].size() + queues_[1].size();
}

TROCCO_DECL double in_process_budget::burst() const {
    const auto l = static_cast<double>(announced_limit_.value_or(plan_.limit));
    return l >= 2 ? std::clamp(std::floor(l * 0.05), 1.0, l - 1) : 1.0;
}

TROCCO_DECL double in_process_budget::rate_per_ms() const {
    const auto l = static_cast<double>(announced_limit_.value_or(plan_.limit));
    return std::max(l - burst(), 1.0) / static_cast<double>(plan_.window.count());
}

TROCCO_DECL void in_process_budget::refill(clock::time_point now) {
    if (!started_) {
        started_ = true;
        refilled_at_ = now;
        tokens_ = burst();
        return;
    }
    if (now <= refilled_at_) return;
    const auto elapsed = std::chrono::duration<double, std::milli>(now - refilled_at_).count();
    tokens_ = std::min(burst(), tokens_ + elapsed * rate_per_ms());
    refilled_at_ = now;
}

TROCCO_DECL in_process_budget::clock::time_point in_process_budget::when_available(clock::time_point now,
                                                                                   double calls_ahead) const {
    auto at = now;
    if (calls_ahead > 0) {
        at = detail::saturating_add(now, detail::milliseconds_from_count(std::ceil(calls_ahead / rate_per_ms())));
    }
    at = std::max(at, paused_until_);
    if (server_allowance_ && *server_allowance_ <= 0) at = std::max(at, server_reset_);
    return at;
}

TROCCO_DECL void in_process_budget::take(clock::time_point) {
    tokens_ -= 1;
    ++in_flight_;
    if (server_allowance_) --*server_allowance_;
}

TROCCO_DECL in_process_budget::clock::time_point in_process_budget::decide(const budget_request& request) {
    std::lock_guard lock(mutex_);
    const auto now = request.now;
    refill(now);
    if (server_allowance_ && now >= server_reset_) server_allowance_.reset();  // trocco's count starts afresh

    // Triggers queue ahead of everything else; each queue is first come, first served.
    const std::size_t lane = request.role == request_role::trigger ? 0 : 1;
    auto& queue = queues_[lane];
    const auto interval = std::chrono::milliseconds{static_cast<std::int64_t>(std::ceil(1.0 / rate_per_ms()))};
    const auto patience = std::max<std::chrono::milliseconds>(std::chrono::seconds{1}, 2 * interval);
    // A head that was told to come back and did not (its wait ended) keeps nobody waiting.
    for (auto& q : queues_) {
        while (!q.empty() && q.front().requester != request.requester &&
               detail::saturating_add(q.front().expected, patience) < now) {
            q.pop_front();
        }
    }
    const auto mine = std::find_if(queue.begin(), queue.end(),
                                   [&](const ticket& t) { return t.requester == request.requester; });
    std::size_t position = mine == queue.end() ? queue.size() : static_cast<std::size_t>(mine - queue.begin());
    const std::size_t ahead = position + (lane == 1 ? queues_[0].size() : 0);
    const bool blocked = now < paused_until_ || (server_allowance_ && *server_allowance_ <= 0);
    if (!blocked && ahead == 0 && tokens_ >= 1) {
        if (mine != queue.end()) queue.erase(mine);
        take(now);
        return now;
    }
    const auto expected = when_available(now, static_cast<double>(ahead) + 1 - tokens_);
    if (mine == queue.end()) {
        queue.push_back({request.requester, expected});
    } else {
        mine->expected = expected;
    }
    return std::max(expected, now + std::chrono::milliseconds{1});  // never "now" for a request that must wait
}

TROCCO_DECL void in_process_budget::on_answer(const budget_answer& answer) {
    std::lock_guard lock(mutex_);
    in_flight_ = std::max<std::int64_t>(0, in_flight_ - 1);
    const auto& info = answer.rate_limit;
    if (info.limit && *info.limit >= 1 && *info.limit <= 1'000'000) announced_limit_ = *info.limit;
    const std::int64_t limit = announced_limit_.value_or(plan_.limit);

    // A reset in the past (clock skew, a stale proxy) or more than two windows ahead (garbage) says nothing.
    std::optional<clock::time_point> reset;
    if (info.reset) {
        const auto wall_reset = std::chrono::time_point_cast<std::chrono::system_clock::duration>(*info.reset);
        if (wall_reset > answer.wall_now && wall_reset - answer.wall_now <= 2 * plan_.window) {
            reset = answer.now + std::chrono::duration_cast<clock::duration>(wall_reset - answer.wall_now);
        }
    }
    if (reset && info.remaining && *info.remaining <= limit) {
        // trocco counted every call it answered; those still in flight from here it may not have counted yet.
        server_allowance_ = *info.remaining - in_flight_;
        server_reset_ = *reset;
    }
    if (answer.http_status == 429) {
        tokens_ = 0;
        paused_until_ = std::max(paused_until_, reset.value_or(detail::saturating_add(answer.now, plan_.window / 10)));
    }
}

}  // namespace trocco
