// trocco/asio/transport_options.hpp - the settings of trocco::asio::transport, each default documented.
//
// A plain aggregate without Boost: designated initializers work (`{.read_timeout = 5s, .ca_file = "ca.pem"}`).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace trocco::asio {

/// Settings of a trocco::asio::transport.
///
/// How long one send can take: the phases below are bounded one by one (connect_timeout, tls_handshake_timeout,
/// write_timeout, read_timeout). A send on a new connection takes at most their sum. A GET that goes out on a
/// pooled connection is sent once more, on a new connection, only when the pooled one turns out to have been
/// closed by the server: the write fails, or the connection ends (closed or reset, not a timeout) before any
/// byte of the answer arrived and at most one second after the request was written. So a GET takes at most
/// write_timeout + 1 s + the sum above; a read timeout is always final. A job-starting POST always goes on a new
/// connection and is never sent twice.
struct transport_options {
    /// Name resolution plus the TCP connect (every address of the name, in order): 10 s. Resolution runs on a
    /// thread of the transport (see transport.hpp), so this bounds it even while the system resolver is stuck.
    std::chrono::milliseconds connect_timeout = std::chrono::seconds{10};

    /// The TLS handshake, certificate verification included: 10 s.
    std::chrono::milliseconds tls_handshake_timeout = std::chrono::seconds{10};

    /// Writing the request: 30 s.
    std::chrono::milliseconds write_timeout = std::chrono::seconds{30};

    /// Reading the whole response, interim 1xx answers included, from the end of the write: 60 s. A server that
    /// sends a byte a second does not extend it.
    std::chrono::milliseconds read_timeout = std::chrono::seconds{60};

    /// A response whose body is larger (declared or received) fails with errc::transport_failure ("response too
    /// large"): 4 MiB. The header of a response is limited to 64 KiB besides.
    std::size_t max_response_bytes = 4 * 1024 * 1024;

    /// Open connections per host (scheme, host, port), busy and idle together: 8 (0 counts as 1). Requests beyond
    /// it wait for a connection to come free, so a thousand concurrent waits share a handful of connections.
    std::size_t max_connections_per_host = 8;

    /// Keep connections open between requests (HTTP keep-alive): true. False sends `Connection: close`.
    bool keep_alive = true;

    /// An idle connection older than this is closed instead of reused: 30 s. One the server has closed
    /// meanwhile is noticed and dropped before reuse.
    std::chrono::milliseconds idle_timeout = std::chrono::seconds{30};

    /// Trusted certificate authorities. With neither ca_file nor ca_pem set (the default), the system trust store
    /// is used. With either set, only the CAs given are trusted and the system store is not (as curl's
    /// CURLOPT_CAINFO: a CA file replaces the system store); with both set, the CAs of both. A file or text that
    /// cannot be loaded makes every HTTPS send fail with errc::connect_failed naming it (nothing is sent).
    ///
    /// A PEM file of one or more CA certificates (a company CA, a test CA).
    std::string ca_file = {};
    /// CA certificates as PEM text (e.g. a throwaway test CA made in memory).
    std::string ca_pem = {};

    /// Turns off certificate and host name verification. For a throwaway test server only: never in production.
    bool insecure_skip_tls_verification = false;
};

}  // namespace trocco::asio
