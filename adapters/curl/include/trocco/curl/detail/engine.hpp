// trocco/curl/detail/engine.hpp - the engine of a curl transport: one libcurl multi handle, the worker thread that
// drives it, the timer queue of the sleeps, and the queues other threads fill. Declared here without libcurl's
// headers; the bodies are in impl/engine.ipp.
#pragma once

#include <atomic>
#include <chrono>
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

/// The one multi handle, the thread that drives it, and the queues other threads fill.
///
/// Threads: submit() and request_cancel() from any thread (under the mutex); everything else runs on the driving
/// thread, which alone touches libcurl (a multi handle and its easy handles are never used from two threads at
/// once). The driver is the worker thread (driver::worker_thread) or the thread between begin_drive() and
/// end_drive() (driver::caller).
class socket_registry;  // detail/socket_registry.hpp
class socket_watch;     // detail/socket_watch.hpp

class engine {
public:
    /// Creates the multi handle and, with driver::worker_thread, starts the worker. Throws std::runtime_error
    /// when libcurl cannot create a multi handle, std::system_error when the wakeup pipe or the thread cannot be
    /// created.
    TROCCO_DECL explicit engine(transport_options options);
    /// Completes every pending operation with errc::canceled (on the worker, which is then joined; with
    /// driver::caller, on this thread). Terminates the program when called on the driving thread itself (from a
    /// completion): the worker cannot join itself, and a run() cannot go on over a destroyed transport.
    TROCCO_DECL ~engine();
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    /// Any thread. Queues `op` for the worker; false (and `op` completed with errc::canceled, not resumed) when
    /// the transport is being destroyed.
    TROCCO_DECL bool submit(std::shared_ptr<operation> op);
    /// Any thread (a stop callback). Asks the worker to cancel `op`.
    TROCCO_DECL void request_cancel(std::shared_ptr<operation> op) noexcept;

    /// driver::caller: makes this thread the driver. Throws std::logic_error with driver::worker_thread, when
    /// another thread drives, when this one already does (run() inside a completion of run()), or once the
    /// destructor began (run() inside a completion it resumes).
    TROCCO_DECL void begin_drive();
    /// Drives the transport on this thread until `done` is true. Between begin_drive() and end_drive() only.
    TROCCO_DECL void drive_until(const std::atomic<bool>& done) noexcept;
    /// This thread is no longer the driver.
    TROCCO_DECL void end_drive() noexcept;
    /// Any thread: sets `done` and wakes the driver (unless this is the driver), both under the mutex. So the
    /// driver's end_drive(), which takes the mutex, cannot return, nor can the transport be destroyed, before
    /// this thread has let go of the transport.
    TROCCO_DECL void mark_done(std::atomic<bool>& done) noexcept;

    std::thread::id worker_id() const noexcept { return worker_.get_id(); }
    const transport_options& options() const noexcept { return options_; }

private:
    /// The worker thread's body (driver::worker_thread): turns until the transport closes.
    TROCCO_DECL void run() noexcept;
    /// One turn of the driver: starts and cancels what was queued, lets libcurl work, completes what finished and
    /// fires due timers, then (unless `done` became true or a completion queued more) waits for socket activity,
    /// the next timer, libcurl's own timeout or a wakeup. False once the transport closed (everything was then
    /// completed with errc::canceled).
    TROCCO_DECL bool turn(const std::atomic<bool>* done) noexcept;
    /// Under mutex_: wakes the driver from its wait unless this thread is the driver (which looks at the
    /// queues before it polls) or nobody drives (the next driver looks at them first).
    TROCCO_DECL void wake_driver_locked() noexcept;
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
    /// How long the driver may wait: until the next sleep is due (rounded up), at most 10 s.
    TROCCO_DECL std::chrono::milliseconds poll_timeout() const noexcept;
    /// Once closed_ is set: completes everything with errc::canceled.
    TROCCO_DECL void shutdown(std::vector<std::shared_ptr<operation>>& never_started) noexcept;

    transport_options options_;
    void* multi_ = nullptr;  // the CURLM* (libcurl's CURLM is void)

    std::mutex mutex_;
    bool closed_ = false;                              // guarded by mutex_
    std::vector<std::shared_ptr<operation>> starts_;   // guarded by mutex_
    std::vector<std::shared_ptr<operation>> cancels_;  // guarded by mutex_
    std::thread::id driver_;                           // guarded by mutex_; none when nobody drives

    // Driver-only.
    std::vector<std::shared_ptr<operation>> taken_starts_;   // starts_ swapped out, kept for their capacity
    std::vector<std::shared_ptr<operation>> taken_cancels_;  // cancels_ swapped out, likewise
    std::unordered_map<void*, std::unique_ptr<transfer>> transfers_;  // by easy handle (libcurl's CURL is void)
    static constexpr std::size_t max_spare_easy_handles = 8;
    std::vector<void*> spare_easy_;  // reset easy handles, not in the multi handle
    sleep_operation::timer_queue timers_;
    /// Every socket of the multi handle's connections; outlives the multi handle (its cleanup closes sockets).
    std::unique_ptr<socket_registry> sockets_;
    /// The sockets libcurl asks to have watched, its next timeout, the wakeup pipe; outlives the multi handle
    /// (its cleanup reports sockets removed). The one object here that other threads touch (wake()).
    std::unique_ptr<socket_watch> watch_;

    std::thread worker_;  // last: started when everything above exists (driver::worker_thread only)
};

}  // namespace trocco::curl::detail
