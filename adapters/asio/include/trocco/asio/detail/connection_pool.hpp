// trocco/asio/detail/connection_pool.hpp - open connections per host: a bound, idle ones for reuse, a queue of
// sends waiting for a connection to come free. Used on the transport's strand only.
#pragma once

#include <utility>  // first: Boost 1.74's asio headers use std::exchange without including <utility>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "connection.hpp"

namespace trocco::asio::detail {

/// A send waiting for a connection.
class connection_waiter {
public:
    /// `c` is an idle connection to use, or nullptr for "open a new one": either way a slot of the host's bound
    /// is now the waiter's, until it gives it back with connection_pool::release().
    virtual void on_connection(std::unique_ptr<connection> c) = 0;

protected:
    ~connection_waiter() = default;
};

class connection_pool {
public:
    /// (scheme, host, port)
    using key = std::tuple<std::string, std::string, std::uint16_t>;

    connection_pool(std::size_t max_per_host, std::chrono::milliseconds idle_timeout, bool keep_alive)
        : max_per_host_(std::max<std::size_t>(max_per_host, 1)), idle_timeout_(idle_timeout), keep_alive_(keep_alive) {}

    /// Gives `waiter` a slot now (calling on_connection before returning) or queues it until one comes free. A
    /// job-starting POST wants a fresh connection; a GET takes an idle one that is still alive when there is one.
    void acquire(const key& k, bool want_fresh, std::shared_ptr<connection_waiter> waiter) {
        auto& pool = hosts_[k];
        if (!want_fresh) {
            if (auto c = take_idle(pool)) return waiter->on_connection(std::move(c));
        }
        if (pool.open < max_per_host_) {
            ++pool.open;
            return waiter->on_connection(nullptr);
        }
        if (want_fresh && !pool.idle.empty()) {  // an idle connection makes room for a fresh one: the count stays
            pool.idle.front()->close();
            pool.idle.pop_front();
            return waiter->on_connection(nullptr);
        }
        pool.waiting.push_back(std::move(waiter));
    }

    /// Gives a slot back: with `c` a healthy connection to reuse, or nullptr when it was closed. The next waiter,
    /// if any, gets it at once.
    void release(const key& k, std::unique_ptr<connection> c) {
        auto& pool = hosts_[k];
        if (!pool.waiting.empty()) {
            auto next = std::move(pool.waiting.front());
            pool.waiting.pop_front();
            return next->on_connection(std::move(c));
        }
        if (c && keep_alive_ && !shut_down_) {
            c->idle_since = std::chrono::steady_clock::now();
            pool.idle.push_back(std::move(c));
            return;
        }
        if (c) c->close();
        --pool.open;
    }

    /// Takes a queued waiter out of the queue. True if it was queued.
    bool forget(const key& k, const connection_waiter* waiter) {
        auto& waiting = hosts_[k].waiting;
        const auto it = std::find_if(waiting.begin(), waiting.end(), [&](const auto& w) { return w.get() == waiter; });
        if (it == waiting.end()) return false;
        waiting.erase(it);
        return true;
    }

    /// Closes the idle connections; connections released later are closed too.
    void shutdown() {
        shut_down_ = true;
        for (auto& [k, pool] : hosts_) {
            for (auto& c : pool.idle) c->close();
            pool.open -= pool.idle.size();
            pool.idle.clear();
        }
    }

private:
    struct host {
        std::size_t open = 0;                                    // busy and idle connections
        std::deque<std::unique_ptr<connection>> idle;            // the most recently used at the back
        std::deque<std::shared_ptr<connection_waiter>> waiting;  // in arrival order
    };

    /// The most recently used idle connection that is neither expired nor closed by the server, or nullptr.
    std::unique_ptr<connection> take_idle(host& pool) {
        const auto now = std::chrono::steady_clock::now();
        while (!pool.idle.empty()) {
            auto c = std::move(pool.idle.back());  // most recently used: the least likely closed by the server
            pool.idle.pop_back();
            if (now - c->idle_since < idle_timeout_ && c->looks_alive()) return c;
            c->close();
            --pool.open;
        }
        return nullptr;
    }

    std::map<key, host> hosts_;
    std::size_t max_per_host_;
    std::chrono::milliseconds idle_timeout_;
    bool keep_alive_;
    bool shut_down_ = false;
};

}  // namespace trocco::asio::detail
