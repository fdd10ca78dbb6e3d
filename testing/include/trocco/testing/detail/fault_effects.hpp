// trocco/testing/detail/fault_effects.hpp - what each fault does to an answer, as changes to a reply_plan (the
// HTTP side carries them out). See fault.hpp for what each kind means to a client.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <trocco/http.hpp>
#include <trocco/testing/detail/json_text.hpp>
#include <trocco/testing/detail/listing.hpp>
#include <trocco/testing/detail/text_codec.hpp>
#include <trocco/testing/fault.hpp>
#include <trocco/testing/reply_plan.hpp>

namespace trocco::testing::detail {

/// The X-Rate-Limit-* headers trocco sends on every answer (Reset as UNIX seconds).
inline void add_rate_limit_headers(reply_plan& plan, std::int64_t limit, std::int64_t remaining,
                                   std::chrono::sys_seconds reset) {
    plan.headers.push_back({"X-Rate-Limit-Limit", std::to_string(limit)});
    plan.headers.push_back({"X-Rate-Limit-Remaining", std::to_string(std::max<std::int64_t>(0, remaining))});
    plan.headers.push_back({"X-Rate-Limit-Reset", std::to_string(reset.time_since_epoch().count())});
}

/// A 429 as trocco would send it (Retry-After in seconds unless the fault says otherwise).
inline void plan_rate_limited(const fault& f, reply_plan& plan, std::chrono::sys_seconds now, std::int64_t limit) {
    plan.status = 429;
    plan.body = message_body("Rate limit exceeded. Please retry later");
    if (f.retry_after_text) {
        plan.headers.push_back({"Retry-After", *f.retry_after_text});
    } else if (f.retry_after == retry_after_form::seconds) {
        plan.headers.push_back({"Retry-After", std::to_string(f.retry_after_seconds)});
    } else if (f.retry_after == retry_after_form::http_date) {
        plan.headers.push_back({"Retry-After", format_http_date(add_seconds_saturated(now, f.retry_after_seconds))});
    }
    add_rate_limit_headers(plan, limit, 0, add_seconds_saturated(now, f.reset_after_seconds.value_or(f.retry_after_seconds)));
}

/// Header values no sane server sends, each of which a client must survive.
inline std::vector<http_header> absurd_header_set() {
    return {
        {"X-Rate-Limit-Limit", "99999999999999999999999999999"},
        {"X-Rate-Limit-Remaining", "-7"},
        {"X-Rate-Limit-Reset", "1e400"},
        {"Retry-After", "360287970191367680"},
        {"X-Absurd-Long-Header", std::string(6000, 'x')},
    };
}

/// Each header of `replacements` replaces the plan's headers of the same name (or is added).
inline void replace_headers(reply_plan& plan, const std::vector<http_header>& replacements) {
    for (const auto& r : replacements) {
        std::erase_if(plan.headers, [&](const http_header& h) { return iequals(h.name, r.name); });
    }
    plan.headers.insert(plan.headers.end(), replacements.begin(), replacements.end());
}

/// Rewrites a JSON answer (an object, or a list page's items) for unknown_status, other_job and malformed_page.
inline void rewrite_body(reply_plan& plan, const fault& f, const std::optional<std::string>& request_cursor) {
    auto j = json::parse(plan.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return;
    if (f.what == fault::kind::malformed_page) {
        apply_page_defect(j, f.defect, request_cursor);
    } else {
        const auto change = [&](json& object) {
            if (!object.is_object()) return;
            if (f.what == fault::kind::unknown_status && object.contains("status")) object["status"] = f.status_text;
            if (f.what == fault::kind::other_job && object.contains("id")) object["id"] = f.other_job_id;
        };
        if (j.contains("items") && j["items"].is_array()) {
            for (auto& item : j["items"]) change(item);
        } else {
            change(j);
        }
    }
    plan.body = to_json_text(j);
}

/// Applies a fault of the kinds that spoil a processed request's answer.
inline void apply_answer_fault(const fault& f, const std::optional<std::string>& request_cursor, reply_plan& plan) {
    using k = fault::kind;
    switch (f.what) {
        case k::close_after_read: plan.action = reply_action::close_without_answer; break;
        case k::reset_after_read: plan.action = reply_action::reset_without_answer; break;
        case k::truncated_body:
            plan.status = 200;
            plan.action = reply_action::truncate_then_close;
            break;
        case k::truncated_chunked:
            plan.status = 200;
            plan.action = reply_action::truncated_chunked;
            break;
        case k::malformed_json:
            plan.status = 200;
            plan.body = plan.body.substr(0, std::max<std::size_t>(1, plan.body.size() / 2));
            break;
        case k::unknown_status:
        case k::other_job:
        case k::malformed_page: rewrite_body(plan, f, request_cursor); break;
        case k::interim_responses:
            for (const int status : f.interim_statuses) {
                interim_answer a{status, {}};
                if (status == 103) {
                    a.headers = {{"Link", "</api/jobs>; rel=preload"}, {"Link", "</api/pipeline_jobs>; rel=preload"}};
                }
                plan.interim.push_back(std::move(a));
            }
            break;
        case k::trickle: plan.trickle_interval = std::max(f.interval, std::chrono::milliseconds{1}); break;
        case k::huge_body:
            plan.status = 200;
            plan.padded_body_bytes = f.body_bytes;
            break;
        case k::malformed_status_line: plan.status_line = f.status_line; break;
        case k::absurd_headers: replace_headers(plan, f.headers.empty() ? absurd_header_set() : f.headers); break;
        case k::delay:
        case k::http_status:
        case k::rate_limited:
        case k::close_before_read:
        case k::reset_before_read: break;  // handled before the request is processed
    }
}

}  // namespace trocco::testing::detail
