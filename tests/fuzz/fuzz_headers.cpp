// Fuzz target: the header parsers and the retry decision (parse_rate_limit, parse_http_date, retry_after,
// server_requested_delay, decide_retry), with any header values and any wall time.
//
// Input (FuzzedDataProvider): a wall time, a header list, an HTTP status or a transport error, a retry policy, the
// request kind, the attempts made and a jitter value.
// Checked, besides "no sanitizer report" (every overflow on the way aborts under UBSan):
// - parse_rate_limit and retry_after agree with an independent reading of the first matching header;
// - parse_http_date accepts only an IMF-fixdate that names a real time, and formats back to the same text;
// - server_requested_delay is never negative, equals the asked seconds in milliseconds while far from int64's
//   limit, and a longer delay may saturate but never comes back shorter;
// - decide_retry never retries a 2xx answer, never goes past max_attempts, never resends a trigger that may have
//   started a job (only after connect_failed, an error marked with_nothing_sent(), or a 429), never waits less than
//   the server asked or longer than the policy allows, and never retries when the server asks for more than
//   max_server_wait.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <trocco/detail/calendar.hpp>
#include <trocco/detail/text.hpp>
#include <trocco/rate_limit.hpp>
#include <trocco/retry_policy.hpp>

#include "fuzz_support.hpp"

