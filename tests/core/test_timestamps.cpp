// Tests of RFC 3339 timestamps (parse_rfc3339, format_rfc3339) and of context_time (is_valid_context_time,
// format_context_time).
#include <trocco/trocco.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "../catch.hpp"

namespace {

using namespace std::chrono;

// A UTC instant from its calendar fields.
trocco::timestamp utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
    return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
}

// The parser is constexpr: the examples of trocco-api.md hold at compile time too.
static_assert(trocco::parse_rfc3339("2023-08-23T03:00:00.000+09:00").has_value());
static_assert(!trocco::parse_rfc3339("2023-08-23T03:00:00").has_value());
static_assert(trocco::is_valid_context_time("2019-11-18 00:00:00"));
static_assert(!trocco::is_valid_context_time("2019-02-30 00:00:00"));

}  // namespace

TEST_CASE("parse_rfc3339: the forms trocco sends", "[timestamp]") {
    // Definitions and labels: milliseconds and +09:00.
    const auto a = trocco::parse_rfc3339("2023-08-23T03:00:00.000+09:00");
    REQUIRE(a.has_value());
    CHECK(*a == sys_days{year{2023} / August / day{22}} + hours{18});

    // dbt pages: no fraction, UTC as +00:00.
    const auto b = trocco::parse_rfc3339("2026-05-19T18:00:00+00:00");
    REQUIRE(b.has_value());
    CHECK(*b == sys_days{year{2026} / May / day{19}} + hours{18});

    const auto c = trocco::parse_rfc3339("2024-07-29T19:00:00.000+09:00");
    REQUIRE(c.has_value());
    CHECK(*c == sys_days{year{2024} / July / day{29}} + hours{10});
}

TEST_CASE("parse_rfc3339: fractions of 1 to 9 digits and beyond, kept to the millisecond", "[timestamp]") {
    struct case_t {
        const char* text;
        int ms;
    };
    const case_t cases[] = {
        {"2025-06-01T00:00:00Z", 0},
        {"2025-06-01T00:00:00.5Z", 500},
        {"2025-06-01T00:00:00.05Z", 50},
        {"2025-06-01T00:00:00.12Z", 120},
        {"2025-06-01T00:00:00.123Z", 123},
        {"2025-06-01T00:00:00.1234Z", 123},
        {"2025-06-01T00:00:00.12345Z", 123},
        {"2025-06-01T00:00:00.123456Z", 123},
        {"2025-06-01T00:00:00.1234567Z", 123},
        {"2025-06-01T00:00:00.12345678Z", 123},
        {"2025-06-01T00:00:00.123456789Z", 123},
        {"2025-06-01T00:00:00.999999999Z", 999},
        {"2025-06-01T00:00:00.000000001Z", 0},
        {"2025-06-01T00:00:00.0009Z", 0},
        {"2025-06-01T00:00:00.000+00:00", 0},
        {"2025-06-01T00:00:00.001+00:00", 1},
        {"2025-06-01T00:00:00.9876543210987654321098765Z", 987},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const auto t = trocco::parse_rfc3339(c.text);
        REQUIRE(t.has_value());
        CHECK(*t == utc(2025, 6, 1, 0, 0, 0, c.ms));
    }
}

