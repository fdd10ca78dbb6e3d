// trocco/testing/detail/json_text.hpp - the fake server's answer texts: JSON that never throws on bad UTF-8,
// trocco's error bodies, timestamps in trocco's style (JST with milliseconds), HTTP dates, and the few time
// zones it understands.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <trocco/context_time.hpp>
#include <trocco/detail/calendar.hpp>
#include <trocco/timestamp.hpp>

namespace trocco::testing::detail {

using json = nlohmann::ordered_json;

/// Compact JSON text; invalid UTF-8 (from a client's bytes or a definition name) becomes U+FFFD instead of throwing.
inline std::string to_json_text(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

/// trocco's common error body: {"message": "..."}.
inline std::string message_body(std::string_view message) {
    json j;
    j["message"] = message;
    return to_json_text(j);
}

/// trocco's validation error body: {"message": "...", "errors": [{"attribute": ..., "message": ...}]}.
inline std::string validation_body(std::string_view attribute, std::string_view message) {
    json j;
    j["message"] = "Bad request. Please check your request payload";
    j["errors"] = json::array({{{"attribute", attribute}, {"message", message}}});
    return to_json_text(j);
}

/// "2025-06-01T09:00:12.000+09:00": an instant in Japan time, as trocco formats its timestamps.
inline std::string format_jst(timestamp t) {
    const auto f = trocco::detail::to_calendar_fields(t + std::chrono::minutes{jst_offset});
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03d+09:00", f.year, f.month, f.day, f.hour,
                  f.minute, f.second, f.millisecond);
    return buffer;
}

/// `base` + `seconds`, saturated to a UNIX time between 0 and year 9999 (so that a huge or negative offset
/// from a fault neither overflows nor formats as a year the HTTP date syntax cannot hold).
inline std::chrono::sys_seconds add_seconds_saturated(std::chrono::sys_seconds base, std::int64_t seconds) noexcept {
    constexpr std::int64_t latest = 253'402'300'799;  // 9999-12-31T23:59:59Z
    const std::int64_t from = base.time_since_epoch().count();
    std::int64_t sum = 0;
    if (__builtin_add_overflow(from, seconds, &sum)) sum = seconds < 0 ? 0 : latest;
    if (sum < 0) sum = 0;
    if (sum > latest) sum = latest;
    return std::chrono::sys_seconds{std::chrono::seconds{sum}};
}

/// An IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
inline std::string format_http_date(std::chrono::sys_seconds t) {
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::weekday weekday{day};
    const auto f = trocco::detail::to_calendar_fields(std::chrono::time_point_cast<std::chrono::milliseconds>(t));
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "%s, %02u %s %04d %02d:%02d:%02d GMT", days[weekday.c_encoding()], f.day,
                  months[(f.month - 1) % 12], f.year, f.hour, f.minute, f.second);
    return buffer;
}

/// UTC offsets of the time zones the fake understands (for a context_time, and the history filters). None of
/// them observes daylight saving time.
inline std::optional<std::chrono::minutes> known_zone_offset(std::string_view zone) noexcept {
    using std::chrono::minutes;
    if (zone == "Asia/Tokyo" || zone == "Japan" || zone == "Asia/Seoul") return minutes{9 * 60};
    if (zone == "Etc/UTC" || zone == "UTC" || zone == "Etc/GMT" || zone == "GMT" || zone == "Etc/Universal") {
        return minutes{0};
    }
    if (zone == "Asia/Kolkata" || zone == "Asia/Calcutta") return minutes{5 * 60 + 30};
    if (zone == "Asia/Singapore" || zone == "Asia/Shanghai" || zone == "Asia/Taipei") return minutes{8 * 60};
    return std::nullopt;
}

/// "YYYY-MM-DD HH:MM:SS" read in a UTC offset, as an instant; nullopt if it is not a valid context_time.
inline std::optional<timestamp> civil_to_instant(std::string_view text, std::chrono::minutes offset) noexcept {
    if (!is_valid_context_time(text)) return std::nullopt;
    const auto civil = trocco::detail::parse_civil_time(text);
    if (!civil) return std::nullopt;
    const auto instant = std::chrono::sys_days{civil->date} + civil->time_of_day - offset;
    return std::chrono::time_point_cast<std::chrono::milliseconds>(instant);
}

}  // namespace trocco::testing::detail
