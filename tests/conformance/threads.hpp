// tests/conformance/threads.hpp - threads the conformance cases start: a stop requested from another thread after a
// delay (as a watchdog or a signal handler would), and (tests/support) a pool that runs curl's completions.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include "support/completion_pool.hpp"

namespace conformance {

using test_support::completion_pool;

/// Requests a stop on `source` after `delay`, from a thread of its own (as an application's watchdog or signal
/// handler would); the destructor cancels a stop not yet requested and joins.
class delayed_stop {
public:
    delayed_stop(std::stop_source source, std::chrono::milliseconds delay)
        : thread_([this, source, delay]() mutable {
              std::unique_lock lock(mutex_);
              if (!changed_.wait_for(lock, delay, [&] { return canceled_; })) source.request_stop();
          }) {}
    ~delayed_stop() {
        {
            std::lock_guard lock(mutex_);
            canceled_ = true;
        }
        changed_.notify_all();
        thread_.join();
    }
    delayed_stop(const delayed_stop&) = delete;
    delayed_stop& operator=(const delayed_stop&) = delete;

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool canceled_ = false;
    std::thread thread_;  // last: started once the members above exist
};

}  // namespace conformance
