// tests/support/text.hpp - small text checks shared by every test program.
#pragma once

#include <string_view>

namespace test_support {

/// Whether `part` occurs in `text`.
inline bool contains(std::string_view text, std::string_view part) noexcept {
    return text.find(part) != std::string_view::npos;
}

/// Whether any byte of `text` is an ASCII control character other than newline (a CR, an escape sequence).
inline bool has_control_characters(std::string_view text) noexcept {
    for (const char c : text) {
        const auto b = static_cast<unsigned char>(c);
        if ((b < 0x20 && b != '\n') || b == 0x7F) return true;
    }
    return false;
}

}  // namespace test_support