TEST_CASE("parse_rfc3339: offsets, Z, z, t and space separators", "[timestamp]") {
    struct case_t {
        const char* text;
        trocco::timestamp expected;
    };
    const case_t cases[] = {
        {"2025-06-01T09:00:00Z", utc(2025, 6, 1, 9)},
        {"2025-06-01T09:00:00z", utc(2025, 6, 1, 9)},
        {"2025-06-01t09:00:00Z", utc(2025, 6, 1, 9)},
        {"2025-06-01 09:00:00Z", utc(2025, 6, 1, 9)},
        {"2025-06-01 09:00:00.250+09:00", utc(2025, 6, 1, 0, 0, 0, 250)},
        {"2025-06-01T09:00:00+00:00", utc(2025, 6, 1, 9)},
        {"2025-06-01T09:00:00-00:00", utc(2025, 6, 1, 9)},
        {"2025-06-01T09:00:00+09:00", utc(2025, 6, 1, 0)},
        {"2025-06-01T09:00:12.000+09:00", utc(2025, 6, 1, 0, 0, 12)},
        {"2025-06-01T09:03:40.000+09:00", utc(2025, 6, 1, 0, 3, 40)},
        {"2025-06-01T09:00:00-05:30", utc(2025, 6, 1, 14, 30)},
        {"2025-06-01T09:00:00+05:45", utc(2025, 6, 1, 3, 15)},
        {"2025-06-01T09:00:00+23:59", utc(2025, 5, 31, 9, 1)},
        {"2025-06-01T09:00:00-23:59", utc(2025, 6, 2, 8, 59)},
        // Day, month and year rollover through the offset.
        {"2025-06-01T00:30:00+09:00", utc(2025, 5, 31, 15, 30)},
        {"2025-01-01T08:59:59.999+09:00", utc(2024, 12, 31, 23, 59, 59, 999)},
        {"2024-12-31T23:30:00-05:30", utc(2025, 1, 1, 5, 0)},
        {"2024-03-01T00:00:00+09:00", utc(2024, 2, 29, 15)},
        {"2023-03-01T00:00:00+09:00", utc(2023, 2, 28, 15)},
        // Leap days and the edges of the day.
        {"2024-02-29T12:00:00Z", utc(2024, 2, 29, 12)},
        {"2000-02-29T00:00:00Z", utc(2000, 2, 29)},
        {"2025-06-01T23:59:59Z", utc(2025, 6, 1, 23, 59, 59)},
        {"2025-06-01T00:00:00Z", utc(2025, 6, 1)},
        {"1970-01-01T00:00:00Z", trocco::timestamp{}},
        {"1969-12-31T23:59:59.999Z", trocco::timestamp{} - milliseconds{1}},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const auto t = trocco::parse_rfc3339(c.text);
        REQUIRE(t.has_value());
        CHECK(*t == c.expected);
        CHECK(trocco::format_rfc3339(*t) == trocco::format_rfc3339(c.expected));
    }
}

TEST_CASE("parse_rfc3339: rejected forms", "[timestamp]") {
    const std::string bad[] = {
        "",
        "2025",
        "2025-06-01",
        "2025-06-01T09:00:00",          // no offset
        "2025-06-01T09:00:00.000",      // no offset after a fraction
        "2025-06-01 09:00:00",          // a context_time is not a timestamp
        "2025-06-01T09:00Z",            // no seconds
        "2025-06-01T9:00:00Z",
        "2025-6-01T09:00:00Z",
        "25-06-01T09:00:00Z",
        "2025/06/01T09:00:00Z",
        "2025-06-01_09:00:00Z",
        "2025-06-01X09:00:00Z",
        "2025-06-01T09-00-00Z",
        "2025-13-01T00:00:00Z",         // bad month
        "2025-00-01T00:00:00Z",
        "2025-06-31T00:00:00Z",         // bad day
        "2025-06-00T00:00:00Z",
        "2025-02-29T00:00:00Z",         // not a leap year
        "1900-02-29T00:00:00Z",
        "2025-06-01T24:00:00Z",         // bad hour
        "2025-06-01T23:60:00Z",         // bad minute
        "2025-06-01T23:59:60Z",         // leap second
        "2025-06-01T09:00:00ZZ",        // trailing text
        "2025-06-01T09:00:00Z ",
        "2025-06-01T09:00:00+09:00x",
        "2025-06-01T09:00:00+09:00:00",
        " 2025-06-01T09:00:00Z",
        "2025-06-01T09:00:00+0900",     // offset without a colon
        "2025-06-01T09:00:00+09",
        "2025-06-01T09:00:00+9:00",
        "2025-06-01T09:00:00+09:0",
        "2025-06-01T09:00:00+24:00",
        "2025-06-01T09:00:00+09:60",
        "2025-06-01T09:00:00 +09:00",
        "2025-06-01T09:00:00UTC",
        "2025-06-01T09:00:00GMT",
        "2025-06-01T09:00:00.Z",        // empty fraction
        "2025-06-01T09:00:00.+09:00",
        "2025-06-01T09:00:00.",
        "2025-06-01T09:00:00,5Z",
        "2025-06-01T09:00:00.5aZ",
        "2025-06-01T09:00:00.-5Z",
        "2025-06-01T09:00:00+",
        "2025-06-01T09:00:00-",
        "２０２５-06-01T09:00:00Z",
        std::string("2025-06-01T09:00:00Z\0", 21),
        std::string("2025-06-01T09:00:00\0Z", 21),
    };
    for (const auto& text : bad) {
        CAPTURE(text);
        CHECK_FALSE(trocco::parse_rfc3339(text).has_value());
    }
}

