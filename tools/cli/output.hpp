// tools/cli/output.hpp - what `trocco` prints: the JSON form of a job, the progress lines, the final summary and
// the error report, and the exit code that goes with them. Pure functions returning strings, so that every
// format is unit-tested; progress_printer is the thin part that writes them out while a wait runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <trocco/error.hpp>
#include <trocco/job.hpp>
#include <trocco/job_status.hpp>
#include <trocco/timestamp.hpp>

#include "arguments.hpp"
#include "exit_codes.hpp"

namespace trocco::cli {

/// What a command ended with: the job (or workflow job) it read last, and the error if it failed. A failed wait
/// still carries the last job seen (from error::last_job()), so that --json can print it.
struct command_outcome {
    std::optional<trocco::job> job = std::nullopt;
    std::optional<trocco::workflow_job> workflow_job = std::nullopt;
    std::optional<trocco::error> failure = std::nullopt;
};

/// What to print when the command is done, and the exit code.
struct final_report {
    std::string out;  // for stdout
    std::string err;  // for stderr
    int exit_code = exit_ok;
};

// ---- JSON -------------------------------------------------------------------------------------------------------

namespace detail {

inline nlohmann::ordered_json json_time(const std::optional<timestamp>& t) {
    if (!t) return nullptr;
    return format_rfc3339(*t);
}

inline nlohmann::ordered_json json_text_or_null(const std::string& text) {
    if (text.empty()) return nullptr;
    return text;
}

inline std::string status_text(job_status status, const std::string& raw) {
    return raw.empty() ? std::string(to_string(status)) : raw;
}

/// One line of JSON; invalid UTF-8 from the server is replaced (U+FFFD) instead of throwing.
inline std::string dump_line(const nlohmann::ordered_json& j) {
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace detail

/// A transfer job with the API's field names: id, job_definition_id, job_definition_name, status, created_at,
/// started_at, finished_at. Times are RFC 3339 in UTC with milliseconds; absent values are null; the status is
/// the string trocco sent (an unknown one included).
inline nlohmann::ordered_json to_json(const trocco::job& j) {
    nlohmann::ordered_json o;
    o["id"] = j.id;
    o["job_definition_id"] = j.job_definition_id;
    o["job_definition_name"] = detail::json_text_or_null(j.job_definition_name);
    o["status"] = detail::status_text(j.status, j.raw_status);
    o["created_at"] = detail::json_time(j.created_at);
    o["started_at"] = detail::json_time(j.started_at);
    o["finished_at"] = detail::json_time(j.finished_at);
    return o;
}

/// A workflow job with the API's field names: id, pipeline_definition_id, name, status, created_at, started_at,
/// finished_at, context_time (kept as trocco sent it).
inline nlohmann::ordered_json to_json(const trocco::workflow_job& j) {
    nlohmann::ordered_json o;
    o["id"] = j.id;
    o["pipeline_definition_id"] = j.workflow_definition_id;
    o["name"] = detail::json_text_or_null(j.name);
    o["status"] = detail::status_text(j.status, j.raw_status);
    o["created_at"] = detail::json_time(j.created_at);
    o["started_at"] = detail::json_time(j.started_at);
    o["finished_at"] = detail::json_time(j.finished_at);
    if (j.context_time) {
        o["context_time"] = *j.context_time;
    } else {
        o["context_time"] = nullptr;
    }
    return o;
}

inline std::string json_line(const trocco::job& j) { return detail::dump_line(to_json(j)); }
inline std::string json_line(const trocco::workflow_job& j) { return detail::dump_line(to_json(j)); }

// ---- human-readable lines ---------------------------------------------------------------------------------------

/// `text` safe for a terminal: control characters (an escape sequence from a server's message) become '?',
/// invalid UTF-8 bytes too; valid UTF-8 (Japanese) is kept.
inline std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b = static_cast<unsigned char>(text[i]);
        if (b < 0x20 || b == 0x7F) {
            out += '?';
            ++i;
            continue;
        }
        if (b < 0x80) {
            out += static_cast<char>(b);
            ++i;
            continue;
        }
        std::size_t length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        if (length > 1 && i + length <= text.size() && trocco::detail::is_valid_utf8(text.substr(i, length))) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out += '?';
            ++i;
        }
    }
    return out;
}

/// "job" or "pipeline job", as the lines name the two kinds.
constexpr std::string_view kind_name(resource what) noexcept {
    return what == resource::job ? "job" : "pipeline job";
}

/// A progress line for stderr: "2026-05-19T09:00:00.123Z job 100001 executing".
inline std::string status_line(timestamp now, resource what, std::int64_t id, std::string_view status) {
    return format_rfc3339(now) + " " + std::string(kind_name(what)) + " " + std::to_string(id) + " " +
           printable(status) + "\n";
}

inline std::string status_line(timestamp now, const trocco::job& j) {
    return status_line(now, resource::job, j.id, detail::status_text(j.status, j.raw_status));
}

inline std::string status_line(timestamp now, const trocco::workflow_job& j) {
    return status_line(now, resource::pipeline, j.id, detail::status_text(j.status, j.raw_status));
}

namespace detail {

inline std::string times_text(const std::optional<timestamp>& created, const std::optional<timestamp>& started,
                              const std::optional<timestamp>& finished) {
    std::string text;
    if (created) text += ", created " + format_rfc3339(*created);
    if (started) text += ", started " + format_rfc3339(*started);
    if (finished) text += ", finished " + format_rfc3339(*finished);
    if (started && finished && *finished >= *started) {
        const auto ms = (*finished - *started).count();
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, " (ran %lld.%03lld s)", static_cast<long long>(ms / 1000),
                      static_cast<long long>(ms % 1000));
        text += buffer;
    }
    return text;
}

}  // namespace detail

