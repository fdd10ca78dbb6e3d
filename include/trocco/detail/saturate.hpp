// trocco/detail/saturate.hpp - duration and time-point arithmetic that saturates instead of overflowing.
//
// Durations reach the library from the wire (Retry-After, X-Rate-Limit-Reset) and from users
// (`timeout = milliseconds::max()` meaning "no limit"). std::chrono's conversions and additions are plain signed
// arithmetic: 360287970191367680 seconds times 1000 overflows int64 milliseconds, and a steady_clock time point (in
// nanoseconds) plus a few centuries overflows again. Every such step goes through these functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>

namespace trocco::detail {

/// Half the range of an integer type, as the bound beyond which a sum or product counts as overflowing.
template <class Rep>
constexpr long double half_range() noexcept {
    return static_cast<long double>(std::numeric_limits<Rep>::max()) / 2;
}

/// `d` in milliseconds, rounded toward zero, clamped to what std::chrono::milliseconds can hold.
template <class Rep, class Period>
constexpr std::chrono::milliseconds saturating_milliseconds(std::chrono::duration<Rep, Period> d) noexcept {
    using ms = std::chrono::milliseconds;
    // Compared in floating point, which cannot overflow, with a margin of half the range so that rounding near
    // the limit cannot let an overflowing conversion through: anything beyond 146 million years is "forever".
    const long double count = std::chrono::duration<long double, std::milli>(d).count();
    if (!(count < half_range<ms::rep>())) return ms::max();  // also NaN
    if (!(count > -half_range<ms::rep>())) return ms::min();
    return std::chrono::duration_cast<ms>(d);
}

/// A count of milliseconds computed in floating point (a backoff, a jittered poll delay), rounded to the nearest
/// millisecond and clamped; NaN counts as "forever" (milliseconds::max()).
inline std::chrono::milliseconds milliseconds_from_count(long double count) noexcept {
    if (!(count < half_range<std::chrono::milliseconds::rep>())) return std::chrono::milliseconds::max();
    if (!(count > -half_range<std::chrono::milliseconds::rep>())) return std::chrono::milliseconds::min();
    return std::chrono::milliseconds{static_cast<std::chrono::milliseconds::rep>(count + (count < 0 ? -0.5L : 0.5L))};
}

/// `t + d`, clamped to [Clock::time_point::min(), max()].
template <class Clock, class Duration>
constexpr std::chrono::time_point<Clock, Duration> saturating_add(std::chrono::time_point<Clock, Duration> t,
                                                                  std::chrono::milliseconds d) noexcept {
    using time_point = std::chrono::time_point<Clock, Duration>;
    using rep = typename Duration::rep;
    const long double step = std::chrono::duration<long double, typename Duration::period>(d).count();
    const long double start = static_cast<long double>(t.time_since_epoch().count());
    const long double sum = start + step;
    if (!(sum < half_range<rep>())) return time_point::max();
    if (!(sum > -half_range<rep>())) return time_point::min();
    return t + std::chrono::duration_cast<Duration>(d);
}

/// `later - earlier` in milliseconds, rounded up (a sleep of it never wakes before `later`), clamped (and 0 when
/// `later` is not after `earlier`).
template <class Clock, class Duration>
constexpr std::chrono::milliseconds saturating_until(std::chrono::time_point<Clock, Duration> earlier,
                                                     std::chrono::time_point<Clock, Duration> later) noexcept {
    if (!(later > earlier)) return std::chrono::milliseconds{0};
    using rep = typename Duration::rep;
    const long double gap = static_cast<long double>(later.time_since_epoch().count()) -
                            static_cast<long double>(earlier.time_since_epoch().count());
    if (gap < half_range<rep>()) {
        // The difference fits in the time point's own unit.
        return saturating_milliseconds(std::chrono::ceil<std::chrono::milliseconds>(later - earlier));
    }
    return saturating_milliseconds(std::chrono::duration<long double, typename Duration::period>(gap));
}

}  // namespace trocco::detail
