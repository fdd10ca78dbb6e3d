// trocco/curl/impl/engine.ipp - the bodies of detail::engine: the worker loop, starting, cancelling and reaping
// transfers, the timer queue, the shutdown. Included by transport.hpp in header-only mode, compiled once by
// src/trocco_curl.cpp with TROCCO_SEPARATE_COMPILATION.
#pragma once

#include <chrono>
#include <climits>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

#include <curl/curl.h>

#include <trocco/url.hpp>

#include "../detail/engine.hpp"
#include "../detail/socket_registry.hpp"
#include "../detail/socket_watch.hpp"
#include "../detail/transfer.hpp"

#if LIBCURL_VERSION_NUM < 0x075000
#error "trocco::curl needs libcurl 7.80.0 or newer (CURLOPT_PREREQFUNCTION)"
#endif

namespace trocco::curl::detail {

inline long clamp_long(std::size_t n) noexcept {
    return n > static_cast<std::size_t>(LONG_MAX) ? LONG_MAX : static_cast<long>(n);
}

TROCCO_DECL void canceller::operator()() noexcept {
    if (auto pending = op.lock()) owner->request_cancel(std::move(pending));
}

TROCCO_DECL engine::engine(transport_options options)
    : options_(std::move(options)),
      sockets_(std::make_unique<socket_registry>()),
      watch_(std::make_unique<socket_watch>()) {
    multi_ = curl_multi_init();
    if (multi_ == nullptr) throw std::runtime_error("trocco::curl::transport: curl_multi_init failed");
    watch_->attach(multi_);
    if (options_.max_connections > 0) {
        curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, clamp_long(options_.max_connections));
    }
    if (options_.max_connections_per_host > 0) {
        curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, clamp_long(options_.max_connections_per_host));
    }
    if (options_.connection_cache_size > 0) {
        curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, clamp_long(options_.connection_cache_size));
    }
    if (options_.driver == driver::caller) return;
    try {
        worker_ = std::thread([this] { run(); });
    } catch (...) {
        curl_multi_cleanup(multi_);
        throw;
    }
}

TROCCO_DECL engine::~engine() {
    std::thread::id driver;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        wake_driver_locked();
        driver = driver_;
    }
    if (options_.driver == driver::worker_thread) {
        if (worker_.get_id() == std::this_thread::get_id()) {
            // Joining itself is impossible, and detaching would leave a thread running on freed state.
            std::fputs("trocco::curl::transport destroyed on its own worker thread (from a completion); destroy it "
                       "from another thread, or set transport_options::post\n",
                       stderr);
            std::terminate();
        }
        worker_.join();
    } else {
        if (driver != std::thread::id{}) {
            // run() would go on over freed state, on this thread (from a completion) or another one.
            std::fputs("trocco::curl::transport destroyed while a run() drives it; destroy it after run() returned\n",
                       stderr);
            std::terminate();
        }
        {
            std::lock_guard lock(mutex_);
            taken_starts_.swap(starts_);
        }
        shutdown(taken_starts_);  // on this thread: nobody else drives
    }
    for (CURL* easy : spare_easy_) curl_easy_cleanup(easy);  // never added to the multi handle since their reset
    // Every operation was completed (by the worker before it returned, or with driver::caller by the shutdown
    // above), so no stop callback can still use the multi handle.
    curl_multi_cleanup(multi_);
}

TROCCO_DECL bool engine::submit(std::shared_ptr<operation> op) {
    std::lock_guard lock(mutex_);
    if (closed_) {
        op->set_error(canceled_unstarted(*op, destroyed_message));
        return false;
    }
    starts_.push_back(std::move(op));
    wake_driver_locked();  // under the lock: the destructor cannot clean up the handle meanwhile
    return true;
}

TROCCO_DECL void engine::wake_driver_locked() noexcept {
    if (driver_ != std::thread::id{} && driver_ != std::this_thread::get_id()) watch_->wake();
}

TROCCO_DECL void engine::mark_done(std::atomic<bool>& done) noexcept {
    std::lock_guard lock(mutex_);
    done.store(true, std::memory_order_release);
    wake_driver_locked();
}

TROCCO_DECL void engine::begin_drive() {
    std::lock_guard lock(mutex_);
    if (options_.driver != driver::caller) {
        throw std::logic_error("trocco::curl::transport::run needs transport_options::driver = driver::caller");
    }
    if (driver_ == std::this_thread::get_id()) {
        throw std::logic_error("trocco::curl::transport::run called inside a completion of its own run()");
    }
    if (driver_ != std::thread::id{}) {
        throw std::logic_error("trocco::curl::transport::run called while another thread runs the transport");
    }
    if (closed_) {
        // From a completion that the destructor resumes: a drive would shut down again inside its shutdown.
        throw std::logic_error("trocco::curl::transport::run called while the transport is being destroyed");
    }
    driver_ = std::this_thread::get_id();
}

TROCCO_DECL void engine::drive_until(const std::atomic<bool>& done) noexcept {
    while (!done.load(std::memory_order_acquire)) turn(&done);
}

