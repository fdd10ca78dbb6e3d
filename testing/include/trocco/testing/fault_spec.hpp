// trocco/testing/fault_spec.hpp - the fake server's settings written as text: faults, definitions and seeded
// jobs as comma-separated key=value lists, as the trocco-fake-server program takes them on its command line and
// its control channel. No I/O, no sockets.
//
//     auto f = trocco::testing::parse_fault_spec("kind=http_status,status=503,times=3,method=GET,path=/api/jobs");
//     if (!f) std::cerr << f.error << "\n"; else server.inject(*f.value);
//
// Splitting: a comma starts a new pair only when a `key=` follows it (keys are lower-case letters and '_'), so
// a value may hold commas: body={"message":"a, b"} stays whole. Values are taken verbatim (no quotes, no escapes).
//
// Fault keys (see fault.hpp for what each field does):
//   kind=NAME (required: delay, http_status, rate_limited, close_before_read, close_after_read, truncated_body,
//   malformed_json, unknown_status, reset_before_read, reset_after_read, interim_responses, trickle, huge_body,
//   truncated_chunked, malformed_status_line, other_job, absurd_headers, malformed_page), method=GET|POST,
//   path=PREFIX (or path_prefix=), times=N (-1: forever), status=N, body=TEXT, delay_ms=N,
//   retry_after=seconds|http_date|omitted, retry_after_seconds=N, retry_after_text=TEXT,
//   reset_after_seconds=N, status_text=TEXT, interim=100+103 (statuses joined by '+'), interval_ms=N,
//   body_bytes=N, other_job_id=N, status_line=TEXT, header=NAME:VALUE (repeatable), defect=items_missing|
//   items_not_array|item_wrong_types|cursor_not_string|cursor_repeats.
// Definition keys: kind=job|workflow|datamart (also transfer, pipeline), id=N, name=TEXT, description=TEXT,
//   created_at=TIME, updated_at=TIME, label=ID:NAME (repeatable).
// Seeded job keys: definition=N (or job_definition_id=), status=TEXT, created_at=TIME, started_at=TIME,
//   finished_at=TIME, id=N.
// TIME: RFC 3339 ("2025-06-01T09:00:00+09:00"), or "now", "now-SECONDS", "now+SECONDS".
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <trocco/testing/detail/text_codec.hpp>
#include <trocco/testing/fake_records.hpp>
#include <trocco/testing/fault.hpp>
#include <trocco/timestamp.hpp>

namespace trocco::testing {

/// A parsed value, or why the text could not be parsed.
template <class T>
struct spec_result {
    std::optional<T> value = std::nullopt;
    std::string error = {};  // empty when value is set

