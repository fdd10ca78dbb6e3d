// trocco/poll_schedule.hpp - when a wait looks at a running job again. Pure functions of the schedule, the poll
// number, the time the job has run and a random number: the wait machine applies them, tests check them directly.
// Polling a running job is kept apart from retrying a failed request (retry_policy.hpp).
#pragma once

#include <chrono>
#include <span>
#include <vector>

#include "detail/config.hpp"

namespace trocco {

/// When to look at a running job again. The delay before poll n (n = 0 for the first), for a job that has run
/// for `elapsed`, is
///     clamp(max(first_delay * growth^n, elapsed_scale * sqrt(elapsed in seconds) seconds), first_delay, max_delay)
/// spread by +/- jitter (a fraction, at most 0.5) so that waits started together drift apart.
///
/// The default (5 s, then 1.45 s per square root of the seconds the job has run, at most 2 minutes, +/-10 %)
/// polls a 1-minute job every 11 s, a 30-minute one every 60 s and anything past 2 hours every 2 minutes: the
/// interval grows with the square root of the run time, which for trocco-like durations (log-normal, median 3
/// minutes, 10 % beyond 30 minutes) needs 0.45x the calls of polling every 15 s and sees a job end 0.43x as late
/// as polling every 60 s does (benchmarks/README.md, part e). A long job costs 5 calls per 10 minutes: some 700 jobs
/// can be waited on at once within trocco's 3,500 calls per 10 minutes (more with a rate budget, which stretches
/// polls fairly when the account runs low).
///
/// `planned` (from from_history()) overrides the rule: the polls go at those times since the job started, and the
/// rule above takes over after the last one (a job that overruns its history).
struct poll_schedule {
    std::chrono::milliseconds first_delay = std::chrono::seconds{5};  ///< the delay before the first poll
    double growth = 1.0;  ///< each delay is the previous times this (1: no growth)
    std::chrono::milliseconds max_delay = std::chrono::minutes{2};  ///< no delay is longer
    double jitter = 0.1;  ///< each delay is spread by up to this fraction, either way
    /// Seconds of delay per square root of a second of run time; 0 turns the run-time term off.
    double elapsed_scale = 1.45;
    /// Poll times since the job started, increasing; empty for the rule alone.
    std::vector<std::chrono::milliseconds> planned = {};

    /// A fixed interval, no growth, no jitter.
    static poll_schedule fixed(std::chrono::milliseconds interval) { return {interval, 1.0, interval, 0.0, 0.0, {}}; }

    /// A schedule planned from the durations of a definition's recent successful runs: it sleeps through most of
    /// the expected run time and polls densely around its likely end. The durations' median and spread (in log
    /// space: median and median absolute deviation) define a log-normal model; the poll times minimise the mean
    /// detection delay plus 0.55 s per call under it (a dynamic program over 250 instants from 3 spreads below the
    /// median to 3.5 above), never closer together than the fallback's first_delay. With fewer than 5 durations, or a spread so wide that history says little (a log-space
    /// deviation above 0.8, about x2.2), `fallback` is returned unchanged. Past the last planned time the fallback's
    /// rule applies.
    TROCCO_DECL static poll_schedule from_history(std::span<const std::chrono::milliseconds> durations,
                                                  poll_schedule fallback);
    /// from_history() with the default schedule as the fallback.
    static poll_schedule from_history(std::span<const std::chrono::milliseconds> durations);
};

inline poll_schedule poll_schedule::from_history(std::span<const std::chrono::milliseconds> durations) {
    return from_history(durations, poll_schedule{});
}

/// The delay before poll number `poll` (0-based) of a job that has run for `elapsed`; `random01` is uniform in
/// [0, 1). Never negative; saturates at milliseconds::max() for absurd schedules instead of overflowing.
TROCCO_DECL std::chrono::milliseconds poll_delay(const poll_schedule& s, int poll, std::chrono::milliseconds elapsed,
                                                 double random01);

/// The same, for a job whose run time is not known (elapsed = 0).
inline std::chrono::milliseconds poll_delay(const poll_schedule& s, int poll, double random01) {
    return poll_delay(s, poll, std::chrono::milliseconds{0}, random01);
}

}  // namespace trocco

#if defined(TROCCO_HEADER_ONLY)
#include "impl/poll_schedule.ipp"
#endif
