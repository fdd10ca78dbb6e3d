// tests/support/timestamps.hpp - a trocco::timestamp from RFC 3339 text, for tests that build jobs with times.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <trocco/timestamp.hpp>

#include "../catch.hpp"

namespace test_support {

/// The instant `text` names (RFC 3339); the test fails if it does not parse.
inline trocco::timestamp at(std::string_view text) {
    const auto t = trocco::parse_rfc3339(text);
    REQUIRE(t.has_value());
    return *t;
}

/// `t` as whole seconds since the Unix epoch, in decimal (how Retry-After-like headers spell an instant).
inline std::string unix_seconds(std::chrono::system_clock::time_point t) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

}  // namespace test_support
