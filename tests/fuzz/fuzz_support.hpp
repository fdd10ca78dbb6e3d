// tests/fuzz/fuzz_support.hpp - what the fuzz targets share: failing loudly when an invariant breaks, the list of
// already-reported bugs a triage run may tolerate, and drawing HTTP statuses, headers and wall times from the input.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include <trocco/detail/text.hpp>
#include <trocco/http.hpp>

namespace trocco_fuzz {

/// Prints which invariant broke (and the detail that shows how) and aborts: libFuzzer then saves the input.
[[noreturn]] inline void fail(std::string_view invariant, std::string_view detail = {}) {
    std::fprintf(stderr, "\n==trocco-fuzz== invariant violated: %.*s\n", static_cast<int>(invariant.size()),
                 invariant.data());
    if (!detail.empty()) std::fprintf(stderr, "==trocco-fuzz== %.*s\n", static_cast<int>(detail.size()), detail.data());
    std::abort();
}

/// True when `name` is listed in the environment variable TROCCO_FUZZ_KNOWN (comma-separated): a bug already
/// reported and not fixed yet, which a long triage run may step over to look for others. Nothing sets it by
/// default; tests/fuzz/run passes it through so that the list is always explicit where it is used.
inline bool known_bug(std::string_view name) {
    static const std::string list = [] {
        const char* value = std::getenv("TROCCO_FUZZ_KNOWN");
        return value ? "," + std::string(value) + "," : std::string();
    }();
    return list.find("," + std::string(name) + ",") != std::string::npos;
}

/// fail() unless the bug is listed as known (see known_bug()).
inline void fail_unless_known(std::string_view bug, std::string_view invariant, std::string_view detail = {}) {
    if (!known_bug(bug)) fail(std::string(invariant) + " [known-bug name: " + std::string(bug) + "]", detail);
}

/// True when `text` contains `needle`.
inline bool contains(std::string_view text, std::string_view needle) {
    return text.find(needle) != std::string_view::npos;
}

/// An HTTP answer from raw fuzz input: the first two bytes are the status (any 16-bit value), the rest the body.
/// False when the input is too short.
inline bool response_from_input(const std::uint8_t* data, std::size_t size, trocco::http_response& response) {
    if (size < 2) return false;
    response.status = static_cast<std::int16_t>(static_cast<std::uint16_t>(data[0] << 8 | data[1]));
    response.body.assign(reinterpret_cast<const char*>(data + 2), size - 2);
    return true;
}

/// An HTTP status: usually one of those the client treats specially, sometimes anything an int can hold.
inline int draw_status(FuzzedDataProvider& in) {
    static constexpr int interesting[] = {200, 201, 202, 204, 299, 100, 101, 103, 199, 300, 304, 399, 400, 401, 403,
                                          404, 405, 408, 409, 422, 429, 451, 499, 500, 501, 502, 503, 504, 599, 600,
                                          0,   -1,  999, 1000, std::numeric_limits<int>::min(),
                                          std::numeric_limits<int>::max()};
    if (in.ConsumeBool()) return in.PickValueInArray(interesting);
    return in.ConsumeIntegral<int>();
}

/// A wall-clock time: near 2026 mostly, sometimes anything std::chrono::system_clock can represent.
inline std::chrono::system_clock::time_point draw_wall_time(FuzzedDataProvider& in) {
    using clock = std::chrono::system_clock;
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
        case 0:
            return clock::time_point{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}} +
                   std::chrono::seconds{in.ConsumeIntegralInRange<std::int64_t>(-2'000'000'000, 2'000'000'000)};
        case 1: return clock::time_point{clock::duration{in.ConsumeIntegral<clock::rep>()}};
        case 2: return clock::time_point::max();
        default: return clock::time_point::min();
    }
}

/// "Sun, 06 Nov 1994 08:49:37 GMT" for the given fields (not checked: the parser is what is being tested).
inline std::string imf_fixdate(unsigned year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                               unsigned second) {
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char text[64];
    std::snprintf(text, sizeof text, "Mon, %02u %s %04u %02u:%02u:%02u GMT", day % 100, months[(month + 11) % 12],
                  year % 10000, hour % 100, minute % 100, second % 100);
    return text;
}

/// A header value for Retry-After or X-Rate-Limit-*: a number (small, near `wall_seconds`, or huge), an HTTP
/// date, or any text.
inline std::string draw_header_value(FuzzedDataProvider& in, std::int64_t wall_seconds) {
    switch (in.ConsumeIntegralInRange<int>(0, 5)) {
        case 0: return std::to_string(in.ConsumeIntegralInRange<std::int64_t>(0, 100'000));
        case 1: {
            // Saturating: wall_seconds may be anything the clock holds.
            const auto delta = in.ConsumeIntegralInRange<std::int64_t>(-100'000, 100'000);
            const auto max = std::numeric_limits<std::int64_t>::max();
            const auto min = std::numeric_limits<std::int64_t>::min();
            if (delta > 0 && wall_seconds > max - delta) return std::to_string(max);
            if (delta < 0 && wall_seconds < min - delta) return std::to_string(min);
            return std::to_string(wall_seconds + delta);
        }
        case 2: return std::to_string(in.ConsumeIntegral<std::uint64_t>());
        case 3: {
            const auto year = in.ConsumeIntegralInRange<unsigned>(0, 9999);
            const auto month = in.ConsumeIntegralInRange<unsigned>(1, 12);
            const auto day = in.ConsumeIntegralInRange<unsigned>(0, 32);
            const auto hour = in.ConsumeIntegralInRange<unsigned>(0, 24);
            const auto minute = in.ConsumeIntegralInRange<unsigned>(0, 60);
            const auto second = in.ConsumeIntegralInRange<unsigned>(0, 60);
            return imf_fixdate(year, month, day, hour, minute, second);
        }
        default: return in.ConsumeRandomLengthString(40);
    }
}

/// A header list: mostly the names the client reads (in any case), sometimes other names.
inline std::vector<trocco::http_header> draw_headers(FuzzedDataProvider& in, std::int64_t wall_seconds,
                                                     std::size_t max_count = 5) {
    static constexpr const char* names[] = {"Retry-After",        "retry-after",        "RETRY-AFTER",
                                            "X-Rate-Limit-Reset", "x-rate-limit-reset", "X-Rate-Limit-Limit",
                                            "X-Rate-Limit-Remaining", "Content-Type", "Date"};
    std::vector<trocco::http_header> headers;
    const auto count = in.ConsumeIntegralInRange<std::size_t>(0, max_count);
    for (std::size_t i = 0; i < count && in.remaining_bytes() > 0; ++i) {
        std::string name = in.ConsumeBool() ? std::string(in.PickValueInArray(names)) : in.ConsumeRandomLengthString(24);
        std::string value = draw_header_value(in, wall_seconds);
        headers.push_back({std::move(name), std::move(value)});
    }
    return headers;
}

}  // namespace trocco_fuzz
