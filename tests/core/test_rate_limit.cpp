// Tests of rate_limit.hpp: X-Rate-Limit-* headers, Retry-After (seconds or HTTP date), and parse_http_date; also
// find_header, on which they rest.
#include <trocco/trocco.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "../catch.hpp"

namespace {

using namespace std::chrono;

// Sun, 06 Nov 1994 08:49:37 GMT, the example of RFC 9110.
const sys_seconds rfc_example = sys_days{year{1994} / November / day{6}} + hours{8} + minutes{49} + seconds{37};

}  // namespace

TEST_CASE("find_header compares names case-insensitively and returns the first match", "[rate_limit]") {
    const std::vector<trocco::http_header> headers = {
        {"Content-Type", "application/json"}, {"X-Rate-Limit-Limit", "1"}, {"x-rate-limit-limit", "2"}};
    REQUIRE(trocco::find_header(headers, "content-type") != nullptr);
    CHECK(*trocco::find_header(headers, "content-type") == "application/json");
    CHECK(*trocco::find_header(headers, "CONTENT-TYPE") == "application/json");
    CHECK(*trocco::find_header(headers, "x-RATE-limit-LIMIT") == "1");
    CHECK(trocco::find_header(headers, "Content-Typ") == nullptr);
    CHECK(trocco::find_header(headers, "") == nullptr);
    CHECK(trocco::find_header({}, "Retry-After") == nullptr);
}

TEST_CASE("parse_rate_limit reads X-Rate-Limit-Limit/Remaining/Reset", "[rate_limit]") {
    SECTION("all three") {
        const auto info = trocco::parse_rate_limit({{"X-Rate-Limit-Limit", "3500"},
                                                    {"X-Rate-Limit-Remaining", "3499"},
                                                    {"X-Rate-Limit-Reset", "1717200000"},
                                                    {"Content-Type", "application/json"}});
        REQUIRE(info.limit.has_value());
        REQUIRE(info.remaining.has_value());
        REQUIRE(info.reset.has_value());
        CHECK(*info.limit == 3500);
        CHECK(*info.remaining == 3499);
        CHECK(*info.reset == sys_seconds{seconds{1717200000}});
        CHECK(*info.reset == sys_days{year{2024} / June / day{1}});
    }
    SECTION("names in any case") {
        for (const auto& names : std::vector<std::vector<std::string>>{
                 {"x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"},
                 {"X-RATE-LIMIT-LIMIT", "X-RATE-LIMIT-REMAINING", "X-RATE-LIMIT-RESET"},
                 {"x-Rate-LIMIT-limit", "X-rate-Limit-Remaining", "x-RATE-limit-reset"}}) {
            CAPTURE(names[0]);
            const auto info = trocco::parse_rate_limit({{names[0], "100"}, {names[1], "0"}, {names[2], "0"}});
            CHECK(info.limit == 100);
            CHECK(info.remaining == 0);
            CHECK(info.reset == sys_seconds{});
        }
    }
    SECTION("none") {
        const auto info = trocco::parse_rate_limit({});
        CHECK_FALSE(info.limit.has_value());
        CHECK_FALSE(info.remaining.has_value());
        CHECK_FALSE(info.reset.has_value());
        CHECK(info == trocco::rate_limit_info{});
        CHECK(trocco::parse_rate_limit({{"Retry-After", "5"}, {"X-RateLimit-Limit", "5"}}) == trocco::rate_limit_info{});
    }
    SECTION("only some") {
        const auto info = trocco::parse_rate_limit({{"X-Rate-Limit-Remaining", "12"}});
        CHECK_FALSE(info.limit.has_value());
        CHECK(info.remaining == 12);
        CHECK_FALSE(info.reset.has_value());
    }
    SECTION("spaces and tabs around the number are allowed") {
        const auto info = trocco::parse_rate_limit(
            {{"X-Rate-Limit-Limit", " 42 "}, {"X-Rate-Limit-Remaining", "\t7\t"}, {"X-Rate-Limit-Reset", "  10"}});
        CHECK(info.limit == 42);
        CHECK(info.remaining == 7);
        CHECK(info.reset == sys_seconds{seconds{10}});
    }
    SECTION("18 digits fit; more do not") {
        const auto info = trocco::parse_rate_limit(
            {{"X-Rate-Limit-Limit", "999999999999999999"}, {"X-Rate-Limit-Remaining", "9999999999999999999"}});
        CHECK(info.limit == 999999999999999999);
        CHECK_FALSE(info.remaining.has_value());
    }
    SECTION("garbage gives an empty field, never a wrong number") {
        const std::string garbage[] = {"",    " ",    "abc", "-1",   "+5",  "1.5", "1e3", "0x10", "12 34",
                                       "1,000", "NaN", "∞",   "１２", "12a", "a12", "9223372036854775808",
                                       "99999999999999999999999999", std::string("1\0", 2), "1\r\n"};
        for (const auto& value : garbage) {
            CAPTURE(value);
            const auto info = trocco::parse_rate_limit(
                {{"X-Rate-Limit-Limit", value}, {"X-Rate-Limit-Remaining", value}, {"X-Rate-Limit-Reset", value}});
            CHECK(info == trocco::rate_limit_info{});
        }
    }
    SECTION("the first of repeated headers counts") {
        const auto info = trocco::parse_rate_limit({{"X-Rate-Limit-Limit", "10"}, {"x-rate-limit-limit", "20"}});
        CHECK(info.limit == 10);
    }
}

