// trocco/poll_schedule.hpp - when a wait looks at a running job again. Pure functions of the schedule, the poll
// number and a random number: the wait machine applies them, tests check them directly. Polling a running job is
// kept apart from retrying a failed request (retry_policy.hpp).
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>

#include "detail/saturate.hpp"

namespace trocco {

/// When to look at a running job again. Delay before poll n (n = 0 for the first) is
/// min(max_delay, first_delay * growth^n), then spread by +/- jitter (a fraction) so that waits started together
/// drift apart. The defaults (5 s growing x1.5 to 30 s, +/-10 %) suit jobs that take minutes: a short job is seen
/// to finish within seconds, and a long one costs about 20 calls per 10 minutes, so some 175 jobs can be waited
/// on at once within trocco's 3,500 calls per 10 minutes.
struct poll_schedule {
    std::chrono::milliseconds first_delay = std::chrono::seconds{5};
    double growth = 1.5;
    std::chrono::milliseconds max_delay = std::chrono::seconds{30};
    double jitter = 0.1;

    /// A fixed interval, no growth, no jitter.
    static poll_schedule fixed(std::chrono::milliseconds interval) { return {interval, 1.0, interval, 0.0}; }
};

/// The delay before poll number `poll` (0-based); `random01` is uniform in [0, 1). Never negative; saturates at
/// milliseconds::max() for absurd schedules instead of overflowing.
inline std::chrono::milliseconds poll_delay(const poll_schedule& s, int poll, double random01) {
    const long double first = static_cast<long double>(std::max(s.first_delay.count(), std::int64_t{0}));
    const long double cap = std::max(static_cast<long double>(s.max_delay.count()), first);
    const long double growth = std::isfinite(s.growth) ? std::max(s.growth, 1.0) : 1.0;
    const long double base = std::min(cap, first * std::pow(growth, static_cast<long double>(std::max(poll, 0))));
    const double jitter = std::isfinite(s.jitter) ? std::clamp(s.jitter, 0.0, 1.0) : 0.0;
    const double r = std::isnan(random01) ? 0.5 : std::clamp(random01, 0.0, 1.0);
    const double spread = jitter * (2.0 * r - 1.0);
    return detail::milliseconds_from_count(base * (1.0L + spread));
}

}  // namespace trocco
