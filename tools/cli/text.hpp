// tools/cli/text.hpp - small text helpers of the tool's output: text from the server made safe for a terminal, and
// durations as people read them ("12m03s"). Pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <trocco/detail/text.hpp>

namespace trocco::cli {

/// The parts (anything a std::string_view can view) joined into one string, appended one after the other. Used
/// instead of `"literal" + std::string(...)`, whose inlined insert makes g++ 12 at -O2 report false -Wrestrict
/// warnings (GCC bug 105329).
template <class... Parts>
std::string cat(const Parts&... parts) {
    std::string out;
    out.reserve((std::string_view(parts).size() + ... + 0));
    (out.append(std::string_view(parts)), ...);
    return out;
}

/// `text` safe for a terminal: control characters (an escape sequence in a server's message) become '?', invalid
/// UTF-8 bytes too; valid UTF-8 (Japanese) is kept.
inline std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b = static_cast<unsigned char>(text[i]);
        if (b < 0x20 || b == 0x7F) {
            out += '?';
            ++i;
            continue;
        }
        if (b < 0x80) {
            out += static_cast<char>(b);
            ++i;
            continue;
        }
        const std::size_t length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        if (length > 1 && i + length <= text.size() && trocco::detail::is_valid_utf8(text.substr(i, length))) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out += '?';
            ++i;
        }
    }
    return out;
}

/// A duration as people read it, whole seconds rounded down: "0s", "45s", "12m03s", "2h05m07s", "3d04h00m".
/// Negative durations print as "0s".
inline std::string format_elapsed(std::chrono::milliseconds d) {
    const std::int64_t total = d.count() < 0 ? 0 : d.count() / 1000;
    const std::int64_t days = total / 86400;
    const std::int64_t hours = total / 3600 % 24;
    const std::int64_t minutes = total / 60 % 60;
    const std::int64_t seconds = total % 60;
    char buffer[48];
    if (days > 0) {
        std::snprintf(buffer, sizeof buffer, "%lldd%02lldh%02lldm", static_cast<long long>(days),
                      static_cast<long long>(hours), static_cast<long long>(minutes));
    } else if (hours > 0) {
        std::snprintf(buffer, sizeof buffer, "%lldh%02lldm%02llds", static_cast<long long>(hours),
                      static_cast<long long>(minutes), static_cast<long long>(seconds));
    } else if (minutes > 0) {
        std::snprintf(buffer, sizeof buffer, "%lldm%02llds", static_cast<long long>(minutes),
                      static_cast<long long>(seconds));
    } else {
        std::snprintf(buffer, sizeof buffer, "%llds", static_cast<long long>(seconds));
    }
    return buffer;
}

}  // namespace trocco::cli