TEST_CASE("parse_http_date reads an IMF-fixdate", "[rate_limit]") {
    const auto t = trocco::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
    REQUIRE(t.has_value());
    CHECK(*t == rfc_example);

    SECTION("every month name") {
        const char* names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        for (unsigned m = 1; m <= 12; ++m) {
            const std::string text = std::string("Mon, 01 ") + names[m - 1] + " 2024 00:00:00 GMT";
            CAPTURE(text);
            const auto d = trocco::parse_http_date(text);
            REQUIRE(d.has_value());
            CHECK(*d == sys_days{year{2024} / month{m} / day{1}});
        }
    }
    SECTION("more dates") {
        CHECK(trocco::parse_http_date("Thu, 29 Feb 2024 23:59:59 GMT") ==
              sys_days{year{2024} / February / day{29}} + hours{23} + minutes{59} + seconds{59});
        CHECK(trocco::parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT") == sys_seconds{});
        CHECK(trocco::parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT") ==
              sys_days{year{9999} / December / day{31}} + hours{23} + minutes{59} + seconds{59});
    }
    SECTION("rejected") {
        const std::string bad[] = {
            "",
            "Sun, 06 Nov 1994 08:49:37",           // no zone
            "Sun, 06 Nov 1994 08:49:37 UTC",       // not GMT
            "Sun, 06 Nov 1994 08:49:37 gmt",
            "Sun, 06 Nov 1994 08:49:37 GMT ",      // trailing text
            " Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",      // RFC 850 (obsolete)
            "Sun Nov  6 08:49:37 1994",            // asctime (obsolete)
            "Sun, 6 Nov 1994 08:49:37 GMT",        // one-digit day
            "Sun, 06 nov 1994 08:49:37 GMT",       // month names are case-sensitive
            "Sun, 06 Nvm 1994 08:49:37 GMT",
            "Sun, 31 Nov 1994 08:49:37 GMT",       // no such day
            "Thu, 29 Feb 2023 00:00:00 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:00 GMT",
            "Sun, 06 Nov 1994 08:49:60 GMT",
            "Sun, 06 Nov 1994 08-49-37 GMT",
            "Sun, 06 Nov 94xx 08:49:37 GMT",
            "Sun; 06 Nov 1994 08:49:37 GMT",
            "Sun,06 Nov 1994 08:49:37 GMTxx",
            "Sun, 06 Nov 1994T08:49:37 GMT",
            "1994-11-06T08:49:37Z",
            "120",
        };
        for (const auto& text : bad) {
            CAPTURE(text);
            CHECK_FALSE(trocco::parse_http_date(text).has_value());
        }
    }
}

TEST_CASE("retry_after: delta-seconds or an HTTP date measured from now", "[rate_limit]") {
    const auto retry = [](const std::string& value, sys_seconds now) {
        return trocco::retry_after({{"Retry-After", value}}, now);
    };

    SECTION("absent") {
        CHECK_FALSE(trocco::retry_after({}, rfc_example).has_value());
        CHECK_FALSE(trocco::retry_after({{"X-Rate-Limit-Reset", "10"}}, rfc_example).has_value());
    }
    SECTION("seconds") {
        CHECK(retry("120", rfc_example) == seconds{120});
        CHECK(retry("0", rfc_example) == seconds{0});
        CHECK(retry(" 7 ", rfc_example) == seconds{7});
        CHECK(retry("86400", sys_seconds{}) == hours{24});
        CHECK(trocco::retry_after({{"retry-after", "3"}}, rfc_example) == seconds{3});
        CHECK(trocco::retry_after({{"RETRY-AFTER", "4"}}, rfc_example) == seconds{4});
    }
    SECTION("an HTTP date in the future") {
        CHECK(retry("Sun, 06 Nov 1994 08:49:37 GMT", rfc_example - seconds{30}) == seconds{30});
        CHECK(retry("Sun, 06 Nov 1994 08:49:37 GMT", rfc_example - hours{2}) == seconds{7200});
        CHECK(retry("Mon, 07 Nov 1994 08:49:37 GMT", rfc_example) == hours{24});
    }
    SECTION("an HTTP date now or in the past gives zero") {
        CHECK(retry("Sun, 06 Nov 1994 08:49:37 GMT", rfc_example) == seconds{0});
        CHECK(retry("Sun, 06 Nov 1994 08:49:37 GMT", rfc_example + seconds{1}) == seconds{0});
        CHECK(retry("Sun, 06 Nov 1994 08:49:37 GMT", rfc_example + days{365}) == seconds{0});
    }
    SECTION("malformed values give nothing") {
        for (const char* value : {"", " ", "-1", "-120", "+5", "1.5", "5s", "soon", "now", "0x10",
                                  "Sun, 06 Nov 1994 08:49:37 UTC", "Sunday, 06-Nov-94 08:49:37 GMT",
                                  "Sun Nov  6 08:49:37 1994", "Sun, 31 Nov 1994 08:49:37 GMT",
                                  "2024-06-01T00:00:00Z", "99999999999999999999"}) {
            CAPTURE(value);
            CHECK_FALSE(retry(value, rfc_example).has_value());
        }
    }
    SECTION("the first of repeated headers counts") {
        CHECK(trocco::retry_after({{"Retry-After", "1"}, {"Retry-After", "2"}}, rfc_example) == seconds{1});
        CHECK_FALSE(trocco::retry_after({{"Retry-After", "bad"}, {"Retry-After", "2"}}, rfc_example).has_value());
    }
}

TEST_CASE("rate-limit headers and Retry-After of a 429 answer", "[rate_limit][errors]") {
    const trocco::http_response r{429,
                                  {{"Content-Type", "application/json"},
                                   {"x-rate-limit-limit", "100"},
                                   {"x-rate-limit-remaining", "0"},
                                   {"x-rate-limit-reset", "784111777"},
                                   {"retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"}},
                                  R"({"message":"Rate limit exceeded"})"};
    const auto e = trocco::error_from_response(r);
    CHECK(e.code() == trocco::errc::rate_limited);
    CHECK(e.http_status() == 429);
    CHECK(e.message() == "Rate limit exceeded");
    const auto info = trocco::parse_rate_limit(r.headers);
    CHECK(info.limit == 100);
    CHECK(info.remaining == 0);
    CHECK(info.reset == rfc_example);
    CHECK(trocco::retry_after(r.headers, rfc_example - minutes{1}) == seconds{60});
}
