// trocco/rate_limit.hpp - what a response says about when to come back: Retry-After and X-Rate-Limit-*.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detail/calendar.hpp"
#include "http.hpp"

namespace trocco {

/// trocco's rate-limit headers (counted per account: 3,500 calls per 10 minutes on paid plans). Each field is
/// empty when its header is absent or not a non-negative integer.
struct rate_limit_info {
    std::optional<std::int64_t> limit;      ///< X-Rate-Limit-Limit
    std::optional<std::int64_t> remaining;  ///< X-Rate-Limit-Remaining
    std::optional<std::chrono::sys_seconds> reset;  ///< X-Rate-Limit-Reset (UNIX seconds)

    friend bool operator==(const rate_limit_info&, const rate_limit_info&) = default;
};

namespace detail {

/// A non-negative decimal integer, optionally surrounded by spaces; nullopt if it is anything else or overflows.
constexpr std::optional<std::int64_t> parse_non_negative(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (text.empty() || text.size() > 18) return std::nullopt;  // 18 digits cannot overflow int64
    std::int64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

inline std::optional<std::int64_t> header_integer(const std::vector<http_header>& headers, std::string_view name) {
    const auto* value = find_header(headers, name);
    return value ? parse_non_negative(*value) : std::nullopt;
}

}  // namespace detail

inline rate_limit_info parse_rate_limit(const std::vector<http_header>& headers) {
    rate_limit_info info;
    info.limit = detail::header_integer(headers, "X-Rate-Limit-Limit");
    info.remaining = detail::header_integer(headers, "X-Rate-Limit-Remaining");
    if (const auto reset = detail::header_integer(headers, "X-Rate-Limit-Reset")) {
        info.reset = std::chrono::sys_seconds{std::chrono::seconds{*reset}};
    }
    return info;
}

/// Parses an IMF-fixdate, the HTTP date format: "Sun, 06 Nov 1994 08:49:37 GMT". (The obsolete RFC 850 and
/// asctime forms are not accepted: no current server sends them in Retry-After.)
inline std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text) noexcept {
    using namespace std::chrono;
    // "Sun, 06 Nov 1994 08:49:37 GMT": day name, comma, day, month name, year, time, GMT.
    if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' || text[11] != ' ' ||
        text[16] != ' ' || text.substr(25) != " GMT") {
        return std::nullopt;
    }
    constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    unsigned month = 0;
    for (unsigned i = 0; i < 12; ++i) {
        if (text.substr(8, 3) == months[i]) month = i + 1;
    }
    if (month == 0) return std::nullopt;
    // Reassemble as "YYYY-MM-DD HH:MM:SS" and reuse the calendar-checked parser.
    std::string iso = std::string(text.substr(12, 4)) + "-00-" + std::string(text.substr(5, 2)) + " " +
                      std::string(text.substr(17, 8));
    iso[5] = static_cast<char>('0' + month / 10);
    iso[6] = static_cast<char>('0' + month % 10);
    const auto civil = detail::parse_civil_time(iso);
    if (!civil) return std::nullopt;
    return sys_seconds{sys_days{civil->date}} + civil->time_of_day;
}

/// The delay a Retry-After header asks for: delta-seconds ("7"), or an HTTP date measured from `now` (a date in
/// the past gives zero). nullopt when the header is absent or malformed.
inline std::optional<std::chrono::seconds> retry_after(const std::vector<http_header>& headers,
                                                       std::chrono::sys_seconds now) {
    const auto* value = find_header(headers, "Retry-After");
    if (!value) return std::nullopt;
    if (const auto seconds = detail::parse_non_negative(*value)) return std::chrono::seconds{*seconds};
    if (const auto date = parse_http_date(*value)) {
        return *date > now ? *date - now : std::chrono::seconds{0};
    }
    return std::nullopt;
}

}  // namespace trocco
