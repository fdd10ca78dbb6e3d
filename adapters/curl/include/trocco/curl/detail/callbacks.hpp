// trocco/curl/detail/callbacks.hpp - the callbacks libcurl calls during a transfer, on the worker thread, with the
// transfer as their user pointer. Included by impl/ only (it needs <curl/curl.h>).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include <curl/curl.h>

#include "response_check.hpp"
#include "socket_registry.hpp"
#include "transfer.hpp"

namespace trocco::curl::detail {

inline std::string_view trim_ows(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

/// CURLOPT_WRITEFUNCTION: appends to the body, up to the limit. Returning less than given aborts the transfer
/// (CURLE_WRITE_ERROR).
inline std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) noexcept {
    auto* t = static_cast<transfer*>(user);
    const std::size_t bytes = size * count;
    if (bytes > t->max_body - std::min(t->max_body, t->response.body.size())) {
        t->too_large = true;
        return 0;
    }
    try {
        t->response.body.append(data, bytes);
    } catch (...) {
        return 0;  // out of memory: CURLE_WRITE_ERROR
    }
    return bytes;
}

/// CURLOPT_HEADERFUNCTION: one header line at a time (status lines and the blank line included). A status line
/// starts a new answer (after a 100 Continue or a 103 Early Hints): the headers kept are the final answer's, with
/// the trailers of a chunked body after them. What response_check.hpp refuses aborts the transfer.
inline std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) noexcept {
    auto* t = static_cast<transfer*>(user);
    const std::size_t bytes = size * count;
    t->header_bytes += bytes;
    if (t->header_bytes > max_header_bytes) {
        t->too_large = true;
        return 0;
    }
    std::string_view line(data, bytes);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    auto& headers = t->response.headers;
    try {
        if (line.empty()) {
            if (!check_end_of_headers(*t)) return 0;  // the end of one answer's headers
        } else if (line.substr(0, 5) == "HTTP/" && !t->final_headers_done) {
            if (!check_status_line(*t, line)) return 0;
            headers.clear();
        } else if ((line.front() == ' ' || line.front() == '\t') && !headers.empty()) {
            // An obsolete folded continuation line: part of the previous header's value.
            const auto more = trim_ows(line);
            if (!more.empty()) {
                if (!headers.back().value.empty()) headers.back().value += ' ';
                headers.back().value.append(more);
            }
        } else if (const auto colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
            const auto name = trim_ows(line.substr(0, colon));
            const auto value = trim_ows(line.substr(colon + 1));
            if (!check_header(*t, name, value)) return 0;
            headers.push_back({std::string(name), std::string(value)});
        }
    } catch (...) {
        return 0;  // out of memory: CURLE_WRITE_ERROR
    }
    return bytes;
}

/// CURLOPT_PREREQFUNCTION: the connection is ready and libcurl is about to write the request. A pooled connection
/// with input already waiting (see socket_registry.hpp) is refused: the transfer is aborted with nothing sent.
inline int on_request_start(void* user, char* remote_ip, char* local_ip, int remote_port, int local_port) noexcept {
    auto* t = static_cast<transfer*>(user);
    if (t->sockets != nullptr && !t->fresh_connection_only) {
        try {
            const auto c = t->sockets->use(remote_ip, remote_port, local_ip, local_port);
            if (c.reused && socket_registry::has_pending_input(c.socket)) {
                t->stale_connection = true;
                return CURL_PREREQFUNC_ABORT;
            }
        } catch (...) {
            // Out of memory: the connection goes unchecked.
        }
    }
    t->request_may_have_left = true;
    return CURL_PREREQFUNC_OK;
}

}  // namespace trocco::curl::detail
