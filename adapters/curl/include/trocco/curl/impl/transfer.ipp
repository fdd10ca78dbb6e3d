// trocco/curl/impl/transfer.ipp - setting up one transfer and reading its outcome (detail/transfer.hpp). Included
// by transport.hpp in header-only mode, compiled once by src/trocco_curl.cpp with TROCCO_SEPARATE_COMPILATION.
#pragma once

#include <algorithm>
#include <climits>
#include <string>
#include <string_view>

#include <curl/curl.h>

#include <trocco/http.hpp>

#include "../detail/callbacks.hpp"
#include "../detail/transfer.hpp"

namespace trocco::curl::detail {


/// `text` without trailing CR, LF and spaces (libcurl's error buffer ends with a newline).
inline std::string trimmed(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
        text.remove_suffix(1);
    }
    return std::string(text);
}

inline long milliseconds_option(std::chrono::milliseconds d) noexcept {
    if (d.count() <= 0) return 0;
    return d.count() > LONG_MAX ? LONG_MAX : static_cast<long>(d.count());
}

TROCCO_DECL std::optional<error> check_request(const http_request& request) {
    for (const auto& h : request.headers) {
        const bool bad_name = h.name.empty() || h.name.find_first_of(std::string_view(":\r\n\0 \t", 6)) != std::string::npos;
        const bool bad_value = h.value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos;
        if (bad_name || bad_value) {
            return error{errc::invalid_argument, "request header \"" + trimmed(std::string_view(h.name).substr(0, 64)) +
                                                     "\" has a malformed name or value (control characters?)"};
        }
    }
    if (request.method == http_method::get && !request.body.empty()) {
        return error{errc::invalid_argument, "a GET request cannot carry a body"};
    }
    return std::nullopt;
}

TROCCO_DECL std::string describe(const http_request& request, std::string_view what) {
    std::string text(to_string(request.method));
    text += ' ';
    text += request.url;
    text += ": ";
    text += what;
    return text;
}

