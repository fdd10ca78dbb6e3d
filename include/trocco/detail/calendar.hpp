// trocco/detail/calendar.hpp - fixed-width digit fields and calendar checks shared by the timestamp parsers.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>

namespace trocco::detail {

/// Reads exactly `width` ASCII digits at `pos`; nullopt if the text is shorter or a character is not a digit.
constexpr std::optional<int> fixed_digits(std::string_view text, std::size_t pos, std::size_t width) noexcept {
    if (pos > text.size() || text.size() - pos < width) return std::nullopt;
    int value = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

/// A civil date and time of day, read from "YYYY-MM-DD?HH:MM:SS" (any single separator between date and time;
/// the caller decides which separators it accepts).
struct civil_time {
    std::chrono::year_month_day date;
    std::chrono::seconds time_of_day;
};

/// Parses the 19 characters "YYYY-MM-DD?HH:MM:SS" at the start of `text`, checking that the date exists in the
/// proleptic Gregorian calendar and that hour <= 23, minute <= 59, second <= 59.
constexpr std::optional<civil_time> parse_civil_time(std::string_view text) noexcept {
    if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[13] != ':' || text[16] != ':') {
        return std::nullopt;
    }
    const auto y = fixed_digits(text, 0, 4);
    const auto mo = fixed_digits(text, 5, 2);
    const auto d = fixed_digits(text, 8, 2);
    const auto h = fixed_digits(text, 11, 2);
    const auto mi = fixed_digits(text, 14, 2);
    const auto s = fixed_digits(text, 17, 2);
    if (!y || !mo || !d || !h || !mi || !s) return std::nullopt;
    const std::chrono::year_month_day date{std::chrono::year{*y}, std::chrono::month{static_cast<unsigned>(*mo)},
                                           std::chrono::day{static_cast<unsigned>(*d)}};
    if (!date.ok() || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
    return civil_time{date, std::chrono::hours{*h} + std::chrono::minutes{*mi} + std::chrono::seconds{*s}};
}

/// The calendar fields of an instant, for formatting.
struct calendar_fields {
    int year;
    unsigned month;
    unsigned day;
    int hour;
    int minute;
    int second;
    int millisecond;
};

/// The calendar fields of `t`, clamped to years 0000-9999 (the range the formats write; an instant beyond them,
/// which no answer from the wire holds, would overflow the calendar arithmetic).
inline calendar_fields to_calendar_fields(std::chrono::sys_time<std::chrono::milliseconds> t) noexcept {
    using namespace std::chrono;
    constexpr sys_time<milliseconds> earliest{sys_days{year{0} / January / 1}};
    constexpr sys_time<milliseconds> latest{sys_days{year{9999} / December / 31} + hours{24} - milliseconds{1}};
    t = std::clamp(t, earliest, latest);
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<milliseconds> tod{t - day};
    return {static_cast<int>(ymd.year()),         static_cast<unsigned>(ymd.month()),
            static_cast<unsigned>(ymd.day()),     static_cast<int>(tod.hours().count()),
            static_cast<int>(tod.minutes().count()), static_cast<int>(tod.seconds().count()),
            static_cast<int>(tod.subseconds().count())};
}

}  // namespace trocco::detail
