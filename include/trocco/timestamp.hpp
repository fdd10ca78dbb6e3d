// trocco/timestamp.hpp - RFC 3339 timestamps as the API sends them, stored as UTC instants.
#pragma once

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "detail/calendar.hpp"

namespace trocco {

/// An instant in UTC with millisecond precision (the API's finest resolution).
using timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

/// Parses an RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS", an optional fraction of any length (kept to the
/// millisecond, the rest truncated), then "Z" or a "+HH:MM"/"-HH:MM" offset. Both "2023-08-23T03:00:00.000+09:00"
/// and "2026-05-19T18:00:00+00:00" are accepted; "t", "z" and a space instead of "T" are accepted as RFC 3339
/// allows. Returns nullopt for anything else (no offset, an impossible date, trailing text).
constexpr std::optional<timestamp> parse_rfc3339(std::string_view text) noexcept {
    using namespace std::chrono;
    const auto civil = detail::parse_civil_time(text);
    if (!civil || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) return std::nullopt;

    std::size_t pos = 19;
    milliseconds fraction{0};
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        const std::size_t first = pos;
        int scale = 100;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            fraction += milliseconds{(text[pos] - '0') * scale};
            scale /= 10;
            ++pos;
        }
        if (pos == first) return std::nullopt;  // "." must be followed by at least one digit
    }

    if (pos >= text.size()) return std::nullopt;  // an offset is mandatory
    minutes offset{0};
    if (text[pos] == 'Z' || text[pos] == 'z') {
        ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
        const auto oh = detail::fixed_digits(text, pos + 1, 2);
        const auto om = detail::fixed_digits(text, pos + 4, 2);
        if (!oh || !om || text[pos + 3] != ':' || *oh > 23 || *om > 59) return std::nullopt;
        offset = hours{*oh} + minutes{*om};
        if (text[pos] == '-') offset = -offset;
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;

    return timestamp{sys_days{civil->date}} + civil->time_of_day + fraction - offset;
}

/// Formats an instant as RFC 3339 in UTC with milliseconds: "2023-08-22T18:00:00.000Z". The inverse of
/// parse_rfc3339 for years 0000-9999.
inline std::string format_rfc3339(timestamp t) {
    const auto f = detail::to_calendar_fields(t);
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", f.year, f.month, f.day, f.hour,
                  f.minute, f.second, f.millisecond);
    return buffer;
}

}  // namespace trocco