TROCCO_DECL CURLcode configure(transfer& t, const transport_options& options) noexcept {
    CURL* easy = t.easy;
    CURLcode code = CURLE_OK;
    const auto set = [&](CURLoption option, auto value) {
        if (code == CURLE_OK) code = curl_easy_setopt(easy, option, value);
    };
    const http_request& request = t.op->request;
    set(CURLOPT_ERRORBUFFER, t.error_buffer);
    set(CURLOPT_URL, request.url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
    set(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    set(CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    set(CURLOPT_NOSIGNAL, 1L);  // no SIGALRM-based DNS timeouts: unsafe with threads
    // HTTP/1.1 only, as the asio adapter: one answer per request on a connection, which response_check.hpp and
    // the POST-on-its-own-connection rule rely on (HTTP/2 would multiplex and keep connections busy with frames).
    set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    set(CURLOPT_FOLLOWLOCATION, 0L);
    set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds_option(options.connect_timeout));
    set(CURLOPT_TIMEOUT_MS, milliseconds_option(options.request_timeout));
    set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    set(CURLOPT_WRITEFUNCTION, static_cast<curl_write_callback>(&on_body));
    set(CURLOPT_WRITEDATA, static_cast<void*>(&t));
    set(CURLOPT_HEADERFUNCTION, static_cast<curl_write_callback>(&on_header));
    set(CURLOPT_HEADERDATA, static_cast<void*>(&t));
    set(CURLOPT_PREREQFUNCTION, static_cast<curl_prereq_callback>(&on_request_start));
    set(CURLOPT_PREREQDATA, static_cast<void*>(&t));
    if (t.sockets != nullptr) {
        set(CURLOPT_OPENSOCKETFUNCTION, static_cast<curl_opensocket_callback>(&socket_registry::open));
        set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(t.sockets));
        set(CURLOPT_CLOSESOCKETFUNCTION, static_cast<curl_closesocket_callback>(&socket_registry::close));
        set(CURLOPT_CLOSESOCKETDATA, static_cast<void*>(t.sockets));
    }
    if (t.fresh_connection_only) set(CURLOPT_FRESH_CONNECT, 1L);
#if LIBCURL_VERSION_NUM >= 0x075700
    // Removing a handle mid-lookup (a stop, a timeout, the transport's destruction) would otherwise make libcurl
    // join its resolver thread, stalling the worker and every transfer and timer of this transport until
    // getaddrinfo returns (seconds, for a stuck resolver). With this the thread is left to finish on its own.
    set(CURLOPT_QUICK_EXIT, 1L);
#endif
    t.max_body = options.max_response_bytes;
    // A declared Content-Length beyond the limit fails before the body is read (CURLE_FILESIZE_EXCEEDED).
    set(CURLOPT_MAXFILESIZE_LARGE,
        static_cast<curl_off_t>(std::min<std::size_t>(options.max_response_bytes, static_cast<std::size_t>(LLONG_MAX))));
    const bool verify = !options.insecure_skip_tls_verification;
    set(CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
    set(CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
    if (!options.ca_file.empty()) {
        // The file replaces the system trust store: CURLOPT_CAINFO replaces only libcurl's CA bundle, and a
        // libcurl built with a CA directory as well (Debian's: /etc/ssl/certs) would still trust every CA in it.
        set(CURLOPT_CAINFO, options.ca_file.c_str());
        set(CURLOPT_CAPATH, static_cast<const char*>(nullptr));
    }

    if (request.method == http_method::post) {
        set(CURLOPT_POST, 1L);
        set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        set(CURLOPT_POSTFIELDS, request.body.data());
        // Never on a reused connection, never kept for reuse: libcurl's silent resend on a dead reused
        // connection must not apply to the POST that starts a job.
        set(CURLOPT_FRESH_CONNECT, 1L);
        set(CURLOPT_FORBID_REUSE, 1L);
    } else {
        set(CURLOPT_HTTPGET, 1L);
    }
    if (code != CURLE_OK) return code;

    // The request's headers exactly; an empty "Name:" removes a header libcurl would add by itself.
    const auto has = [&](std::string_view name) { return find_header(request.headers, name) != nullptr; };
    // libcurl copies each line: one buffer serves them all.
    const auto append = [&](const char* line) {
        curl_slist* next = curl_slist_append(t.header_list, line);
        if (next != nullptr) t.header_list = next;
        return next != nullptr;
    };
    try {
        std::string line;
        for (const auto& h : request.headers) {
            // "Name;" is libcurl's spelling of a header with an empty value ("Name:" would remove it).
            line.assign(h.name);
            line.append(h.value.empty() ? ";" : ": ");
            line.append(h.value);
            if (!append(line.c_str())) return CURLE_OUT_OF_MEMORY;
        }
    } catch (...) {
        return CURLE_OUT_OF_MEMORY;
    }
    // Unless the request sets the header itself: "Name:" turns off the value libcurl would send.
    const auto remove_default = [&](std::string_view name, const char* line) { return has(name) || append(line); };
    if (!remove_default("Accept", "Accept:")) return CURLE_OUT_OF_MEMORY;  // libcurl's "Accept: */*"
    if (request.method == http_method::post) {
        if (!remove_default("Content-Type", "Content-Type:")) return CURLE_OUT_OF_MEMORY;  // libcurl's form encoding
        if (!remove_default("Expect", "Expect:")) return CURLE_OUT_OF_MEMORY;              // "100-continue"
    }
    if (t.header_list != nullptr) set(CURLOPT_HTTPHEADER, t.header_list);
    return code;
}

TROCCO_DECL result<http_response> outcome_of(transfer& t, CURLcode code) {
    const http_request& request = t.op->request;
    if (code == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
        t.response.status = static_cast<int>(status);
        return std::move(t.response);
    }
    if (t.too_large || code == CURLE_FILESIZE_EXCEEDED) {
        const bool headers = t.header_bytes > max_header_bytes;
        return error{errc::transport_failure,
                     describe(request, "response too large (limit " +
                                           std::to_string(headers ? max_header_bytes : t.max_body) + " bytes of " +
                                           (headers ? "headers)" : "body)"))};
    }
    if (t.malformed != nullptr) return error{errc::transport_failure, describe(request, std::string("malformed response: ") + t.malformed)};
    if (code == CURLE_OUT_OF_MEMORY && t.request_may_have_left && !t.final_headers_done) {
        // What libcurl 7.88 answers to a header line over its limit (CURL_MAX_HTTP_HEADER, 100 KiB).
        return error{errc::transport_failure,
                     describe(request, "response too large (a header line over libcurl's limit of 100 KiB) or out of memory")};
    }
    std::string why = curl_easy_strerror(code);
    if (const std::string detail = trimmed(t.error_buffer); !detail.empty() && detail != why) {
        why += " (" + detail + ")";
    }
    if (nothing_sent(t)) return error{errc::connect_failed, describe(request, why)}.with_nothing_sent();
    return error{errc::transport_failure, describe(request, why)};
}

}  // namespace trocco::curl::detail
