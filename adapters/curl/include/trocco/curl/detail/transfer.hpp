// trocco/curl/detail/transfer.hpp - the libcurl side of one running send: its easy handle, the response being
// read, and what the callbacks learned. Worker-only; included by impl/ only (it needs <curl/curl.h>).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <curl/curl.h>

#include <trocco/detail/config.hpp>
#include <trocco/error.hpp>
#include <trocco/http.hpp>
#include <trocco/result.hpp>

#include "../transport_options.hpp"
#include "operation.hpp"

namespace trocco::curl::detail {

class socket_registry;  // detail/socket_registry.hpp

/// Response headers beyond this many bytes (all header lines together) fail as "response too large".
inline constexpr std::size_t max_header_bytes = 64 * 1024;

/// One send while libcurl works on it. Owned by the engine (found by its easy handle); the callbacks get a pointer
/// to it. libcurl keeps pointers into op->request (URL, body), header_list and error_buffer until release().
struct transfer {
    explicit transfer(std::shared_ptr<send_operation> o) noexcept : op(std::move(o)) {}
    ~transfer() { release(); }
    transfer(const transfer&) = delete;
    transfer& operator=(const transfer&) = delete;

    /// The easy handle and the header list (after the handle left the multi handle, or never joined it).
    void release() noexcept {
        if (easy != nullptr) curl_easy_cleanup(std::exchange(easy, nullptr));
        if (header_list != nullptr) curl_slist_free_all(std::exchange(header_list, nullptr));
    }

    std::shared_ptr<send_operation> op;
    CURL* easy = nullptr;
    curl_slist* header_list = nullptr;
    char error_buffer[CURL_ERROR_SIZE] = {};
    http_response response;
    std::size_t max_body = 0;
    std::size_t header_bytes = 0;
    bool too_large = false;
    /// Set by the CURLOPT_PREREQFUNCTION callback, which libcurl calls once the connection (TLS included) is
    /// ready and just before it writes the request: until then no byte of the request can have left.
    bool request_may_have_left = false;
    /// The transport's sockets, for the check of a pooled connection before the request goes out on it.
    socket_registry* sockets = nullptr;
    /// The pre-request callback found input waiting on the pooled connection and aborted: nothing was sent, and
    /// the engine starts the transfer again on a fresh connection (once: then fresh_connection_only is set).
    bool stale_connection = false;
    bool fresh_connection_only = false;

    // What the header callback learned about the answer (detail/response_check.hpp).
    /// Why the answer is not a well-formed final HTTP/1.1 answer, or nullptr; the transfer is aborted then.
    const char* malformed = nullptr;
    int status = 0;                     // of the answer (interim or final) whose headers are being read
    bool final_headers_done = false;    // the final answer's headers ended: what follows is body (and trailers)
    bool has_content_length = false;    // in the answer being read
    unsigned long long content_length = 0;
    bool has_transfer_encoding = false;
};

/// Header names and values go into the request as they are: CR, LF or NUL in them would forge other headers.
/// invalid_argument for those and for a GET with a body.
TROCCO_DECL std::optional<error> check_request(const http_request& request);

/// Sets every option of the transfer (t.easy exists); the first failure is returned.
TROCCO_DECL CURLcode configure(transfer& t, const transport_options& options) noexcept;

/// The outcome of a finished transfer, whose easy handle is still valid: the response, or the error.
TROCCO_DECL result<http_response> outcome_of(transfer& t, CURLcode code);

/// "<METHOD> <url>: <what>".
TROCCO_DECL std::string describe(const http_request& request, std::string_view what);

/// Whether a failed transfer certainly sent no byte of the request, so that any request (the POST that starts a
/// job included) may be sent again: the failure is errc::connect_failed, else errc::transport_failure. libcurl
/// calls the pre-request callback after DNS, connect, proxy tunnel and TLS handshake, right before it writes the
/// request; whatever failed before that (a timeout included) failed before any byte of the request left. After
/// it, any failure may follow a partly or wholly sent request (for a GET on a reused connection that turned out
/// dead, libcurl's own resend on a fresh one included).
inline bool nothing_sent(const transfer& t) noexcept { return !t.request_may_have_left; }

}  // namespace trocco::curl::detail
