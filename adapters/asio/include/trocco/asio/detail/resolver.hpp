// trocco/asio/detail/resolver.hpp - name resolution on threads of the transport, each lookup abandonable.
//
// Why not asio::ip::tcp::resolver: it runs getaddrinfo on one private thread per execution context, so one slow
// lookup delays every later one, and cancel() cannot interrupt a lookup in progress. Here each lookup runs on a
// worker thread of this resolver (at most `max_threads` at once; further lookups wait in a queue for a free
// worker), and the caller can abandon it at any time: the callback is then dropped and never called, and the
// worker discards the result when getaddrinfo returns.
//
// Threads: lookup(), abandon() and shutdown() may be called from any thread. A worker calls a lookup's callback
// with the resolver's mutex held, so that after shutdown() or abandon() returns no callback runs any more; the
// callback must therefore only hand the result over (post it to a strand) and return. A worker touches nothing
// but the state it shares with the resolver (kept alive by the worker itself). shutdown() joins the workers that
// have ended and detaches those still blocked in getaddrinfo: they end by themselves once it returns.
#pragma once

#include <utility>  // first: Boost 1.74's asio headers use std::exchange without including <utility>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include <trocco/detail/config.hpp>

namespace trocco::asio::detail {

/// What a lookup found: the addresses in the resolver's order, or, when there are none, why.
struct lookup_result {
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;
    std::string failure;  // e.g. "Name or service not known"
};

struct resolver_shared;

class resolver {
public:
    using callback = std::function<void(lookup_result)>;

    explicit resolver(std::size_t max_threads);
    /// shutdown().
    ~resolver();
    resolver(const resolver&) = delete;
    resolver& operator=(const resolver&) = delete;

    /// Looks up `host` (a name; TCP, any address family) with port `port` on a worker thread; `on_done` is called
    /// once, on that thread, with the result, unless the lookup is abandoned or the resolver shut down first.
    /// Returns the lookup's id (never 0), or 0 after shutdown(). Throws std::system_error when no thread can be
    /// started for it.
    std::uint64_t lookup(std::string host, std::uint16_t port, callback on_done);

    /// The lookup's callback is dropped (destroyed here) and will not be called. No effect for an unknown id.
    void abandon(std::uint64_t id) noexcept;

    /// Drops every callback, joins the workers that have ended and detaches the others. Idempotent.
    void shutdown() noexcept;

private:
    std::shared_ptr<resolver_shared> shared_;
};

}  // namespace trocco::asio::detail
