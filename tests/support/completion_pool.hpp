// tests/support/completion_pool.hpp - threads that run the functions posted to them: where completions resume
// when a transport hands them over (transport_options::post), or where a task moves to.
#pragma once

#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace test_support {

/// A pool of threads running the functions posted to it, in order: curl's transport_options::post, and where a
/// task that awaits resume_on() goes on (off the thread that drives a transport). The destructor runs whatever is
/// still queued, then joins.
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

    /// An awaitable that resumes the awaiting coroutine on one of the pool's threads.
    auto resume_on() {
        struct awaiter {
            completion_pool* owner;
            bool await_ready() const noexcept { return false; }
            void await_suspend(std::coroutine_handle<> h) { owner->post([h] { h.resume(); }); }
            void await_resume() const noexcept {}
        };
        return awaiter{this};
    }

    /// The id of the pool's thread `i`.
    std::thread::id thread_id(std::size_t i) const { return threads_.at(i).get_id(); }

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

}  // namespace test_support
