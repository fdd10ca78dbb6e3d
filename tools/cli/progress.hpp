// tools/cli/progress.hpp - what a wait shows while it runs, as a pure function of the library's events
// (trocco::wait_event) and the time: permanent lines (one per status change, per retry, per trigger outcome) and,
// on a terminal, one live line that progress_printer.hpp redraws in place:
//
//     job 100001  executing  12m03s  next check in 28s
//     job 100001  executing  12m31s  retrying (server_error, HTTP 503, attempt 2) in 3s
//     workflow job 200001  error  1m02s  confirming the error (trocco may retry it), next check in 8s
//
// No I/O and no clock of its own: the caller passes `now`, so that tests render any moment.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include <trocco/events.hpp>
#include <trocco/job_kind.hpp>
#include <trocco/timestamp.hpp>

#include "command_line.hpp"
#include "output.hpp"
#include "text.hpp"

namespace trocco::cli {

/// How progress is shown, once `--progress auto` is resolved.
enum class progress_style : unsigned char { live, plain, none };

/// --progress (or --quiet) resolved against stderr: `auto` is a live line when stderr is a terminal and TERM is
/// set and not "dumb", else plain lines.
constexpr progress_style resolve_progress(progress_mode mode, bool stderr_is_tty, std::string_view term) noexcept {
    switch (mode) {
        case progress_mode::tty: return progress_style::live;
        case progress_mode::plain: return progress_style::plain;
        case progress_mode::none: return progress_style::none;
        case progress_mode::automatic: break;
    }
    return stderr_is_tty && !term.empty() && term != "dumb" ? progress_style::live : progress_style::plain;
}

/// The state of one wait as its events tell it, and its rendering.
class progress_view {
public:
    using time_point = std::chrono::steady_clock::time_point;

    /// `kind`: the jobs waited on; `definition_id`: of a run (0 for a wait on a job); `started`: when the command
    /// began (the live line's elapsed time counts from it); `job_id`: known already (job wait), else 0.
    progress_view(job_kind kind, std::int64_t definition_id, time_point started, std::int64_t job_id = 0)
        : kind_(kind), definition_id_(definition_id), job_id_(job_id), started_(started) {}

    /// Applies an event. Returns the permanent lines it gives (without timestamps or newlines; the printer adds
    /// them): a status change, a retry, a trigger outcome, the start of a workflow's error confirmation.
    std::vector<std::string> on_event(const wait_event& event) {
        std::vector<std::string> lines;
        std::visit([&](const auto& e) { apply(e, lines); }, event);
        return lines;
    }

    /// The live line at `now`: who, status, elapsed time, and what happens next.
    std::string live_line(time_point now) const {
        std::string text = who() + "  " + (status_.empty() ? std::string("starting") : printable(status_)) + "  " +
                           format_elapsed(since(started_, now));
        if (retry_) {
            text += "  retrying (" + retry_->reason + ", attempt " + std::to_string(retry_->attempt) + ") in " +
                    format_elapsed(until(now, retry_->at));
        } else if (next_poll_) {
            if (confirming_) text += "  confirming the error (trocco may retry it),";
            text += "  next check in " + format_elapsed(until(now, *next_poll_));
        }
        return text;
    }

    std::int64_t job_id() const noexcept { return job_id_; }
    const std::string& status() const noexcept { return status_; }
    bool confirming() const noexcept { return confirming_; }
    bool retrying() const noexcept { return retry_.has_value(); }

private:
    struct retry_state {
        std::string reason;
        int attempt;
        time_point at;
    };

    static std::chrono::milliseconds since(time_point from, time_point now) {
        return now > from ? std::chrono::duration_cast<std::chrono::milliseconds>(now - from)
                          : std::chrono::milliseconds{0};
    }
    /// Rounded up, so that "next check in 1s" is shown until the check, never "in 0s" a second early.
    static std::chrono::milliseconds until(time_point now, time_point at) {
        if (at <= now) return std::chrono::milliseconds{0};
        return std::chrono::ceil<std::chrono::seconds>(at - now);
    }

    std::string who() const {
        if (job_id_ != 0) return job_noun(kind_) + " " + std::to_string(job_id_);
        return job_noun(kind_) + " (definition " + std::to_string(definition_id_) + ")";
    }

