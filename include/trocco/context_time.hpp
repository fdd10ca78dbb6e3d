// trocco/context_time.hpp - the `context_time` parameter: "YYYY-MM-DD HH:MM:SS", read by trocco in a time zone.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "detail/calendar.hpp"

namespace trocco {

/// True when `text` is exactly "YYYY-MM-DD HH:MM:SS" (19 characters, a space between date and time) and names
/// a real calendar time: "2019-11-18 00:00:00" is valid; "2019-02-30 00:00:00", "2019-11-18T00:00:00" and
/// "2019-11-18 24:00:00" are not.
constexpr bool is_valid_context_time(std::string_view text) noexcept {
    return text.size() == 19 && text[10] == ' ' && detail::parse_civil_time(text).has_value();
}

/// The offset of Japan Standard Time, in which trocco reads a context_time when no time_zone is given.
inline constexpr std::chrono::minutes jst_offset{9 * 60};

/// Formats an instant as a context_time in the given UTC offset (JST by default), e.g. 2019-11-17T15:00:00Z ->
/// "2019-11-18 00:00:00". Pair a non-JST offset with the matching `time_zone` in the request.
inline std::string format_context_time(std::chrono::sys_seconds instant, std::chrono::minutes utc_offset = jst_offset) {
    const auto f = detail::to_calendar_fields(instant + utc_offset);
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u %02d:%02d:%02d", f.year, f.month, f.day, f.hour, f.minute,
                  f.second);
    return buffer;
}

}  // namespace trocco
