// trocco/curl/detail/operation.hpp - what a pending send or sleep shares between the awaiting coroutine and the
// transport's worker thread, and the canceled errors they end with. No libcurl here.
#pragma once

#include <atomic>
#include <chrono>
#include <coroutine>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

#include <trocco/detail/config.hpp>
#include <trocco/error.hpp>
#include <trocco/http.hpp>
#include <trocco/result.hpp>

namespace trocco::curl::detail {

using clock = std::chrono::steady_clock;

class engine;
class operation;
struct transfer;  // the libcurl side of a running send (detail/transfer.hpp): worker-only

/// The stop callback of one pending operation: asks the worker to cancel it. Runs on whatever thread requests
/// the stop (inline in the registration when the stop was already requested).
struct canceller {
    engine* owner;
    std::weak_ptr<operation> op;
    TROCCO_DECL void operator()() noexcept;  // impl/engine.ipp
};

/// What a pending send or sleep shares between the awaiting coroutine and the worker.
class operation {
public:
    enum class kind { send, sleep };

    explicit operation(kind k) noexcept : kind_(k) {}
    virtual ~operation() = default;
    operation(const operation&) = delete;
    operation& operator=(const operation&) = delete;

    kind what() const noexcept { return kind_; }
    /// Sets the outcome to an error. Called by the worker, or by the awaiter before the operation was queued.
    virtual void set_error(error e) = 0;

    /// Set by the awaiter before the operation is queued; taken by the worker when it completes.
    std::coroutine_handle<> continuation;
    /// Set by the awaiter before the operation is queued; reset by the worker before the resumption.
    std::optional<std::stop_callback<canceller>> stop_registration;
    /// Set by the stop callback; read by the worker when it starts the operation (a stop requested before the
    /// start must not be lost).
    std::atomic<bool> cancel_requested{false};

private:
    kind kind_;
};

class send_operation final : public operation {
public:
    explicit send_operation(http_request r) : operation(kind::send), request(std::move(r)) {}

    void set_error(error e) override { outcome.emplace(std::move(e)); }

    http_request request;  // libcurl keeps pointers into it (URL, body) while the transfer runs
    std::optional<result<http_response>> outcome;
    /// Worker-only: the running transfer, owned by the engine; nullptr before it started and once it ended.
    transfer* active = nullptr;
};

class sleep_operation final : public operation {
public:
    using timer_queue = std::multimap<clock::time_point, std::shared_ptr<sleep_operation>>;

    explicit sleep_operation(std::chrono::milliseconds d) noexcept : operation(kind::sleep), delay(d) {}

    void set_error(error e) override { outcome.emplace(std::move(e)); }

    std::chrono::milliseconds delay;
    clock::time_point due{};  // set when awaited: the sleep is measured from the co_await
    std::optional<result<void>> outcome;

    // Worker-only.
    timer_queue::iterator timer{};
    bool scheduled = false;
};

inline constexpr std::string_view destroyed_message = "the curl transport was destroyed";

inline error canceled_error(std::string_view what) { return error{errc::canceled, std::string(what)}; }

/// errc::canceled for a send, marked with_nothing_sent() when no byte of its request can have left the process.
inline error canceled_send(std::string_view what, bool request_may_have_left) {
    std::string message(what);
    message += request_may_have_left ? " (the request may have reached the server)" : " (nothing was sent)";
    error e{errc::canceled, std::move(message)};
    if (!request_may_have_left) e.with_nothing_sent();
    return e;
}

/// errc::canceled for an operation that never started: for a send, nothing was sent. A canceled sleep is not
/// marked: it has no request of its own.
inline error canceled_unstarted(const operation& op, std::string_view what) {
    return op.what() == operation::kind::send ? canceled_send(what, false) : canceled_error(what);
}

}  // namespace trocco::curl::detail
