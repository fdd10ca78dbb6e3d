// trocco/testing/virtual_clock.hpp - the event loop of the simulated transports (simulated_trocco, the
// benchmarks' virtual_transport): operations that wait for a virtual time (a send's latency, a sleep) are
// completed in due-time order, the clock jumping to each due time, so that hours of waiting run in a moment.
// Single-threaded.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace trocco::testing {

class virtual_clock {
public:
    using clock = std::chrono::steady_clock;

    /// What waits on the clock. complete() is called once, from run_one(), when the operation comes due (now()
    /// then reads its due time, or later when it was scheduled in the past).
    class operation {
    public:
        virtual void complete() = 0;

    protected:
        ~operation() = default;
    };

    /// A clock that starts at `start` (an hour past the epoch by default, so that "before the start" exists).
    explicit virtual_clock(clock::time_point start = clock::time_point{} + std::chrono::hours{1}) noexcept
        : start_(start), now_(start) {}

    clock::time_point start() const noexcept { return start_; }
    clock::time_point now() const noexcept { return now_; }

    /// now() + `delay`, saturated at the end of the clock's range (a server may ask for a wait of centuries).
    clock::time_point after(std::chrono::milliseconds delay) const noexcept {
        const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(clock::time_point::max() - now_);
        return delay >= room ? clock::time_point::max() : now_ + delay;
    }

    /// How many operations are scheduled and not yet completed.
    std::size_t pending() const noexcept { return queue_.size(); }

    /// Schedules `op` to complete at `due`; `op` must stay alive until then. Operations due at the same time
    /// complete in the order they were scheduled.
    void schedule(clock::time_point due, operation& op) { queue_.push(event{due, sequence_++, &op}); }

    /// Completes the operation due first, if it is due by `limit`, moving the clock to its due time (never
    /// backwards); false when there is none.
    bool run_one(clock::time_point limit = clock::time_point::max()) {
        if (queue_.empty() || queue_.top().due > limit) return false;
        const event e = queue_.top();
        queue_.pop();
        now_ = std::max(now_, e.due);
        e.op->complete();
        return true;
    }

private:
    struct event {
        clock::time_point due;
        std::uint64_t sequence;
        operation* op;
        bool operator>(const event& o) const { return due != o.due ? due > o.due : sequence > o.sequence; }
    };

    clock::time_point start_;
    clock::time_point now_;
    std::priority_queue<event, std::vector<event>, std::greater<>> queue_;
    std::uint64_t sequence_ = 0;
};

}  // namespace trocco::testing