/// The final summary for stdout: "job 100001 succeeded: definition 42 (nightly load), created ..., started ...,
/// finished ... (ran 12.345 s)".
inline std::string summary_line(const trocco::job& j) {
    std::string text = "job " + std::to_string(j.id) + " " + printable(detail::status_text(j.status, j.raw_status)) +
                       ": definition " + std::to_string(j.job_definition_id);
    if (!j.job_definition_name.empty()) text += " (" + printable(j.job_definition_name) + ")";
    return text + detail::times_text(j.created_at, j.started_at, j.finished_at) + "\n";
}

inline std::string summary_line(const trocco::workflow_job& j) {
    std::string text = "pipeline job " + std::to_string(j.id) + " " +
                       printable(detail::status_text(j.status, j.raw_status)) + ": definition " +
                       std::to_string(j.workflow_definition_id);
    if (!j.name.empty()) text += " (" + printable(j.name) + ")";
    if (j.context_time) text += ", context time " + printable(*j.context_time);
    return text + detail::times_text(j.created_at, j.started_at, j.finished_at) + "\n";
}

// ---- errors -----------------------------------------------------------------------------------------------------

/// The stderr text for a failed command: the error (with the server's message) and what to do about it. The id
/// of a job that may still be running is always named.
inline std::string error_text(const command_line& cmd, const trocco::error& e) {
    const std::string group = cmd.what == resource::job ? "job" : "pipeline";
    const std::string kind(kind_name(cmd.what));
    std::string text = "trocco: error: " + printable(e.to_string()) + "\n";
    const auto id = e.job_id();
    switch (e.kind()) {
        case errc::wait_timeout:
            if (id) {
                text += "trocco: " + kind + " " + std::to_string(*id) +
                        " may still be running on trocco; wait again with: trocco " + group + " wait " +
                        std::to_string(*id) + "\n";
            }
            break;
        case errc::canceled:
            if (id) {
                text += "trocco: interrupted; " + kind + " " + std::to_string(*id) +
                        " keeps running on trocco; wait again with: trocco " + group + " wait " +
                        std::to_string(*id) + "\n";
            } else {
                text += "trocco: interrupted\n";
            }
            break;
        case errc::outcome_unknown: {
            text += "trocco: do not blindly rerun: the request to start " + group + " definition " +
                    std::to_string(e.definition_id().value_or(cmd.id));
            if (const auto sent = e.trigger_time()) {
                text += " (sent at " + format_rfc3339(std::chrono::floor<std::chrono::milliseconds>(*sent)) + ")";
            }
            text += " may or may not have started a job; look for it on trocco before running it again\n";
            break;
        }
        case errc::unauthorized:
            text += "trocco: check the API key (TROCCO_API_KEY or --api-key-file) and that trocco allows this "
                    "machine's IP address\n";
            break;
        case errc::connect_failed:
        case errc::transport_failure:
        case errc::server_error:
        case errc::rate_limited:
        case errc::protocol_error:
            if (id && cmd.waits()) {
                text += "trocco: " + kind + " " + std::to_string(*id) +
                        " may still be running on trocco; wait again with: trocco " + group + " wait " +
                        std::to_string(*id) + "\n";
            }
            break;
        default: break;
    }
    return text;
}

/// Everything printed once the command is done, and the exit code:
///   --json: the job (or the last one seen, for a failed wait) as one JSON object on stdout, nothing else there;
///   otherwise: for `run` without --wait, the job id alone on stdout; else a summary line of the job;
///   on failure, error_text() on stderr.
inline final_report make_final_report(const command_line& cmd, const command_outcome& outcome) {
    final_report report;
    if (cmd.json) {
        if (outcome.job) {
            report.out = json_line(*outcome.job);
        } else if (outcome.workflow_job) {
            report.out = json_line(*outcome.workflow_job);
        }
    } else if (cmd.verb == action::run && !cmd.wait) {
        if (outcome.job) report.out = std::to_string(outcome.job->id) + "\n";
        if (outcome.workflow_job) report.out = std::to_string(outcome.workflow_job->id) + "\n";
    } else {
        if (outcome.job) report.out = summary_line(*outcome.job);
        if (outcome.workflow_job) report.out = summary_line(*outcome.workflow_job);
    }
    if (outcome.failure) {
        report.err = error_text(cmd, *outcome.failure);
        report.exit_code = exit_code_for(*outcome.failure);
    }
    return report;
}

/// Writes the progress of a running command: the job id on stdout as soon as the trigger answered (not with
/// --json, where stdout is reserved for the final JSON), a line per status change on stderr (not with --quiet).
/// Called from the transport's thread while the main thread waits; each call writes and flushes whole lines.
class progress_printer {
public:
    progress_printer(const command_line& cmd, std::FILE* out, std::FILE* err)
        : json_(cmd.json), quiet_(cmd.quiet), out_(out), err_(err) {}

    void triggered(std::int64_t id) {
        if (json_) return;
        write(out_, std::to_string(id) + "\n");
    }

    template <class Job>
    void status_changed(const Job& j) {
        if (quiet_) return;
        const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
        write(err_, status_line(now, j));
    }

private:
    void write(std::FILE* stream, const std::string& text) {
        std::lock_guard lock(mutex_);
        std::fwrite(text.data(), 1, text.size(), stream);
        std::fflush(stream);
    }

    bool json_;
    bool quiet_;
    std::FILE* out_;
    std::FILE* err_;
    std::mutex mutex_;
};

}  // namespace trocco::cli