    void apply(const events::request_sent&, std::vector<std::string>&) {}
    void apply(const events::budget_wait&, std::vector<std::string>&) {}
    void apply(const events::wait_finished&, std::vector<std::string>&) {}

    void apply(const events::answer_received& e, std::vector<std::string>&) {
        if (!e.failure && e.http_status >= 200 && e.http_status < 300) retry_.reset();
    }

    void apply(const events::retry_scheduled& e, std::vector<std::string>& lines) {
        std::string reason(to_string(e.reason));
        if (e.http_status != 0) reason += ", HTTP " + std::to_string(e.http_status);
        retry_ = retry_state{reason, e.next_attempt, e.at + e.delay};
        next_poll_.reset();
        std::string line = cat(who(), " ", to_string(e.role), " failed (", reason, "): retry ",
                               std::to_string(e.next_attempt - 1), " in ",
                               format_elapsed(std::chrono::ceil<std::chrono::seconds>(e.delay)));
        if (!e.message.empty()) line += ": " + printable(e.message);
        lines.push_back(std::move(line));
    }

    void apply(const events::poll_scheduled& e, std::vector<std::string>& lines) {
        retry_.reset();
        if (e.job_id != 0) job_id_ = e.job_id;
        next_poll_ = e.next_poll;
        if (e.confirming_error && !confirming_) {
            lines.push_back(who() + " " + printable(status_) +
                            ": confirming that it is final (trocco may retry it automatically)");
        }
        confirming_ = e.confirming_error;
    }

    void apply(const events::status_changed& e, std::vector<std::string>& lines) {
        retry_.reset();
        job_id_ = e.job_id;
        status_ = std::string(e.to);
        lines.push_back(who() + " " + printable(status_));
    }

    void apply(const events::trigger_outcome& e, std::vector<std::string>& lines) {
        using kind = events::trigger_outcome::kind;
        if (e.job_id != 0) job_id_ = e.job_id;
        switch (e.what) {
            case kind::started: lines.push_back(who() + " started"); break;
            case kind::unknown:
                lines.push_back(who() + ": the run's outcome is unknown (it may have reached trocco)");
                break;
            case kind::adopted:
                lines.push_back(who() + " found among the definition's new jobs: adopted after the unknown outcome");
                break;
            case kind::attached:
                lines.push_back(who() + " re-attached: the idempotency key's record names it (nothing was sent)");
                break;
        }
    }

    job_kind kind_;
    std::int64_t definition_id_;
    std::int64_t job_id_;
    time_point started_;
    std::string status_;
    std::optional<time_point> next_poll_;
    std::optional<retry_state> retry_;
    bool confirming_ = false;
};

/// A permanent line as plain mode prints it: "2026-05-19T09:00:00.123Z job 100001 executing\n".
inline std::string plain_line(std::chrono::system_clock::time_point wall, std::string_view line) {
    return cat(format_rfc3339(std::chrono::floor<std::chrono::milliseconds>(wall)), " ", line, "\n");
}

/// `line` cut to fit in `columns - 1` terminal columns, so that it never wraps (a wrapped line could not be redrawn
/// in place: "\r" goes back to the start of the last row only). Counts a code point of three or four UTF-8 bytes
/// (CJK, most of them) as two columns, others as one; never cuts inside a code point. 0 columns: unknown, unchanged.
inline std::string fit_to_width(std::string_view line, std::size_t columns) {
    if (columns == 0) return std::string(line);
    const std::size_t room = columns > 1 ? columns - 1 : 1;
    std::size_t used = 0;
    std::size_t i = 0;
    while (i < line.size()) {
        const auto b = static_cast<unsigned char>(line[i]);
        const std::size_t length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        const std::size_t width = length >= 3 ? 2 : 1;
        if (used + width > room) break;
        used += width;
        i += std::min(length, line.size() - i);
    }
    return std::string(line.substr(0, i));
}

/// The bytes that put `line` on the terminal as the live line: back to column 0, the line, erase the rest.
inline std::string live_redraw(std::string_view line) { return cat("\r", line, "\x1b[K"); }

/// The bytes that print a permanent line above the live line: erase the live line, the line, then the live line
/// again below it.
inline std::string live_permanent(std::string_view permanent, std::string_view live) {
    return cat("\r\x1b[K", permanent, "\n", live_redraw(live));
}

/// Erases the live line (when the wait ends).
inline constexpr std::string_view live_clear = "\r\x1b[K";

}  // namespace trocco::cli
