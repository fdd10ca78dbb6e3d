// trocco/testing/detail/wire.hpp - a reply_plan as the bytes the fake server writes: interim answers, the
// status line (or a malformed one), headers, and a body that is whole, truncated, half a chunk, or padded to a
// huge length and generated piece by piece. No sockets here: the session writes what this produces.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include <trocco/http_status.hpp>
#include <trocco/testing/reply_plan.hpp>

namespace trocco::testing::detail {

/// The reason phrase written after a status code (interim ones included); "Unknown" when there is none.
constexpr std::string_view wire_reason(int status) noexcept {
    switch (status) {
        case 100: return "Continue";
        case 101: return "Switching Protocols";
        case 102: return "Processing";
        case 103: return "Early Hints";
        default: break;
    }
    const auto reason = reason_phrase(status);
    return reason.empty() ? std::string_view("Unknown") : reason;
}

/// A JSON object answer padded with a long string member to exactly `total` bytes:
/// `{"id":1,...,"padding":"aaaa…a"}`. Generated on demand, so that 100 MB never sit in memory.
class padded_body {
public:
    padded_body(std::string_view json_object, std::uint64_t total) : total_(total) {
        std::string_view inner = json_object;
        while (!inner.empty() && inner.back() != '}') inner.remove_suffix(1);
        if (inner.size() >= 2 && inner.front() == '{') {
            inner.remove_suffix(1);  // the closing brace
            prefix_ = std::string(inner) + (inner.size() > 1 ? "," : "") + "\"padding\":\"";
        } else {
            prefix_ = "{\"padding\":\"";
        }
    }

    /// Whether `total` leaves room for the real answer and the padding member.
    bool fits() const noexcept { return total_ >= prefix_.size() + suffix.size(); }
    std::uint64_t size() const noexcept { return total_; }

    /// Writes bytes [offset, offset + n) of the body to `out`. Precondition: fits(), offset + n <= size().
    void copy(std::uint64_t offset, char* out, std::size_t n) const noexcept {
        const std::uint64_t suffix_start = total_ - suffix.size();
        for (std::size_t i = 0; i < n;) {
            const std::uint64_t at = offset + i;
            if (at < prefix_.size()) {
                const auto k = std::min<std::uint64_t>(n - i, prefix_.size() - at);
                std::memcpy(out + i, prefix_.data() + at, static_cast<std::size_t>(k));
                i += static_cast<std::size_t>(k);
            } else if (at < suffix_start) {
                const auto k = std::min<std::uint64_t>(n - i, suffix_start - at);
                std::memset(out + i, 'a', static_cast<std::size_t>(k));
                i += static_cast<std::size_t>(k);
            } else {
                out[i] = suffix[static_cast<std::size_t>(at - suffix_start)];
                ++i;
            }
        }
    }

private:
    static constexpr std::string_view suffix = "\"}";
    std::string prefix_;
    std::uint64_t total_;
};

/// The bytes of one answer.
struct wire_answer {
    std::string interim;  // the 1xx answers, written before any delay is waited out
    std::string head;     // status line, headers and the blank line
    std::string body;     // what follows from memory (empty when `padded` is set)
    std::optional<padded_body> padded = std::nullopt;  // streamed after the head
    bool close_after = false;  // close once written (a truncated or malformed answer, or Connection: close)
};

inline void append_header(std::string& out, std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
}

inline wire_answer to_wire(const reply_plan& plan) {
    wire_answer w;
    for (const auto& a : plan.interim) {
        w.interim.append("HTTP/1.1 ").append(std::to_string(a.status)).append(" ").append(wire_reason(a.status));
        w.interim.append("\r\n");
        for (const auto& h : a.headers) append_header(w.interim, h.name, h.value);
        w.interim.append("\r\n");
    }

    const bool truncate = plan.action == reply_action::truncate_then_close;
    const bool chunked = plan.action == reply_action::truncated_chunked;
    w.close_after = truncate || chunked || plan.status_line.has_value() || !plan.keep_alive;
    if (plan.padded_body_bytes > 0) {
        padded_body padded(plan.body, plan.padded_body_bytes);
        if (padded.fits()) w.padded = std::move(padded);
    }

    if (plan.status_line) {
        w.head.append(*plan.status_line);
    } else {
        w.head.append("HTTP/1.1 ").append(std::to_string(plan.status)).append(" ").append(wire_reason(plan.status));
    }
    w.head.append("\r\n");
    append_header(w.head, "Server", "trocco-fake-server");
    if (!plan.body.empty()) append_header(w.head, "Content-Type", "application/json; charset=utf-8");
    if (chunked) {
        append_header(w.head, "Transfer-Encoding", "chunked");
        // Half the body in one chunk (never an empty chunk: "0\r\n" would end the body properly).
        const auto half = plan.body.substr(0, plan.body.size() / 2);
        if (!half.empty()) {
            char size[32];
            std::snprintf(size, sizeof size, "%zx", half.size());
            w.body.append(size).append("\r\n").append(half).append("\r\n");
        }
    } else if (w.padded) {
        append_header(w.head, "Content-Length", std::to_string(w.padded->size()));
    } else {
        const std::size_t declared = plan.body.size() + (truncate ? std::max<std::size_t>(16, plan.body.size()) : 0);
        append_header(w.head, "Content-Length", std::to_string(declared));
        w.body = plan.body;
    }
    append_header(w.head, "Connection", w.close_after ? "close" : "keep-alive");
    for (const auto& h : plan.headers) append_header(w.head, h.name, h.value);
    w.head.append("\r\n");
    return w;
}

}  // namespace trocco::testing::detail
