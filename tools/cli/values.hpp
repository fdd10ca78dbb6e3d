// tools/cli/values.hpp - the values options take: ids, counts, durations with units, NAME=VALUE variables, text.
// Pure functions returning nullopt for anything they do not accept; the option table turns that into a message.
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <trocco/detail/text.hpp>
#include <trocco/requests.hpp>

namespace trocco::cli {

/// A positive decimal integer that fits in int64 ("42"); no sign, no spaces, no leading '+'.
inline std::optional<std::int64_t> parse_id(std::string_view text) noexcept {
    if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value <= 0) return std::nullopt;
    return value;
}

/// The longest duration accepted: 999,999,999 seconds (about 31 years), far below what milliseconds can hold,
/// so that a sum or a later addition to a time point cannot overflow.
inline constexpr std::chrono::milliseconds max_duration{999'999'999'000};

/// A duration: a number of seconds ("90", "0.5"), or numbers with units, one after the other ("90s", "15m",
/// "2h", "1h30m", "250ms", "1.5m"). Units: ms, s, m, h. Fractions allowed, rounded to the millisecond. nullopt
/// for anything else, for 0 ms, and for more than max_duration.
inline std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) noexcept {
    if (text.empty()) return std::nullopt;
    std::int64_t total = 0;
    bool bare_number = false;
    std::size_t i = 0;
    while (i < text.size()) {
        if (bare_number) return std::nullopt;  // "90" is whole; "90 5s" or "90x" is not a duration
        // The number: up to 9 digits, an optional fraction (digits beyond the 9th are ignored).
        std::int64_t whole = 0;
        std::size_t digits = 0;
        for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
            if (digits == 9) return std::nullopt;
            whole = whole * 10 + (text[i] - '0');
        }
        if (digits == 0) return std::nullopt;
        std::int64_t fraction = 0;
        std::int64_t scale = 1;
        if (i < text.size() && text[i] == '.') {
            ++i;
            std::size_t fraction_digits = 0;
            for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++fraction_digits) {
                if (fraction_digits < 9) {
                    fraction = fraction * 10 + (text[i] - '0');
                    scale *= 10;
                }
            }
            if (fraction_digits == 0) return std::nullopt;
        }
        // The unit; none means seconds, and then the number must be all there is.
        std::int64_t unit_ms = 1000;
        const std::string_view rest = text.substr(i);
        if (rest.empty()) {
            bare_number = true;
        } else if (rest.starts_with("ms")) {
            unit_ms = 1;
            i += 2;
        } else if (rest[0] == 's' || rest[0] == 'm' || rest[0] == 'h') {
            unit_ms = rest[0] == 's' ? 1000 : rest[0] == 'm' ? 60'000 : 3'600'000;
            i += 1;
        } else {
            return std::nullopt;
        }
        // whole < 1e9 and unit_ms <= 3.6e6: the products stay below 4e15, and the fraction's below 4e15 too.
        const std::int64_t part = whole * unit_ms + (fraction * unit_ms * 2 + scale) / (scale * 2);
        total += part;
        if (total > max_duration.count()) return std::nullopt;
    }
    if (total <= 0) return std::nullopt;
    return std::chrono::milliseconds{total};
}

/// Splits "NAME=VALUE" at the first '='. nullopt without '=' or with an empty NAME.
inline std::optional<custom_variable> parse_variable(std::string_view text) {
    const auto eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    return custom_variable{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

/// Text fit to send: non-empty, valid UTF-8, no control characters.
inline bool is_plain_text(std::string_view text) noexcept {
    return !text.empty() && trocco::detail::is_valid_utf8(text) && !trocco::detail::has_control_char(text);
}

}  // namespace trocco::cli
