// trocco/curl/global_init.hpp - trocco::curl::global_init_guard: libcurl's process-wide initialisation, as RAII.
//
// curl_global_init is the only global state the curl adapter relies on. libcurl performs it lazily on the first
// curl_easy_init if nobody did, so a trocco::curl::transport works without a guard. But that lazy call is
// thread-safe only when libcurl reports CURL_VERSION_THREADSAFE (7.84 and later, on most builds): with an older
// or differently built libcurl, two transports whose worker threads start their first transfer at the same time
// race inside curl_global_init. The portable rule, and what libcurl itself recommends: create one guard at the
// start of main(), before any thread is started, and let it outlive every transport.
//
//     int main() {
//         trocco::curl::global_init_guard curl_init;   // first thing, while the program is single-threaded
//         trocco::curl::transport transport;
//         ...
//     }
//
// A resolver thread that libcurl left to finish a stalled DNS lookup after a stop (see transport.hpp) may still
// be running when the guard's curl_global_cleanup runs at the end of main(); it touches no global state of
// libcurl's and ends with the lookup.
#pragma once

#include <trocco/detail/config.hpp>

namespace trocco::curl {

/// Calls curl_global_init on construction and curl_global_cleanup on destruction.
///
/// Threads: construct and destroy it while no other thread uses libcurl (best: first and last thing in main).
/// Lifetime: it must outlive every trocco::curl::transport (and any other libcurl user of the program).
/// libcurl counts the calls, so several guards (or a guard plus a library that initialises libcurl too) nest:
/// only the last cleanup releases the global resources. Neither copyable nor movable.
class global_init_guard {
public:
    /// CURL_GLOBAL_DEFAULT (everything libcurl needs, TLS included), spelled without <curl/curl.h>.
    static constexpr long default_flags = 3;

    /// `flags`: curl_global_init's flags (CURL_GLOBAL_*). Throws std::runtime_error when libcurl cannot
    /// initialise.
    TROCCO_DECL explicit global_init_guard(long flags = default_flags);
    TROCCO_DECL ~global_init_guard();

    global_init_guard(const global_init_guard&) = delete;
    global_init_guard& operator=(const global_init_guard&) = delete;
};

}  // namespace trocco::curl

#if defined(TROCCO_HEADER_ONLY)
#include "impl/global_init.ipp"
#endif
