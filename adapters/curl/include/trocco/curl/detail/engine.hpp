// trocco/curl/detail/engine.hpp - the engine of a curl transport: one libcurl multi handle, the worker thread that
// drives it, the timer queue of the sleeps, and the queues other threads fill. Declared here without libcurl's
// headers; the bodies are in impl/engine.ipp.
#pragma once

#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <trocco/detail/config.hpp>
#include <trocco/error.hpp>

#include "../transport_options.hpp"
#include "operation.hpp"

namespace trocco::curl::detail {

/// The one multi handle, its worker thread, and the queues other threads fill.
///
/// Threads: submit() and request_cancel() from any thread (under the mutex); everything else runs on the worker,
/// which alone touches libcurl (a multi handle and its easy handles are never used from two threads at once).
class socket_registry;  // detail/socket_registry.hpp

class engine {
public:
    /// Creates the multi handle and starts the worker. Throws std::runtime_error when libcurl cannot create a
    /// multi handle, std::system_error when the thread cannot start.
    TROCCO_DECL explicit engine(transport_options options);
    /// Stops the worker, which completes every pending operation with errc::canceled first. Terminates the
    /// program when called on the worker itself (it cannot join itself).
    TROCCO_DECL ~engine();
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    /// Any thread. Queues `op` for the worker; false (and `op` completed with errc::canceled, not resumed) when
    /// the transport is being destroyed.
    TROCCO_DECL bool submit(std::shared_ptr<operation> op);
    /// Any thread (a stop callback). Asks the worker to cancel `op`.
    TROCCO_DECL void request_cancel(std::shared_ptr<operation> op) noexcept;

    std::thread::id worker_id() const noexcept { return worker_.get_id(); }
    const transport_options& options() const noexcept { return options_; }

private:
    TROCCO_DECL void run() noexcept;
    /// Resumes the coroutine waiting on `op`, whose outcome is set, here or through options_.post.
    TROCCO_DECL void finish(std::shared_ptr<operation> op) noexcept;
    TROCCO_DECL void fail(std::shared_ptr<operation> op, error e) noexcept;
    TROCCO_DECL void start(std::shared_ptr<operation> op) noexcept;
    TROCCO_DECL void start_transfer(std::shared_ptr<send_operation> op) noexcept;
    TROCCO_DECL void reap_transfers() noexcept;
    /// Keeps the easy handle of a finished transfer for the next one (reset, not cleaned up): creating and
    /// cleaning up an easy handle per request was a measurable share of a poll's CPU.
    TROCCO_DECL void recycle(transfer& t) noexcept;
    /// A transfer aborted before sending because its pooled connection held input: again, on a fresh connection.
    /// False when it cannot be restarted.
    TROCCO_DECL bool restart_on_fresh_connection(transfer& t) noexcept;
    TROCCO_DECL void cancel(std::shared_ptr<operation> op) noexcept;
    TROCCO_DECL void fire_timers() noexcept;
    TROCCO_DECL int poll_timeout_ms() const noexcept;
    /// Once closed_ is set: completes everything with errc::canceled.
    TROCCO_DECL void shutdown(std::vector<std::shared_ptr<operation>>& never_started) noexcept;

    transport_options options_;
    void* multi_ = nullptr;  // the CURLM* (libcurl's CURLM is void)

    std::mutex mutex_;
    bool closed_ = false;                              // guarded by mutex_
    std::vector<std::shared_ptr<operation>> starts_;   // guarded by mutex_
    std::vector<std::shared_ptr<operation>> cancels_;  // guarded by mutex_

    // Worker-only.
    std::unordered_map<void*, std::unique_ptr<transfer>> transfers_;  // by easy handle (libcurl's CURL is void)
    static constexpr std::size_t max_spare_easy_handles = 8;
    std::vector<void*> spare_easy_;  // reset easy handles, not in the multi handle
    sleep_operation::timer_queue timers_;
    /// Every socket of the multi handle's connections; outlives the multi handle (its cleanup closes sockets).
    std::unique_ptr<socket_registry> sockets_;

    std::thread worker_;  // last: started when everything above exists
};

}  // namespace trocco::curl::detail