namespace {

using namespace std::chrono;
using trocco_fuzz::fail;
using wide = __int128;

constexpr wide int64_max = std::numeric_limits<std::int64_t>::max();

// The reference reading of one header: the first one named so (any case), trimmed of spaces and tabs, 1 to 18
// decimal digits.
std::optional<std::int64_t> reference_integer(const std::vector<trocco::http_header>& headers, std::string_view name) {
    for (const auto& h : headers) {
        if (!trocco::detail::iequals(h.name, name)) continue;
        std::string_view v = h.value;
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
        if (v.empty() || v.size() > 18) return std::nullopt;
        std::int64_t value = 0;
        for (char c : v) {
            if (c < '0' || c > '9') return std::nullopt;
            value = value * 10 + (c - '0');
        }
        return value;
    }
    return std::nullopt;
}

const std::string* first_header(const std::vector<trocco::http_header>& headers, std::string_view name) {
    for (const auto& h : headers) {
        if (trocco::detail::iequals(h.name, name)) return &h.value;
    }
    return nullptr;
}

void check_http_date(std::string_view text) {
    const auto t = trocco::parse_http_date(text);
    if (!t) return;
    const auto f = trocco::detail::to_calendar_fields(time_point_cast<milliseconds>(*t));
    if (f.year < 0 || f.year > 9999) fail("parse_http_date", "a date outside the four-digit years");
    const auto again = trocco_fuzz::imf_fixdate(static_cast<unsigned>(f.year), f.month, f.day,
                                                static_cast<unsigned>(f.hour), static_cast<unsigned>(f.minute),
                                                static_cast<unsigned>(f.second));
    // The day name is not checked by the parser; everything after it must come back the same.
    if (text.size() != again.size() || text.substr(3) != std::string_view(again).substr(3)) {
        fail("parse_http_date", "the date does not format back to the text it was read from: " + std::string(text));
    }
}

trocco::retry_policy draw_policy(FuzzedDataProvider& in) {
    trocco::retry_policy p;
    if (in.ConsumeBool()) return p;  // the defaults
    p.max_attempts = in.ConsumeIntegralInRange<int>(0, 10);
    p.initial_backoff = milliseconds{in.ConsumeIntegralInRange<std::int64_t>(0, 60'000)};
    p.multiplier = in.ConsumeIntegralInRange<int>(0, 50) / 10.0;
    p.max_backoff = milliseconds{in.ConsumeIntegralInRange<std::int64_t>(0, 600'000)};
    switch (in.ConsumeIntegralInRange<int>(0, 2)) {
        case 0: p.max_server_wait = milliseconds{in.ConsumeIntegralInRange<std::int64_t>(0, 86'400'000)}; break;
        case 1: p.max_server_wait = milliseconds::max(); break;  // "always honour the server"
        default: break;
    }
    return p;
}

trocco::result<trocco::http_response> draw_outcome(FuzzedDataProvider& in, std::vector<trocco::http_header> headers) {
    if (in.ConsumeIntegralInRange<int>(0, 3) == 0) {
        const auto code = static_cast<trocco::errc>(in.ConsumeIntegralInRange<int>(1, 17));
        trocco::error e{code, "fuzzed transport error"};
        if (in.ConsumeBool()) e.with_nothing_sent();
        return e;
    }
    return trocco::http_response{trocco_fuzz::draw_status(in), std::move(headers), {}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const auto wall = trocco_fuzz::draw_wall_time(in);
    const auto now = floor<seconds>(wall);
    const auto headers = trocco_fuzz::draw_headers(in, now.time_since_epoch().count());

    // parse_rate_limit: each field is the reference reading of its header.
    const auto rate = trocco::parse_rate_limit(headers);
    const auto reset = reference_integer(headers, "X-Rate-Limit-Reset");
    if (rate.limit != reference_integer(headers, "X-Rate-Limit-Limit") ||
        rate.remaining != reference_integer(headers, "X-Rate-Limit-Remaining") ||
        rate.reset.has_value() != reset.has_value() || (reset && rate.reset->time_since_epoch().count() != *reset)) {
        fail("parse_rate_limit", "differs from the reference reading of the headers");
    }
    for (const auto& h : headers) check_http_date(h.value);

    // retry_after: seconds, else an HTTP date measured from now (zero when past), else nothing.
    const auto after = trocco::retry_after(headers, now);
    std::optional<seconds> expected_after;
    if (const auto* value = first_header(headers, "Retry-After")) {
        if (const auto s = reference_integer(headers, "Retry-After")) {
            expected_after = seconds{*s};
        } else if (const auto date = trocco::parse_http_date(*value)) {
            expected_after = *date > now ? *date - now : seconds{0};
        }
    }
    if (after != expected_after) fail("retry_after", "differs from the reference reading");
    if (after && *after < seconds{0}) fail("retry_after", "negative delay");

    auto outcome = draw_outcome(in, headers);
    const auto policy = draw_policy(in);
    const auto kind = in.ConsumeBool() ? trocco::request_kind::trigger : trocco::request_kind::read;
    const int attempts = in.ConsumeIntegralInRange<int>(1, 12);
    const double random01 = std::min(in.ConsumeProbability<double>(), std::nextafter(1.0, 0.0));

    // server_requested_delay: what the server asked, in milliseconds.
    std::optional<wide> asked_ms;
    if (outcome) {
        const auto delay = trocco::server_requested_delay(*outcome, wall);
        if (expected_after) {
            asked_ms = wide{expected_after->count()} * 1000;
        } else if (outcome->status == 429 && reset && *reset > now.time_since_epoch().count()) {
            asked_ms = (wide{*reset} - now.time_since_epoch().count()) * 1000;
        }
        if (delay.has_value() != asked_ms.has_value()) fail("server_requested_delay", "differs from the reference");
        if (delay) {
            if (delay->count() < 0) fail("server_requested_delay", "negative delay");
            // Exact while far from the limit; beyond, it may saturate (main saturates past half the range, some
            // 146 million years), but never come back short.
            if (*asked_ms <= int64_max / 2 && wide{delay->count()} != *asked_ms) {
                fail("server_requested_delay", "not the delay the server asked for");
            }
            if (*asked_ms > int64_max / 2 && wide{delay->count()} < std::min(*asked_ms, int64_max / 2)) {
                fail("server_requested_delay", "a delay too long for int64 milliseconds came back short");
            }
        }
    }

    // decide_retry.
    const auto decision = trocco::decide_retry(policy, kind, outcome, attempts, wall, random01);
    if (decision.delay.count() < 0) fail("decide_retry", "negative delay");
    if (!decision.retry) return 0;
    if (attempts >= policy.max_attempts) fail("decide_retry", "retried past max_attempts");
    if (outcome && trocco::is_success_status(outcome->status)) fail("decide_retry", "retried a 2xx answer");
    if (kind == trocco::request_kind::trigger) {
        const bool safe = outcome ? outcome->status == 429
                                  : (outcome.error().kind() == trocco::errc::connect_failed ||
                                     !outcome.error().may_have_reached_server());
        if (!safe) fail("decide_retry", "a trigger that may have started a job would be sent again");
    }
    if (!outcome && outcome.error().kind() == trocco::errc::canceled) fail("decide_retry", "retried a canceled send");
    if (asked_ms) {
        // A request beyond milliseconds' range is compared as milliseconds::max() (a max_server_wait of
        // milliseconds::max() means "always honour the server").
        const wide asked = std::min(*asked_ms, int64_max);
        if (asked > wide{policy.max_server_wait.count()}) {
            fail("decide_retry", "retried although the server asked for more than max_server_wait");
        }
        if (wide{decision.delay.count()} < asked) fail("decide_retry", "retried sooner than the server asked");
    }
    const wide limit = std::max(wide{policy.max_backoff.count()},
                                wide{policy.max_server_wait.count()} + wide{policy.initial_backoff.count()});
    if (wide{decision.delay.count()} > limit) fail("decide_retry", "a delay longer than the policy allows");
    return 0;
}
