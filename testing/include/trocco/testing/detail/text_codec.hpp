// trocco/testing/detail/text_codec.hpp - the text decoding the fake server needs: query strings and form
// bodies, base64 (its opaque cursors), case-insensitive ASCII comparison, strict decimal numbers.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trocco::testing::detail {

/// The parts joined into one string. (Spelled out with append because g++ 12 at -O2 raises false -Wrestrict
/// warnings on `"literal" + std::string(...)`.)
template <class... Parts>
std::string cat(const Parts&... parts) {
    std::string out;
    (out.append(std::string_view(parts)), ...);
    return out;
}

constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

/// Whether `needle` occurs in `haystack`, ignoring ASCII case (as MySQL's default collation compares names).
constexpr bool icontains(std::string_view haystack, std::string_view needle) noexcept {
    if (needle.size() > haystack.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
        if (iequals(haystack.substr(i, needle.size()), needle)) return true;
    }
    return false;
}

/// A decimal integer, optionally negative, nothing else (no sign "+", no spaces); nullopt when it overflows.
constexpr std::optional<std::int64_t> parse_int64(std::string_view text) noexcept {
    const bool negative = !text.empty() && text.front() == '-';
    if (negative) text.remove_prefix(1);
    if (text.empty() || text.size() > 19) return std::nullopt;
    std::uint64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (value > max + (negative ? 1 : 0)) return std::nullopt;
    if (negative) {
        return value == max + 1 ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(value);
    }
    return static_cast<std::int64_t>(value);
}

/// A positive decimal int64 (an id), nothing else.
constexpr std::optional<std::int64_t> parse_id(std::string_view text) noexcept {
    if (text.empty() || text.front() == '-') return std::nullopt;
    const auto value = parse_int64(text);
    if (!value || *value <= 0) return std::nullopt;
    return value;
}

constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// Decodes %XX (a malformed escape is kept as is) and, for form data, '+' as a space.
inline std::string percent_decode(std::string_view text, bool plus_is_space = true) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%' && i + 2 < text.size()) {
            const int hi = hex_value(text[i + 1]);
            const int lo = hex_value(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += (c == '+' && plus_is_space) ? ' ' : c;
    }
    return out;
}

/// Splits "a=1&b=2" (application/x-www-form-urlencoded, or a query string) into decoded pairs, in order.
inline std::vector<std::pair<std::string, std::string>> parse_form(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> pairs;
    while (!text.empty()) {
        const auto amp = text.find('&');
        const std::string_view item = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
        if (item.empty()) continue;
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            pairs.emplace_back(percent_decode(item), std::string{});
        } else {
            pairs.emplace_back(percent_decode(item.substr(0, eq)), percent_decode(item.substr(eq + 1)));
        }
    }
    return pairs;
}

/// The value of the last `key` in a decoded query (Rails: the last one wins); nullopt when absent.
inline std::optional<std::string> query_value(const std::vector<std::pair<std::string, std::string>>& query,
                                              std::string_view key) {
    std::optional<std::string> found;
    for (const auto& [k, v] : query) {
        if (k == key) found = v;
    }
    return found;
}

inline constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with '=' padding (RFC 4648 §4).
inline std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t n = bytes.size() - i < 3 ? bytes.size() - i : 3;
        std::uint32_t group = 0;
        for (std::size_t k = 0; k < 3; ++k) {
            group = (group << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
        }
        for (std::size_t k = 0; k < 4; ++k) {
            out += k <= n ? base64_alphabet[(group >> (18 - 6 * k)) & 63] : '=';
        }
    }
    return out;
}

/// The inverse of base64_encode; nullopt for anything that is not canonical padded base64.
inline std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::uint32_t group = 0;
        std::size_t pad = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = text[i + k];
            std::uint32_t v = 0;
            if (c == '=') {
                if (i + 4 != text.size() || k < 2) return std::nullopt;
                ++pad;
            } else {
                if (pad > 0) return std::nullopt;
                const auto at = base64_alphabet.find(c);
                if (at == std::string_view::npos) return std::nullopt;
                v = static_cast<std::uint32_t>(at);
            }
            group = (group << 6) | v;
        }
        for (std::size_t k = 0; k < 3 - pad; ++k) out += static_cast<char>((group >> (16 - 8 * k)) & 0xFF);
    }
    return out;
}

}  // namespace trocco::testing::detail
