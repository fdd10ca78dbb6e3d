// trocco/curl/detail/response_check.hpp - what the transport refuses to take for an answer, although libcurl
// would: a status line that is not "HTTP/1.x ddd ...", a status outside 100-599, a final 101 Switching Protocols
// (never asked for: what follows is another protocol, or the next answer), and framing headers that contradict
// each other (Content-Length values that differ; Content-Length with Transfer-Encoding, which RFC 9112 section 6.3
// says "ought to be handled as an error"). Each is errc::transport_failure ("malformed response: ..."): the
// request may have arrived, and a length guessed wrong would hand the next answer on the connection to the next
// request. No libcurl here.
#pragma once

#include <string_view>

#include <trocco/detail/text.hpp>

#include "transfer.hpp"

namespace trocco::curl::detail {

/// The status code of an HTTP/1.x status line ("HTTP/1.1 200 OK", the reason optional), or 0 if it is not one.
constexpr int parse_status_line(std::string_view line) noexcept {
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || !digit(line[7]) || line[8] != ' ') return 0;
    if (!digit(line[9]) || !digit(line[10]) || !digit(line[11])) return 0;
    if (line.size() > 12 && line[12] != ' ') return 0;  // "200x"
    const int code = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    return code >= 100 && code <= 599 ? code : 0;
}

/// A Content-Length value: one or more comma-separated copies of the same decimal number (RFC 9110 section 8.6
/// allows a recipient to accept such a list). False for anything else.
constexpr bool parse_content_length(std::string_view value, unsigned long long& length) noexcept {
    bool any = false;
    while (true) {
        const auto comma = value.find(',');
        std::string_view item = value.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (item.empty() || item.size() > 19) return false;  // 19 digits fit in 64 bits
        unsigned long long n = 0;
        for (const char c : item) {
            if (c < '0' || c > '9') return false;
            n = n * 10 + static_cast<unsigned long long>(c - '0');
        }
        if (any && n != length) return false;
        length = n;
        any = true;
        if (comma == std::string_view::npos) return true;
        value.remove_prefix(comma + 1);
    }
}

/// Records a status line: a new answer starts. False (and t.malformed set) when it is not a valid one.
inline bool check_status_line(transfer& t, std::string_view line) noexcept {
    t.status = parse_status_line(line);
    t.has_content_length = false;
    t.has_transfer_encoding = false;
    if (t.status == 0) t.malformed = "malformed status line";
    return t.status != 0;
}

/// Records a header of the answer being read (trailers after the body are not checked). False (and t.malformed
/// set) when it contradicts the framing so far.
inline bool check_header(transfer& t, std::string_view name, std::string_view value) noexcept {
    if (t.final_headers_done) return true;
    if (trocco::detail::iequals(name, "Content-Length")) {
        unsigned long long length = 0;
        if (!parse_content_length(value, length) || (t.has_content_length && length != t.content_length)) {
            t.malformed = "invalid or conflicting Content-Length";
            return false;
        }
        t.has_content_length = true;
        t.content_length = length;
    } else if (trocco::detail::iequals(name, "Transfer-Encoding")) {
        t.has_transfer_encoding = true;
    }
    return true;
}

/// Records the end of an answer's headers. False (and t.malformed set) when the answer cannot be taken.
inline bool check_end_of_headers(transfer& t) noexcept {
    if (t.final_headers_done) return true;  // the end of the trailers
    if (t.status == 101) {
        t.malformed = "unexpected 101 Switching Protocols (no protocol switch was asked for)";
        return false;
    }
    if (t.status >= 200) {
        if (t.has_content_length && t.has_transfer_encoding) {
            t.malformed = "both Content-Length and Transfer-Encoding";
            return false;
        }
        t.final_headers_done = true;
    }
    return true;  // an interim 1xx answer: its headers are dropped at the next status line
}

}  // namespace trocco::curl::detail