TROCCO_DECL void engine::end_drive() noexcept {
    std::lock_guard lock(mutex_);
    driver_ = {};
}

TROCCO_DECL void engine::request_cancel(std::shared_ptr<operation> op) noexcept {
    op->cancel_requested.store(true, std::memory_order_release);
    std::lock_guard lock(mutex_);
    if (closed_) return;  // the shutdown completes every operation anyway
    try {
        cancels_.push_back(std::move(op));
    } catch (...) {
        // Out of memory: the flag still cancels an operation not yet started; a running one then ends by its own
        // timeout.
    }
    wake_driver_locked();
}

TROCCO_DECL void engine::run() noexcept {
    {
        std::lock_guard lock(mutex_);
        driver_ = std::this_thread::get_id();
    }
    while (turn(nullptr)) {
    }
}

TROCCO_DECL bool engine::turn(const std::atomic<bool>* done) noexcept {
    bool closing = false;
    {
        std::lock_guard lock(mutex_);
        taken_starts_.swap(starts_);
        taken_cancels_.swap(cancels_);
        closing = closed_;
    }
    if (closing) {
        shutdown(taken_starts_);
        return false;
    }
    for (auto& op : taken_starts_) start(std::move(op));
    taken_starts_.clear();
    for (auto& op : taken_cancels_) cancel(std::move(op));
    taken_cancels_.clear();

    watch_->run_due_timeouts(multi_);  // a transfer just added starts here
    reap_transfers();
    fire_timers();

    if (done != nullptr && done->load(std::memory_order_acquire)) return true;
    {
        // A completion that ran on this thread may have queued more without a wakeup (wake_driver_locked).
        std::lock_guard lock(mutex_);
        if (!starts_.empty() || !cancels_.empty() || closed_) return true;
    }
    // Returns at the next due timer, at libcurl's own next timeout, on socket activity (which libcurl then acts
    // on), or at a wakeup.
    watch_->wait(multi_, poll_timeout());
    reap_transfers();
    return true;
}

TROCCO_DECL void engine::finish(std::shared_ptr<operation> op) noexcept {
    op->stop_registration.reset();  // waits for a stop callback running on another thread: it only queues
    const auto continuation = std::exchange(op->continuation, {});
    op.reset();  // the awaiter keeps its own reference until its coroutine is done with it
    if (options_.post) {
        options_.post([continuation] { continuation.resume(); });
    } else {
        continuation.resume();
    }
}

TROCCO_DECL void engine::fail(std::shared_ptr<operation> op, error e) noexcept {
    op->set_error(std::move(e));
    finish(std::move(op));
}

TROCCO_DECL void engine::start(std::shared_ptr<operation> op) noexcept {
    if (op->cancel_requested.load(std::memory_order_acquire)) {
        const auto what = op->what() == operation::kind::send ? "send canceled" : "sleep canceled";
        auto e = canceled_unstarted(*op, what);
        return fail(std::move(op), std::move(e));
    }
    if (op->what() == operation::kind::sleep) {
        auto sleep = std::static_pointer_cast<sleep_operation>(std::move(op));
        const auto due = sleep->due;
        auto* raw = sleep.get();
        raw->timer = timers_.emplace(due, std::move(sleep));
        raw->scheduled = true;
        return;
    }
    start_transfer(std::static_pointer_cast<send_operation>(std::move(op)));
}

TROCCO_DECL void engine::start_transfer(std::shared_ptr<send_operation> op) noexcept {
    if (auto url = parse_url(op->request.url); !url) return fail(std::move(op), std::move(url).error());
    if (auto bad = check_request(op->request)) return fail(std::move(op), std::move(*bad));
    // Each failure below happens before libcurl saw the request: nothing was sent.
    const auto setup_failed = [&](std::string_view why) {
        auto e = error{errc::connect_failed, describe(op->request, why)}.with_nothing_sent();
        fail(std::move(op), std::move(e));
    };
    std::unique_ptr<transfer> t;
    try {
        t = std::make_unique<transfer>(op);
    } catch (...) {
        return setup_failed("out of memory");
    }
    t->sockets = sockets_.get();
    if (spare_easy_.empty()) {
        t->easy = curl_easy_init();
    } else {
        t->easy = spare_easy_.back();
        spare_easy_.pop_back();
    }
    if (t->easy == nullptr) return setup_failed("curl_easy_init failed");
    if (const CURLcode code = configure(*t, options_); code != CURLE_OK) {
        return setup_failed(std::string("cannot set up the transfer: ") + curl_easy_strerror(code));
    }
    CURL* easy = t->easy;
    transfer* raw = t.get();
    try {
        transfers_.emplace(easy, std::move(t));
    } catch (...) {
        return setup_failed("out of memory");
    }
    if (const CURLMcode code = curl_multi_add_handle(multi_, easy); code != CURLM_OK) {
        transfers_.erase(easy);
        return setup_failed(std::string("cannot start the transfer: ") + curl_multi_strerror(code));
    }
    op->active = raw;
}

