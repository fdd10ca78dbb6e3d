// trocco/testing/fault.hpp - misbehaviours the fake trocco server commits on request: one `fault` describes what
// to do wrong and which requests it applies to. No I/O here; fake_api decides, the Beast session carries it out.
//
//     server.inject({.what = fault::kind::http_status, .method = trocco::http_method::get, .times = 3,
//                    .status = 503});
//     server.inject({.what = fault::kind::rate_limited, .retry_after_text = "360287970191367680"});
//
// Matching: a fault applies to the next `times` requests whose method is `method` (any when unset) and whose
// target (path and query, "/api/jobs?job_definition_id=1") starts with `path_prefix`; then it is used up.
// Faults are matched in the order injected. Per request, the first matching `delay` fault and the first
// matching fault of any other kind both apply (a delayed 503 is two faults). The connection faults
// (close_before_read, reset_before_read) are matched against the request line peeked from the first bytes.
//
// "Processed" below means: the request is recorded and served as usual (a POST creates its job) before the
// answer is spoiled, so the client cannot tell whether its job started. "Not processed": nothing is created.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <trocco/http.hpp>

namespace trocco::testing {

/// What a malformed_page fault breaks in a list answer ({"items": [...], "next_cursor": ...}).
enum class page_defect {
    items_missing,      // no "items" member at all
    items_not_array,    // "items": {} (an object)
    item_wrong_types,   // every item's "id" is a string, and its "name" (definitions) or "status" (jobs) a number
    cursor_not_string,  // "next_cursor": 12345
    cursor_repeats,     // "next_cursor" is the cursor the request sent (on a first page: the real next cursor,
                        // so that the second page repeats it): a client that trusts it never stops
};

/// How a rate_limited fault writes its Retry-After header.
enum class retry_after_form {
    seconds,    // "Retry-After: <retry_after_seconds>"
    http_date,  // "Retry-After: Sun, 06 Nov 1994 08:49:37 GMT": now + retry_after_seconds as an IMF-fixdate
    omitted,    // no Retry-After header (X-Rate-Limit-Reset only, as trocco itself does)
};

struct fault {
    enum class kind {
        /// Answer `delay` later (a timer: other connections are served meanwhile). Combines with any other kind.
        delay,
        /// Not processed: answer `status` with `body` (nullopt: trocco's {"message":"<status line>"}; "": none).
        http_status,
        /// Not processed: 429 with {"message":…}, Retry-After as `retry_after` / `retry_after_text` says, and
        /// X-Rate-Limit-Limit, X-Rate-Limit-Remaining: 0, X-Rate-Limit-Reset: now + `reset_after_seconds` (when
        /// unset: + `retry_after_seconds`) as UNIX seconds (saturated, never overflowing).
        rate_limited,
        /// When a request starts arriving, close the connection gracefully (FIN) without reading it: nothing is
        /// recorded or processed.
        close_before_read,
        /// Processed, then the connection is closed gracefully without an answer.
        close_after_read,
        /// Processed; 200 with a Content-Length larger than the body sent, then the connection is closed.
        truncated_body,
        /// Processed; 200 with the first half of the JSON body (not valid JSON).
        malformed_json,
        /// Processed; the answer's "status" (every item's, in a list) replaced by `status_text`.
        unknown_status,
        /// As close_before_read, but a TCP reset (SO_LINGER 0): the client sees ECONNRESET, not an orderly end.
        reset_before_read,
        /// Processed, then a TCP reset (SO_LINGER 0) instead of an answer.
        reset_after_read,
        /// Processed; before the final answer, one interim answer per entry of `interim_statuses` (1xx): 100
        /// Continue with no header, 103 Early Hints with two Link headers, others with none. A client must skip
        /// them (RFC 9110 §15.2) and read the final answer that follows.
        interim_responses,
        /// Processed; the whole answer (status line, headers and body) is written one byte per `interval`: a
        /// client's read timeout must fire. The connection stays usable afterwards.
        trickle,
        /// Processed; 200 with "Content-Length: <body_bytes>" and that many bytes streamed in 64 KiB chunks (the
        /// real JSON answer padded with a long string, so it is valid JSON; never held in memory): a client's
        /// response-size limit must stop it. Smaller than the real answer: the real answer.
        huge_body,
        /// Processed; 200 with Transfer-Encoding: chunked, one chunk holding half the body, then the connection
        /// is closed without the final zero-length chunk.
        truncated_chunked,
        /// Processed; the answer's status line replaced by `status_line` (headers and body as usual), then the
        /// connection is closed.
        malformed_status_line,
        /// Processed; the answer's "id" (every item's, in a list) replaced by `other_job_id`: an answer about
        /// another job, as a desynchronised connection or a misrouting proxy would give.
        other_job,
        /// Processed; the answer carries `headers` (when empty, a built-in set of absurd values: an overflowing
        /// X-Rate-Limit-Limit, a negative X-Rate-Limit-Remaining, a non-numeric X-Rate-Limit-Reset, a huge
        /// Retry-After, a 6,000-byte header). Each replaces the answer's header of the same name.
        absurd_headers,
        /// Processed; a list answer broken as `defect` says (other answers are left alone).
        malformed_page,
    };

    kind what = kind::http_status;
    std::optional<http_method> method = std::nullopt;  // match only this method (nullopt: any)
    std::string path_prefix = {};                      // match targets starting with this ("": any)
    int times = 1;                                     // matching requests it applies to; < 0: every one, forever
    int status = 503;                                  // http_status
    std::optional<std::string> body = std::nullopt;    // http_status: the body ("" for none); nullopt: trocco-shaped
    std::chrono::milliseconds delay{0};                // delay
    std::int64_t retry_after_seconds = 1;              // rate_limited: sent as is, negative or huge included
    std::string status_text = "paused";                // unknown_status
    retry_after_form retry_after = retry_after_form::seconds;  // rate_limited
    /// rate_limited: when set, the Retry-After value verbatim ("soon", "-5", "360287970191367680"), whatever
    /// `retry_after` says.
    std::optional<std::string> retry_after_text = std::nullopt;
    /// rate_limited: X-Rate-Limit-Reset = now + this many seconds (negative: in the past; huge: far future).
    std::optional<std::int64_t> reset_after_seconds = std::nullopt;
    std::vector<int> interim_statuses = {100, 103};        // interim_responses
    std::chrono::milliseconds interval{1000};              // trickle: the pause before each byte
    std::uint64_t body_bytes = 100'000'000;                // huge_body: the declared and streamed length (100 MB)
    std::int64_t other_job_id = 9999;                      // other_job
    std::string status_line = "HTTP/1.1 abc Not A Status";  // malformed_status_line (without the CRLF)
    std::vector<http_header> headers = {};                 // absurd_headers (empty: the built-in set)
    page_defect defect = page_defect::items_missing;       // malformed_page
};

}  // namespace trocco::testing
