// tests/conformance/threads.hpp - threads the conformance cases start: a stop requested from another thread after a
// delay (as a watchdog or a signal handler would), and a pool that runs curl's completions (transport_options::post).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>
#include <utility>
#include <vector>

namespace conformance {

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

/// A pool of threads running the functions posted to it, for curl's transport_options::post. The destructor runs
/// whatever is still queued, then joins.
class completion_pool {
public:
    explicit completion_pool(std::size_t threads) {
        for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
    }
    ~completion_pool() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        changed_.notify_all();
        for (auto& t : threads_) t.join();
    }
    completion_pool(const completion_pool&) = delete;
    completion_pool& operator=(const completion_pool&) = delete;

    void post(std::function<void()> f) {
        {
            std::lock_guard lock(mutex_);
            queue_.push_back(std::move(f));
        }
        changed_.notify_one();
    }

private:
    void work() {
        std::unique_lock lock(mutex_);
        for (;;) {
            changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and nothing left to run
            auto f = std::move(queue_.front());
            queue_.pop_front();
            lock.unlock();
            f();
            lock.lock();
        }
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::function<void()>> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;  // last: started once the members above exist
};

}  // namespace conformance
