// trocco/asio/impl/resolver.ipp - the bodies of detail::resolver (see detail/resolver.hpp).
#pragma once

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>

#include "../detail/resolver.hpp"

namespace trocco::asio::detail {

/// Everything the resolver shares with its workers; guarded by `mutex`.
struct resolver_shared {
    struct job {
        std::uint64_t id = 0;
        std::string host;
        std::string service;
        resolver::callback on_done;  // empty once abandoned, delivered or shut down
    };

    std::mutex mutex;
    std::size_t max_threads = 1;
    std::deque<std::shared_ptr<job>> queue;             // waiting for a worker
    std::map<std::uint64_t, std::shared_ptr<job>> jobs;  // queued or being looked up, by id
    std::list<std::thread> threads;                     // every worker not yet joined or detached
    std::vector<std::thread::id> ended;                 // workers that have returned or are about to
    std::size_t working = 0;                            // workers started and not ended
    std::uint64_t next_id = 1;
    bool shut_down = false;
};

namespace resolver_impl {

/// getaddrinfo, blocking. Numeric service, TCP, IPv4 and IPv6.
inline lookup_result resolve_now(const std::string& host, const std::string& service) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const int code = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
    lookup_result r;
    if (code != 0) {
        r.failure = code == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(code);
        return r;
    }
    for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
        if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) || a->ai_addr == nullptr) continue;
        boost::asio::ip::tcp::endpoint endpoint;
        const auto size = static_cast<std::size_t>(a->ai_addrlen);
        if (size > endpoint.capacity()) continue;
        std::memcpy(endpoint.data(), a->ai_addr, size);
        endpoint.resize(size);
        r.endpoints.push_back(endpoint);
    }
    ::freeaddrinfo(found);
    if (r.endpoints.empty()) r.failure = "no IPv4 or IPv6 address";
    return r;
}

/// A worker: looks up queued jobs until none is left, then ends.
inline void work(std::shared_ptr<resolver_shared> shared) {
    std::unique_lock lock(shared->mutex);
    for (;;) {
        std::shared_ptr<resolver_shared::job> next;
        while (!next && !shared->queue.empty()) {
            next = std::move(shared->queue.front());
            shared->queue.pop_front();
            if (!next->on_done) next.reset();  // abandoned while queued
        }
        if (!next) {
            shared->ended.push_back(std::this_thread::get_id());
            --shared->working;
            return;
        }
        lock.unlock();
        auto found = resolve_now(next->host, next->service);
        lock.lock();
        // Under the mutex: abandon() and shutdown() cannot run between the check and the call.
        auto on_done = std::move(next->on_done);
        shared->jobs.erase(next->id);
        if (on_done && !shared->shut_down) on_done(std::move(found));
    }
}

/// Moves out the threads of workers that have ended (to join them outside the mutex).
inline std::list<std::thread> take_ended(resolver_shared& shared) {
    std::list<std::thread> done;
    for (auto it = shared.threads.begin(); it != shared.threads.end();) {
        const auto id = it->get_id();
        auto next = std::next(it);
        if (std::find(shared.ended.begin(), shared.ended.end(), id) != shared.ended.end()) {
            done.splice(done.end(), shared.threads, it);
            shared.ended.erase(std::find(shared.ended.begin(), shared.ended.end(), id));
        }
        it = next;
    }
    return done;
}

}  // namespace resolver_impl

TROCCO_DECL resolver::resolver(std::size_t max_threads) : shared_(std::make_shared<resolver_shared>()) {
    shared_->max_threads = std::max<std::size_t>(max_threads, 1);
}

TROCCO_DECL resolver::~resolver() { shutdown(); }

TROCCO_DECL std::uint64_t resolver::lookup(std::string host, std::uint16_t port, callback on_done) {
    std::list<std::thread> ended;
    std::uint64_t id = 0;
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->shut_down) return 0;
        ended = resolver_impl::take_ended(*shared_);
        auto j = std::make_shared<resolver_shared::job>();
        j->id = id = shared_->next_id++;
        j->host = std::move(host);
        j->service = std::to_string(port);
        j->on_done = std::move(on_done);
        if (shared_->working < shared_->max_threads) {
            shared_->threads.emplace_back(resolver_impl::work, shared_);  // may throw std::system_error: nothing changed yet
            ++shared_->working;
        }
        shared_->jobs.emplace(id, j);
        shared_->queue.push_back(std::move(j));
    }
    for (auto& t : ended) t.join();  // they have returned from work() or are about to
    return id;
}

TROCCO_DECL void resolver::abandon(std::uint64_t id) noexcept {
    callback dropped;
    {
        std::lock_guard lock(shared_->mutex);
        const auto it = shared_->jobs.find(id);
        if (it == shared_->jobs.end()) return;
        dropped = std::move(it->second->on_done);
        it->second->on_done = nullptr;
        shared_->jobs.erase(it);
    }
}

TROCCO_DECL void resolver::shutdown() noexcept {
    std::vector<callback> dropped;
    std::list<std::thread> threads;
    std::vector<std::thread::id> ended;
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->shut_down) return;
        shared_->shut_down = true;
        for (auto& [id, j] : shared_->jobs) {
            dropped.push_back(std::move(j->on_done));
            j->on_done = nullptr;
        }
        shared_->jobs.clear();
        shared_->queue.clear();
        threads = std::move(shared_->threads);
        shared_->threads.clear();
        ended = std::move(shared_->ended);
        shared_->ended.clear();
    }
    dropped.clear();  // the callbacks hold strands and operations: destroyed outside the mutex
    for (auto& t : threads) {
        if (std::find(ended.begin(), ended.end(), t.get_id()) != ended.end()) {
            t.join();
        } else {
            t.detach();  // blocked in getaddrinfo (or about to end): it ends by itself, touching only `shared`
        }
    }
}

}  // namespace trocco::asio::detail
