// tests/support/timestamps.hpp - a trocco::timestamp from RFC 3339 text, for tests that build jobs with times.
#pragma once

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

}  // namespace test_support