TEST_CASE("format_rfc3339 writes UTC with milliseconds, and parse_rfc3339 reads it back", "[timestamp]") {
    CHECK(trocco::format_rfc3339(trocco::timestamp{}) == "1970-01-01T00:00:00.000Z");
    CHECK(trocco::format_rfc3339(utc(2023, 8, 22, 18)) == "2023-08-22T18:00:00.000Z");
    CHECK(trocco::format_rfc3339(utc(2025, 6, 1, 0, 3, 40, 7)) == "2025-06-01T00:03:40.007Z");
    CHECK(trocco::format_rfc3339(utc(2024, 2, 29, 23, 59, 59, 999)) == "2024-02-29T23:59:59.999Z");
    CHECK(trocco::format_rfc3339(trocco::timestamp{} - milliseconds{1}) == "1969-12-31T23:59:59.999Z");
    CHECK(trocco::format_rfc3339(*trocco::parse_rfc3339("2023-08-23T03:00:00.000+09:00")) ==
          "2023-08-22T18:00:00.000Z");

    const trocco::timestamp samples[] = {
        trocco::timestamp{},
        utc(2025, 6, 1, 0, 0, 12),
        utc(2025, 12, 31, 23, 59, 59, 999),
        utc(2000, 2, 29, 1, 2, 3, 4),
        utc(1969, 7, 20, 20, 17, 40, 500),
        utc(1, 1, 1),
        utc(9999, 12, 31, 23, 59, 59, 999),
        utc(2038, 1, 19, 3, 14, 8),
    };
    for (const auto& t : samples) {
        const auto text = trocco::format_rfc3339(t);
        CAPTURE(text);
        CHECK(text.size() == 24u);
        const auto back = trocco::parse_rfc3339(text);
        REQUIRE(back.has_value());
        CHECK(*back == t);
    }
}

TEST_CASE("is_valid_context_time accepts exactly YYYY-MM-DD HH:MM:SS naming a real time", "[context_time]") {
    const char* good[] = {
        "2019-11-18 00:00:00", "2023-05-19 00:00:00", "2024-02-29 23:59:59", "2000-02-29 12:00:00",
        "2023-12-31 23:59:59", "0001-01-01 00:00:00", "9999-12-31 23:59:59", "2023-04-30 10:20:30",
    };
    for (const char* text : good) {
        CAPTURE(text);
        CHECK(trocco::is_valid_context_time(text));
    }
    const std::string bad[] = {
        "",
        "2019-11-18T00:00:00",      // T separator
        "2019-11-18t00:00:00",
        "2019-11-18_00:00:00",
        "2019-11-18 00:00",         // missing seconds
        "2019-11-18",
        "2019-11-18 00:00:00Z",     // extra characters
        "2019-11-18 00:00:00 ",
        "2019-11-18 00:00:00.000",
        "2019-11-18 00:00:00+09:00",
        " 2019-11-18 00:00:00",
        "2019-11-18  0:00:00",
        "2019-11-18 0:00:00",
        "19-11-18 00:00:00",
        "2019/11/18 00:00:00",
        "2019-11-18 00-00-00",
        "2019-02-30 00:00:00",      // Feb 30
        "2019-02-29 00:00:00",      // Feb 29 on a non-leap year
        "2100-02-29 00:00:00",
        "2019-04-31 00:00:00",
        "2019-13-01 00:00:00",
        "2019-00-01 00:00:00",
        "2019-01-00 00:00:00",
        "2019-11-18 24:00:00",      // 24:00:00
        "2019-11-18 23:60:00",      // 23:60:00
        "2019-11-18 23:59:60",
        "2019-11-18 99:99:99",
        "abcd-ef-gh ij:kl:mn",
        "２０１９-11-18 00:00:00",
        std::string("2019-11-18 00:00:0\0", 19),
    };
    for (const auto& text : bad) {
        CAPTURE(text);
        CHECK_FALSE(trocco::is_valid_context_time(text));
    }
}