TROCCO_DECL void engine::reap_transfers() noexcept {
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
        if (message->msg != CURLMSG_DONE) continue;
        CURL* easy = message->easy_handle;
        const CURLcode code = message->data.result;  // `message` dies with curl_multi_remove_handle
        const auto it = transfers_.find(easy);
        if (it == transfers_.end()) continue;
        if (code == CURLE_ABORTED_BY_CALLBACK && it->second->stale_connection && restart_on_fresh_connection(*it->second)) {
            continue;
        }
        std::unique_ptr<transfer> t = std::move(it->second);
        transfers_.erase(it);
        curl_multi_remove_handle(multi_, easy);
        auto op = t->op;
        op->active = nullptr;
        try {
            op->outcome.emplace(outcome_of(*t, code));
        } catch (...) {
            op->outcome.emplace(error{errc::transport_failure, "out of memory reading the response"});
        }
        recycle(*t);
        t.reset();  // the header list (and the easy handle, when not kept)
        finish(std::move(op));
    }
}

TROCCO_DECL void engine::recycle(transfer& t) noexcept {
    if (t.easy == nullptr || spare_easy_.size() >= max_spare_easy_handles) return;
    try {
        spare_easy_.reserve(max_spare_easy_handles);
    } catch (...) {
        return;  // out of memory: the handle is cleaned up with the transfer instead
    }
    curl_easy_reset(t.easy);  // every option back to its default; the connections stay in the multi handle's cache
    spare_easy_.push_back(std::exchange(t.easy, nullptr));
}

TROCCO_DECL bool engine::restart_on_fresh_connection(transfer& t) noexcept {
    curl_multi_remove_handle(multi_, t.easy);  // the aborted transfer closed its connection
    t.stale_connection = false;
    t.fresh_connection_only = true;
    t.response = http_response{};
    t.header_bytes = 0;
    t.too_large = false;
    t.malformed = nullptr;
    t.status = 0;
    t.final_headers_done = false;
    t.has_content_length = false;
    t.has_transfer_encoding = false;
    t.error_buffer[0] = '\0';
    if (curl_easy_setopt(t.easy, CURLOPT_FRESH_CONNECT, 1L) != CURLE_OK) return false;
    return curl_multi_add_handle(multi_, t.easy) == CURLM_OK;
}

TROCCO_DECL void engine::cancel(std::shared_ptr<operation> op) noexcept {
    if (op->what() == operation::kind::sleep) {
        auto sleep = std::static_pointer_cast<sleep_operation>(std::move(op));
        if (!sleep->scheduled) return;  // already completed (or not started: start() sees the flag)
        sleep->scheduled = false;
        timers_.erase(sleep->timer);
        return fail(std::move(sleep), canceled_error("sleep canceled"));
    }
    auto send = std::static_pointer_cast<send_operation>(std::move(op));
    if (send->active == nullptr) return;  // already completed (or not started: start() sees the flag)
    const auto it = transfers_.find(send->active->easy);
    if (it == transfers_.end()) return;
    std::unique_ptr<transfer> t = std::move(it->second);
    transfers_.erase(it);
    send->active = nullptr;
    curl_multi_remove_handle(multi_, t->easy);
    const bool may_have_left = t->request_may_have_left;
    t.reset();
    fail(std::move(send), canceled_send("send canceled", may_have_left));
}

TROCCO_DECL void engine::fire_timers() noexcept {
    const auto now = clock::now();
    while (!timers_.empty() && timers_.begin()->first <= now) {
        auto sleep = std::move(timers_.begin()->second);
        timers_.erase(timers_.begin());
        sleep->scheduled = false;
        sleep->outcome.emplace();
        finish(std::move(sleep));
    }
}

TROCCO_DECL std::chrono::milliseconds engine::poll_timeout() const noexcept {
    constexpr std::chrono::milliseconds idle{10'000};  // wakeups end it early anyway
    if (timers_.empty()) return idle;
    const auto wait = timers_.begin()->first - clock::now();
    if (wait <= clock::duration::zero()) return std::chrono::milliseconds::zero();
    // Rounded up: waking a little early would only loop once more.
    return std::min(std::chrono::ceil<std::chrono::milliseconds>(wait), idle);
}

TROCCO_DECL void engine::shutdown(std::vector<std::shared_ptr<operation>>& never_started) noexcept {
    for (auto& op : never_started) {
        auto e = canceled_unstarted(*op, destroyed_message);
        fail(std::move(op), std::move(e));
    }
    never_started.clear();
    auto transfers = std::move(transfers_);
    transfers_.clear();
    for (auto& [easy, t] : transfers) {
        curl_multi_remove_handle(multi_, easy);
        auto op = t->op;
        op->active = nullptr;
        const bool may_have_left = t->request_may_have_left;
        t.reset();
        fail(std::move(op), canceled_send(destroyed_message, may_have_left));
    }
    auto timers = std::move(timers_);
    timers_.clear();
    for (auto& [due, sleep] : timers) {
        sleep->scheduled = false;
        fail(std::move(sleep), canceled_error(destroyed_message));
    }
    // Nothing can be queued any more (closed_ is set); drop the cancel requests' references.
    std::lock_guard lock(mutex_);
    cancels_.clear();
    starts_.clear();
}

}  // namespace trocco::curl::detail
