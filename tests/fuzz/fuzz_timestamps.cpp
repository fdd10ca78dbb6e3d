// Fuzz target: timestamps (parse_rfc3339, format_rfc3339, is_valid_context_time, format_context_time).
//
// Input: the text to parse. Its first eight bytes are also read as a little-endian int64 count of milliseconds, an
// instant to format.
// Checked: nothing crashes or overflows; a parsed timestamp within the years 0000-9999 formats to a 24-character
// RFC 3339 string that parses back to the same instant; is_valid_context_time holds exactly for a 19-character
// "YYYY-MM-DD HH:MM:SS" that parse_rfc3339 accepts with a "Z" appended, and such a text is what
// format_context_time gives back for that instant at offset 0; any instant can be formatted, and one within the
// four-digit years round-trips.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <trocco/context_time.hpp>
#include <trocco/timestamp.hpp>

#include "fuzz_support.hpp"

namespace {

using namespace std::chrono;
using trocco_fuzz::fail;

bool four_digit_year(trocco::timestamp t) {
    return t >= sys_days{year{0} / 1 / 1} && t < sys_days{year{10000} / 1 / 1};
}

void check_round_trip(trocco::timestamp t, std::string_view source) {
    const std::string text = trocco::format_rfc3339(t);
    if (text.size() != 24) fail("format_rfc3339", "not 24 characters: " + text);
    const auto again = trocco::parse_rfc3339(text);
    if (!again || *again != t) {
        fail("format_rfc3339", "does not parse back to the same instant: " + text + " (from " + std::string(source) + ")");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    if (const auto t = trocco::parse_rfc3339(text)) {
        if (text.size() < 20) fail("parse_rfc3339", "accepted a text shorter than a date, a time and a zone");
        if (four_digit_year(*t)) check_round_trip(*t, text);
    }

    const bool valid_context = trocco::is_valid_context_time(text);
    const auto as_utc = text.size() == 19 && text[10] == ' ' ? trocco::parse_rfc3339(std::string(text) + "Z")
                                                            : std::nullopt;
    if (valid_context != as_utc.has_value()) {
        fail("is_valid_context_time", valid_context ? "accepted a text that is no calendar time"
                                                    : "rejected a real calendar time");
    }
    if (as_utc && trocco::format_context_time(floor<seconds>(*as_utc), minutes{0}) != text) {
        fail("format_context_time", "does not give back the context time it was read from");
    }

    if (size >= 8) {
        std::int64_t count = 0;
        std::memcpy(&count, data, sizeof count);
        const trocco::timestamp instant{milliseconds{count}};
        if (trocco::format_rfc3339(instant).empty()) fail("format_rfc3339", "empty text");
        if (four_digit_year(instant)) check_round_trip(instant, "an instant from the input");
    }
    return 0;
}
