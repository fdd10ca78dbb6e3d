// trocco/testing/reply_plan.hpp - the boundary between the fake trocco API (no sockets) and the code that talks
// HTTP: a parsed request goes in, a plan of what to write (and how to misbehave while writing it) comes out.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <trocco/http.hpp>

namespace trocco::testing {

/// A request as parsed off the wire.
struct incoming_request {
    std::string method = {};  // "GET", "POST", ...
    std::string target = {};  // path and query
    std::vector<http_header> headers = {};
    std::string body = {};
    bool keep_alive = true;  // false: the client sent Connection: close (or spoke HTTP/1.0)
    std::size_t connection_id = 0;
    std::chrono::steady_clock::time_point received_at{};
};

/// What a connection fault does when a request starts arriving, before it is read.
enum class connection_fault { none, close, reset };

/// How the answer ends.
enum class reply_action {
    respond,               // write the answer; keep the connection open if keep_alive
    close_without_answer,  // write nothing; close gracefully (FIN)
    reset_without_answer,  // write nothing; reset the connection (SO_LINGER 0, RST)
    truncate_then_close,   // declare a Content-Length larger than the body, write the body, close
    truncated_chunked,     // Transfer-Encoding: chunked, one chunk with half the body, close without the last chunk
};

/// A 1xx answer written before the final one.
struct interim_answer {
    int status = 100;
    std::vector<http_header> headers = {};

    friend bool operator==(const interim_answer&, const interim_answer&) = default;
};

/// Everything the HTTP side needs to write one answer.
struct reply_plan {
    int status = 200;
    std::vector<http_header> headers = {};  // besides Server, Content-Type, Content-Length/Transfer-Encoding, Connection
    std::string body = {};
    reply_action action = reply_action::respond;
    bool keep_alive = true;
    std::chrono::milliseconds delay{0};           // wait this long before writing anything
    std::vector<interim_answer> interim = {};      // written first, in order
    std::chrono::milliseconds trickle_interval{0};  // > 0: write every byte of the answer after this pause
    /// > 0: declare this Content-Length and stream `body` padded to this length (a huge_body fault).
    std::uint64_t padded_body_bytes = 0;
    /// Set: written instead of "HTTP/1.1 <status> <reason>"; the connection is closed after the answer.
    std::optional<std::string> status_line = std::nullopt;
};

}  // namespace trocco::testing
