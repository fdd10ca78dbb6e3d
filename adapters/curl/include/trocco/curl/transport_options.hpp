// trocco/curl/transport_options.hpp - trocco::curl::transport_options: the settings of a curl transport, each
// default documented. No libcurl here.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace trocco::curl {

/// Which thread drives a transport's transfers and timers (transport_options::driver).
enum class driver {
    /// A worker thread the transport starts and owns (the default). Completions resume there, or through
    /// transport_options::post; trocco::sync_wait works as is.
    worker_thread,
    /// No thread of its own: the transport makes progress only inside transport::run(task), on the thread that
    /// calls it, and completions resume there, as an asio io_context does on the thread that runs it. For a
    /// single-threaded program (a CLI, a batch step, one loop of polls) this saves the two thread hand-offs of
    /// every request. trocco::sync_wait must not be used with it: nothing would drive the transport.
    caller,
};

/// Settings of a transport. Every default is documented here.
struct transport_options {
    /// DNS resolution, TCP connect and TLS handshake together (CURLOPT_CONNECTTIMEOUT_MS): 10 s. A failure or
    /// timeout in this phase is errc::connect_failed: nothing was sent. A stalled DNS lookup is bounded by it
    /// too (libcurl 7.87 or newer; older ones wait for the lookup). 0 means libcurl's default (300 s).
    std::chrono::milliseconds connect_timeout = std::chrono::seconds{10};
    /// The whole request, connect included, until the last byte of the response (CURLOPT_TIMEOUT_MS): 60 s.
    /// Passing it after the request was sent gives errc::transport_failure; before, errc::connect_failed.
    /// 0 means no limit.
    std::chrono::milliseconds request_timeout = std::chrono::seconds{60};
    /// A larger response body fails with errc::transport_failure ("response too large"): 4 MiB. The response
    /// headers are limited separately, to 64 KiB in all (and libcurl refuses any header line over 100 KiB).
    std::size_t max_response_bytes = 4 * 1024 * 1024;
    /// A PEM file of the CAs to trust, e.g. a company or test CA. It replaces the system trust store (the same
    /// in both adapters): only the CAs in the file are trusted (CURLOPT_CAINFO, and no CA directory). Empty:
    /// libcurl's default trust store, the system's. A file that cannot be read makes every HTTPS send fail with
    /// errc::connect_failed. A proxy's own certificate (https_proxy=https://...) is verified against the system
    /// store either way.
    std::string ca_file = {};
    /// Turns off certificate and host name verification (CURLOPT_SSL_VERIFYPEER/VERIFYHOST = 0). For a throwaway
    /// test server only: never in production.
    bool insecure_skip_tls_verification = false;
    /// Most connections open at once over all hosts (CURLMOPT_MAX_TOTAL_CONNECTIONS): 0, no limit. Transfers
    /// beyond it wait inside libcurl for a free connection, and their request_timeout runs meanwhile.
    std::size_t max_connections = 0;
    /// Most connections open at once to one host (CURLMOPT_MAX_HOST_CONNECTIONS): 0, no limit.
    std::size_t max_connections_per_host = 0;
    /// How many idle connections the connection cache keeps for reuse (CURLMOPT_MAXCONNECTS): 0 means libcurl's
    /// default, which grows with the number of transfers in flight (4 per transfer).
    std::size_t connection_cache_size = 0;
    /// Empty (the default): completions resume their coroutines on the driving thread (the worker, or with
    /// driver::caller the thread in transport::run). Set: the driving thread calls `post(f)` for each completion
    /// instead, and `f()` resumes the coroutine wherever `post` runs it. `post` must not throw (that terminates
    /// the program); it must eventually run every `f` it accepts (a dropped `f` leaves its coroutine suspended
    /// forever), normally on another thread (running `f` inline gives the default behaviour back). During the
    /// transport's destruction it still receives the canceled completions; they may run after the transport is
    /// gone, which a client handles.
    std::function<void(std::function<void()>)> post = {};
    /// Who drives the transport: its own worker thread (the default) or the caller, inside transport::run().
    curl::driver driver = curl::driver::worker_thread;
};

}  // namespace trocco::curl
