// trocco/asio/detail/transport_state.hpp - what the transport and its operations share: the strand, the
// options, the TLS context, the connection pool, the resolver and the operations in flight.
//
// The transport holds it, and so does every operation until it completes, so destroying the transport leaves it
// alive for the aborted operations to finish on. Everything but `names` (thread-safe) is touched on the strand.
#pragma once

#include <utility>  // first: Boost 1.74's asio headers use std::exchange without including <utility>

#include <coroutine>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stop_token>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>

#include <trocco/error.hpp>

#include "../transport_options.hpp"
#include "connection_pool.hpp"
#include "resolver.hpp"

namespace trocco::asio::detail {

/// How many getaddrinfo calls one transport runs at once, each on a thread of its own.
inline constexpr std::size_t max_concurrent_lookups = 8;

class abortable;
class transport_state;

/// A stop callback: posts the abort of the operation to the transport's strand (a stop may come from any thread).
/// Its own type rather than a std::function (the two weak pointers would not fit std::function's small buffer,
/// and every waiting operation would hold one more allocation), and weak pointers rather than a copy of the
/// strand: it is stored in every waiting operation, stoppable or not.
struct stop_forwarder {
    std::weak_ptr<abortable> op;
    std::weak_ptr<transport_state> state;
    void operator()() const;
};

/// The awaiting side of one operation: the coroutine to resume, and the stop registration.
template <class Result>
class completion_slot {
public:
    /// Resumes the awaiting coroutine with `r`. Called once, on the strand.
    void complete(Result r) {
        stop_registration.reset();  // waits for a stop callback running on another thread; it only posts
        result_.emplace(std::move(r));
        std::exchange(continuation, {}).resume();
    }
    Result take() { return std::move(*result_); }

    std::coroutine_handle<> continuation;
    std::optional<std::stop_callback<stop_forwarder>> stop_registration;

private:
    std::optional<Result> result_;
};

/// An operation in flight that a stop or the transport's destruction must end.
class abortable {
public:
    /// On the strand: end promptly with errc::canceled (`destroyed`: because the transport was destroyed).
    virtual void abort(bool destroyed) = 0;

protected:
    ~abortable() = default;
};

class transport_state {
public:
    transport_state(boost::asio::any_io_executor executor, transport_options o)
        : strand(boost::asio::make_strand(std::move(executor))),
          options(std::move(o)),
          tls_context(boost::asio::ssl::context::tls_client),
          pool(options.max_connections_per_host, options.idle_timeout, options.keep_alive),
          names(max_concurrent_lookups) {}

    /// On the strand, once: closes the pool and aborts everything in flight.
    void shutdown() {
        shut_down = true;
        names.shutdown();
        pool.shutdown();
        auto ops = std::move(in_flight);
        in_flight.clear();
        for (const auto& op : ops) op->abort(true);
    }

    strand_type strand;
    transport_options options;
    boost::asio::ssl::context tls_context;
    std::optional<error> tls_setup_error;  // a CA that cannot be loaded: every HTTPS send fails with it
    connection_pool pool;
    resolver names;
    std::set<std::shared_ptr<abortable>> in_flight;
    bool shut_down = false;
};

inline void stop_forwarder::operator()() const {
    // The state outlives every operation (each holds it), so a live state is enough to post; the operation itself
    // is looked up again on the strand.
    if (const auto s = state.lock()) {
        boost::asio::post(s->strand, [weak = op] {
            if (auto o = weak.lock()) o->abort(false);
        });
    }
}

}  // namespace trocco::asio::detail