TEST_CASE("format_context_time writes an instant in JST by default, or in another offset", "[context_time]") {
    const sys_seconds instant = sys_days{year{2019} / November / day{17}} + hours{15};

    SECTION("JST by default: the example of the docs") {
        CHECK(trocco::jst_offset == minutes{540});
        CHECK(trocco::format_context_time(instant) == "2019-11-18 00:00:00");
        CHECK(trocco::format_context_time(instant, trocco::jst_offset) == "2019-11-18 00:00:00");
    }
    SECTION("other offsets") {
        CHECK(trocco::format_context_time(instant, minutes{0}) == "2019-11-17 15:00:00");
        CHECK(trocco::format_context_time(instant, hours{-5}) == "2019-11-17 10:00:00");
        CHECK(trocco::format_context_time(instant, hours{5} + minutes{30}) == "2019-11-17 20:30:00");
        CHECK(trocco::format_context_time(instant, -(hours{9} + minutes{30})) == "2019-11-17 05:30:00");
        CHECK(trocco::format_context_time(instant + seconds{59}, minutes{0}) == "2019-11-17 15:00:59");
    }
    SECTION("day, month and year rollover") {
        const sys_seconds new_year_jst = sys_days{year{2023} / December / day{31}} + hours{15};
        CHECK(trocco::format_context_time(new_year_jst) == "2024-01-01 00:00:00");
        CHECK(trocco::format_context_time(new_year_jst - seconds{1}) == "2023-12-31 23:59:59");
        const sys_seconds early = sys_days{year{2024} / January / day{1}} + hours{2};
        CHECK(trocco::format_context_time(early, hours{-5}) == "2023-12-31 21:00:00");
        const sys_seconds leap = sys_days{year{2024} / February / day{28}} + hours{20};
        CHECK(trocco::format_context_time(leap) == "2024-02-29 05:00:00");
        const sys_seconds not_leap = sys_days{year{2023} / February / day{28}} + hours{20};
        CHECK(trocco::format_context_time(not_leap) == "2023-03-01 05:00:00");
        CHECK(trocco::format_context_time(sys_seconds{}) == "1970-01-01 09:00:00");
        CHECK(trocco::format_context_time(sys_seconds{}, hours{-1}) == "1969-12-31 23:00:00");
    }
    SECTION("the output is always a valid context_time") {
        for (int day_index = 0; day_index < 800; day_index += 7) {
            const sys_seconds t = sys_days{year{2023} / January / day{1}} + days{day_index} + hours{day_index % 24} +
                                  minutes{day_index % 60} + seconds{day_index % 60};
            for (const minutes offset : {minutes{0}, trocco::jst_offset, minutes{-300}, minutes{330}}) {
                const auto text = trocco::format_context_time(t, offset);
                CAPTURE(text);
                CHECK(text.size() == 19u);
                CHECK(trocco::is_valid_context_time(text));
            }
        }
    }
}

TEST_CASE("format_rfc3339 clamps instants beyond years 0000-9999 instead of overflowing", "[timestamp]") {
    // Found by fuzz_timestamps (format-extreme-instant): the calendar arithmetic overflowed near INT64_MIN.
    using ms = std::chrono::milliseconds;
    CHECK(trocco::format_rfc3339(trocco::timestamp{ms{std::numeric_limits<std::int64_t>::min() + 1}}) ==
          "0000-01-01T00:00:00.000Z");
    CHECK(trocco::format_rfc3339(trocco::timestamp{ms::max()}) == "9999-12-31T23:59:59.999Z");
    CHECK(trocco::format_context_time(std::chrono::sys_seconds{std::chrono::seconds{std::numeric_limits<std::int64_t>::max() / 2000}}) ==
          "9999-12-31 23:59:59");
}