    explicit operator bool() const noexcept { return value.has_value(); }
    static spec_result failure(std::string why) { return {std::nullopt, std::move(why)}; }
};

using spec_pairs = std::vector<std::pair<std::string, std::string>>;

namespace detail {

constexpr bool is_key_char(char c) noexcept { return (c >= 'a' && c <= 'z') || c == '_'; }

/// Whether `text` starts with `key=`.
constexpr bool starts_with_key(std::string_view text) noexcept {
    std::size_t i = 0;
    while (i < text.size() && is_key_char(text[i])) ++i;
    return i > 0 && i < text.size() && text[i] == '=';
}

template <class Int>
bool read_number(std::string_view key, const std::string& value, Int& to, std::string& error) {
    const auto n = parse_int64(value);
    if (!n || static_cast<std::int64_t>(static_cast<Int>(*n)) != *n) {
        error = cat(key, "=", value, ": not an integer in range");
        return false;
    }
    to = static_cast<Int>(*n);
    return true;
}

inline std::optional<timestamp> read_time(std::string_view text, timestamp now) {
    if (text == "now") return now;
    if (text.starts_with("now+") || text.starts_with("now-")) {
        const auto seconds = parse_int64(text.substr(4));
        if (!seconds || *seconds > 1'000'000'000'000) return std::nullopt;
        return text[3] == '+' ? now + std::chrono::seconds{*seconds} : now - std::chrono::seconds{*seconds};
    }
    return parse_rfc3339(text);
}

}  // namespace detail

/// "a=1,b=x,y" -> {("a","1"), ("b","x,y")}. An error for text that does not start with a key, or an empty key.
inline spec_result<spec_pairs> split_spec(std::string_view text) {
    spec_pairs pairs;
    if (text.empty()) return spec_result<spec_pairs>::failure("empty specification");
    if (!detail::starts_with_key(text)) {
        return spec_result<spec_pairs>::failure(detail::cat("'", text, "': expected key=value[,key=value...]"));
    }
    while (!text.empty()) {
        const auto eq = text.find('=');
        std::string key(text.substr(0, eq));
        text.remove_prefix(eq + 1);
        std::size_t end = 0;
        for (;; ++end) {
            end = text.find(',', end);
            if (end == std::string_view::npos || detail::starts_with_key(text.substr(end + 1))) break;
        }
        pairs.emplace_back(std::move(key), std::string(text.substr(0, end)));
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    }
    return {std::move(pairs), {}};
}

constexpr std::string_view to_string(fault::kind k) noexcept {
    using fk = fault::kind;
    switch (k) {
        case fk::delay: return "delay";
        case fk::http_status: return "http_status";
        case fk::rate_limited: return "rate_limited";
        case fk::close_before_read: return "close_before_read";
        case fk::close_after_read: return "close_after_read";
        case fk::truncated_body: return "truncated_body";
        case fk::malformed_json: return "malformed_json";
        case fk::unknown_status: return "unknown_status";
        case fk::reset_before_read: return "reset_before_read";
        case fk::reset_after_read: return "reset_after_read";
        case fk::interim_responses: return "interim_responses";
        case fk::trickle: return "trickle";
        case fk::huge_body: return "huge_body";
        case fk::truncated_chunked: return "truncated_chunked";
        case fk::malformed_status_line: return "malformed_status_line";
        case fk::other_job: return "other_job";
        case fk::absurd_headers: return "absurd_headers";
        case fk::malformed_page: return "malformed_page";
    }
    return "?";
}

constexpr std::optional<fault::kind> parse_fault_kind(std::string_view text) noexcept {
    for (int i = 0; i <= static_cast<int>(fault::kind::malformed_page); ++i) {
        const auto k = static_cast<fault::kind>(i);
        if (to_string(k) == text) return k;
    }
    return std::nullopt;
}

constexpr std::optional<page_defect> parse_page_defect(std::string_view text) noexcept {
    if (text == "items_missing") return page_defect::items_missing;
    if (text == "items_not_array") return page_defect::items_not_array;
    if (text == "item_wrong_types") return page_defect::item_wrong_types;
    if (text == "cursor_not_string") return page_defect::cursor_not_string;
    if (text == "cursor_repeats") return page_defect::cursor_repeats;
    return std::nullopt;
}

constexpr std::optional<scripted_outcome> parse_scripted_outcome(std::string_view text) noexcept {
    if (text == "succeeded") return scripted_outcome::succeeded;
    if (text == "error") return scripted_outcome::error;
    if (text == "canceled") return scripted_outcome::canceled;
    if (text == "skipped") return scripted_outcome::skipped;
    if (text == "error_then_retry") return scripted_outcome::error_then_retry;
    return std::nullopt;
}

/// A fault from key=value pairs (see the top of this file); `kind` is required.
inline spec_result<fault> fault_from_pairs(const spec_pairs& pairs) {
    using result = spec_result<fault>;
    fault f;
    bool has_kind = false;
    bool interim_given = false;
    std::string error;
    for (const auto& [key, value] : pairs) {
        std::int64_t ms = 0;
        if (key == "kind") {
            const auto k = parse_fault_kind(value);
            if (!k) return result::failure(detail::cat("kind=", value, ": not a fault kind"));
            f.what = *k;
            has_kind = true;
        } else if (key == "method") {
            if (detail::iequals(value, "GET")) {
                f.method = http_method::get;
            } else if (detail::iequals(value, "POST")) {
                f.method = http_method::post;
            } else {
                return result::failure(detail::cat("method=", value, ": GET or POST"));
            }
        } else if (key == "path" || key == "path_prefix") {
            f.path_prefix = value;
        } else if (key == "times") {
            if (!detail::read_number(key, value, f.times, error)) return result::failure(error);
        } else if (key == "status") {
            if (!detail::read_number(key, value, f.status, error)) return result::failure(error);
        } else if (key == "body") {
            f.body = value;
        } else if (key == "delay_ms" || key == "interval_ms") {
            if (!detail::read_number(key, value, ms, error)) return result::failure(error);
            if (ms < 0) return result::failure(detail::cat(key, " must not be negative"));
            (key == "delay_ms" ? f.delay : f.interval) = std::chrono::milliseconds{ms};
        } else if (key == "retry_after") {
            if (value == "seconds") {
                f.retry_after = retry_after_form::seconds;
            } else if (value == "http_date") {
                f.retry_after = retry_after_form::http_date;
            } else if (value == "omitted") {
                f.retry_after = retry_after_form::omitted;
            } else {
                return result::failure(detail::cat("retry_after=", value, ": seconds, http_date or omitted"));
            }
        } else if (key == "retry_after_seconds") {
            if (!detail::read_number(key, value, f.retry_after_seconds, error)) return result::failure(error);
        } else if (key == "retry_after_text") {
            f.retry_after_text = value;
        } else if (key == "reset_after_seconds") {
            std::int64_t seconds = 0;
            if (!detail::read_number(key, value, seconds, error)) return result::failure(error);
            f.reset_after_seconds = seconds;
        } else if (key == "status_text") {
            f.status_text = value;
        } else if (key == "interim") {
            if (!interim_given) f.interim_statuses.clear();
            interim_given = true;
            if (value.empty()) return result::failure("interim=: 1xx statuses joined by '+'");
            std::string_view rest = value;
            while (!rest.empty()) {
                const auto plus = rest.find('+');
                const auto n = detail::parse_int64(rest.substr(0, plus));
                if (!n || *n < 100 || *n > 199) return result::failure(detail::cat("interim=", value, ": 1xx statuses joined by '+'"));
                f.interim_statuses.push_back(static_cast<int>(*n));
                rest = plus == std::string_view::npos ? std::string_view{} : rest.substr(plus + 1);
            }
        } else if (key == "body_bytes") {
            std::int64_t n = 0;
            if (!detail::read_number(key, value, n, error) || n < 0) return result::failure(detail::cat("body_bytes=", value, ": a byte count"));
            f.body_bytes = static_cast<std::uint64_t>(n);
        } else if (key == "other_job_id") {
            if (!detail::read_number(key, value, f.other_job_id, error)) return result::failure(error);
        } else if (key == "status_line") {
            f.status_line = value;
        } else if (key == "header") {
            const auto colon = value.find(':');
            if (colon == std::string::npos || colon == 0) return result::failure(detail::cat("header=", value, ": NAME:VALUE"));
            f.headers.push_back({value.substr(0, colon), value.substr(colon + 1)});
        } else if (key == "defect") {
            const auto d = parse_page_defect(value);
            if (!d) return result::failure(detail::cat("defect=", value, ": not a page defect"));
            f.defect = *d;
        } else {
            return result::failure(detail::cat("unknown fault key '", key, "'"));
        }
    }
    if (!has_kind) return result::failure("a fault needs kind=...");
    return {std::move(f), {}};
}

inline spec_result<fault> parse_fault_spec(std::string_view text) {
    auto pairs = split_spec(text);
    if (!pairs) return spec_result<fault>::failure(std::move(pairs.error));
    return fault_from_pairs(*pairs.value);
}

/// A definition and its kind from key=value pairs; `kind` and `id` are required, `now` reads TIME values.
inline spec_result<std::pair<job_kind, definition>> definition_from_pairs(const spec_pairs& pairs, timestamp now) {
    using result = spec_result<std::pair<job_kind, definition>>;
    std::optional<job_kind> kind;
    definition d;
    std::string error;
    for (const auto& [key, value] : pairs) {
        if (key == "kind") {
            if (value == "job" || value == "transfer") kind = job_kind::transfer;
            else if (value == "workflow" || value == "pipeline") kind = job_kind::workflow;
            else if (value == "datamart") kind = job_kind::datamart;
            else return result::failure(detail::cat("kind=", value, ": job, workflow or datamart"));
        } else if (key == "id") {
            if (!detail::read_number(key, value, d.id, error)) return result::failure(error);
        } else if (key == "name") {
            d.name = value;
        } else if (key == "description") {
            d.description = value;
        } else if (key == "created_at" || key == "updated_at") {
            const auto t = detail::read_time(value, now);
            if (!t) return result::failure(detail::cat(key, "=", value, ": RFC 3339, now, now-SECONDS or now+SECONDS"));
            (key == "created_at" ? d.created_at : d.updated_at) = *t;
        } else if (key == "label") {
            const auto colon = value.find(':');
            const auto id = detail::parse_id(std::string_view(value).substr(0, colon));
            if (colon == std::string::npos || !id) return result::failure(detail::cat("label=", value, ": ID:NAME"));
            d.labels.push_back({*id, value.substr(colon + 1)});
        } else {
            return result::failure(detail::cat("unknown definition key '", key, "'"));
        }
    }
    if (!kind) return result::failure("a definition needs kind=job|workflow|datamart");
    if (d.id <= 0) return result::failure("a definition needs a positive id=...");
    return {std::pair(*kind, std::move(d)), {}};
}

inline spec_result<std::pair<job_kind, definition>> parse_definition_spec(std::string_view text, timestamp now) {
    auto pairs = split_spec(text);
    if (!pairs) return spec_result<std::pair<job_kind, definition>>::failure(std::move(pairs.error));
    return definition_from_pairs(*pairs.value, now);
}

/// A seeded job from key=value pairs; `definition` is required, `created_at` defaults to `now`.
inline spec_result<seeded_job> seeded_job_from_pairs(const spec_pairs& pairs, timestamp now) {
    using result = spec_result<seeded_job>;
    seeded_job job;
    job.created_at = now;
    std::string error;
    for (const auto& [key, value] : pairs) {
        if (key == "definition" || key == "job_definition_id") {
            if (!detail::read_number(key, value, job.job_definition_id, error)) return result::failure(error);
        } else if (key == "status") {
            job.status = value;
        } else if (key == "id") {
            std::int64_t id = 0;
            if (!detail::read_number(key, value, id, error) || id <= 0) return result::failure(detail::cat("id=", value, ": a positive id"));
            job.id = id;
        } else if (key == "created_at" || key == "started_at" || key == "finished_at") {
            const auto t = detail::read_time(value, now);
            if (!t) return result::failure(detail::cat(key, "=", value, ": RFC 3339, now, now-SECONDS or now+SECONDS"));
            if (key == "created_at") job.created_at = *t;
            else if (key == "started_at") job.started_at = *t;
            else job.finished_at = *t;
        } else {
            return result::failure(detail::cat("unknown seeded job key '", key, "'"));
        }
    }
    if (job.job_definition_id <= 0) return result::failure("a seeded job needs a positive definition=...");
    return {std::move(job), {}};
}

inline spec_result<seeded_job> parse_seeded_job_spec(std::string_view text, timestamp now) {
    auto pairs = split_spec(text);
    if (!pairs) return spec_result<seeded_job>::failure(std::move(pairs.error));
    return seeded_job_from_pairs(*pairs.value, now);
}

}  // namespace trocco::testing
