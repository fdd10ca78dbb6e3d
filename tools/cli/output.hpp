// tools/cli/output.hpp - what `trocco` prints once a command is done: the JSON form of a job (any kind), the
// summary line, list lines, the error report and the exit code that goes with them. One code path for every job
// kind (trocco::any_job, job_kind_info). Pure functions returning strings, so that every format is unit-tested.
// The progress shown while a wait runs is progress.hpp's.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include <trocco/definitions.hpp>
#include <trocco/error.hpp>
#include <trocco/job.hpp>
#include <trocco/job_kind.hpp>
#include <trocco/job_status.hpp>
#include <trocco/timestamp.hpp>

#include "command_line.hpp"
#include "exit_codes.hpp"
#include "text.hpp"

namespace trocco::cli {

/// What a command ended with: the job it read last (a failed wait still carries the last job seen, from
/// error::last_job(), so that --json can print it), the items of a list, notes for stderr, and the error.
struct command_outcome {
    std::optional<any_job> job = std::nullopt;
    std::vector<trocco::job> jobs = {};                     // job list
    std::vector<definition_summary> definitions = {};       // definitions list
    std::vector<std::string> notes = {};                    // e.g. "re-attached to job 7 (idempotency key)"
    std::optional<trocco::error> failure = std::nullopt;
};

/// What to print when the command is done, and the exit code.
struct final_report {
    std::string out;  // for stdout
    std::string err;  // for stderr
    int exit_code = exit_ok;
};

// ---- one job, whatever its kind ---------------------------------------------------------------------------------

/// The kind of a job.
inline job_kind kind_of(const any_job& j) noexcept {
    return std::visit([](const auto& one) { return job_traits<std::decay_t<decltype(one)>>::kind; }, j);
}

inline std::int64_t id_of(const any_job& j) noexcept {
    return std::visit([](const auto& one) { return one.id; }, j);
}

/// The status as trocco sent it (an unknown one included); "unknown" when the answer carried none.
inline std::string status_of(const any_job& j) {
    return std::visit([](const auto& one) { return one.raw_status.empty() ? std::string(to_string(one.status))
                                                                          : one.raw_status; },
                      j);
}

/// How lines name a job of `kind`: "job" (a transfer job: the tool's main noun), "workflow job", "datamart job".
inline std::string job_noun(job_kind kind) {
    return kind == job_kind::transfer ? std::string("job") : std::string(info(kind).cli_noun) + " job";
}

namespace detail {

inline nlohmann::ordered_json json_time(const std::optional<timestamp>& t) {
    if (!t) return nullptr;
    return format_rfc3339(*t);
}

inline nlohmann::ordered_json json_text_or_null(const std::string& text) {
    if (text.empty()) return nullptr;
    return text;
}

inline nlohmann::ordered_json json_optional(const std::optional<std::string>& text) {
    if (!text) return nullptr;
    return *text;
}

/// One line of JSON; invalid UTF-8 from the server is replaced (U+FFFD) instead of throwing.
inline std::string dump_line(const nlohmann::ordered_json& j) {
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

inline std::int64_t definition_of(const trocco::job& j) noexcept { return j.job_definition_id; }
inline std::int64_t definition_of(const workflow_job& j) noexcept { return j.workflow_definition_id; }
inline std::int64_t definition_of(const datamart_job& j) noexcept { return j.datamart_definition_id; }
inline const std::string* name_of(const trocco::job& j) noexcept { return &j.job_definition_name; }
inline const std::string* name_of(const workflow_job& j) noexcept { return &j.name; }
inline const std::string* name_of(const datamart_job&) noexcept { return nullptr; }

}  // namespace detail

/// A job with the API's field names, in this order: id, the definition id (job_definition_id,
/// pipeline_definition_id or datamart_definition_id), the definition's name when the kind has one
/// (job_definition_name, name), status, created_at, started_at and finished_at (transfer and workflow jobs),
/// context_time (workflow and datamart jobs, kept as trocco sent it). Times are RFC 3339 in UTC with
/// milliseconds; absent values are null; the status is the string trocco sent.
inline nlohmann::ordered_json to_json(const any_job& any) {
    return std::visit(
        [](const auto& j) {
            using model = std::decay_t<decltype(j)>;
            const job_kind_info& k = info(job_traits<model>::kind);
            nlohmann::ordered_json o;
            o["id"] = j.id;
            o[std::string(k.wire_definition_field)] = detail::definition_of(j);
            if (const std::string* name = detail::name_of(j)) o[std::string(k.wire_name_field)] = detail::json_text_or_null(*name);
            if (j.raw_status.empty() && j.status == job_status::unknown) {
                o["status"] = nullptr;  // a datamart answer without a status
            } else {
                o["status"] = j.raw_status.empty() ? std::string(to_string(j.status)) : j.raw_status;
            }
            o["created_at"] = detail::json_time(j.created_at);
            if constexpr (!std::is_same_v<model, datamart_job>) {
                o["started_at"] = detail::json_time(j.started_at);
                o["finished_at"] = detail::json_time(j.finished_at);
            }
            if constexpr (!std::is_same_v<model, trocco::job>) o["context_time"] = detail::json_optional(j.context_time);
            return o;
        },
        any);
}

inline std::string json_line(const any_job& j) { return detail::dump_line(to_json(j)); }

namespace detail {

inline std::string times_text(const std::optional<timestamp>& created, const std::optional<timestamp>& started,
                              const std::optional<timestamp>& finished) {
    std::string text;
    if (created) text += ", created " + format_rfc3339(*created);
    if (started) text += ", started " + format_rfc3339(*started);
    if (finished) text += ", finished " + format_rfc3339(*finished);
    if (started && finished && *finished >= *started) text += " (ran " + format_elapsed(*finished - *started) + ")";
    return text;
}

}  // namespace detail

/// The final summary for stdout: "job 100001 succeeded: definition 42 (nightly load), created ..., started ...,
/// finished ... (ran 12s)"; workflow and datamart jobs alike, with their context time when trocco sent one.
inline std::string summary_line(const any_job& any) {
    return std::visit(
        [&any](const auto& j) {
            using model = std::decay_t<decltype(j)>;
            std::string text = job_noun(kind_of(any)) + " " + std::to_string(j.id) + " " + printable(status_of(any)) +
                               ": definition " + std::to_string(detail::definition_of(j));
            if (const std::string* name = detail::name_of(j); name && !name->empty()) text += " (" + printable(*name) + ")";
            if constexpr (!std::is_same_v<model, trocco::job>) {
                if (j.context_time) text += ", context time " + printable(*j.context_time);
            }
            if constexpr (std::is_same_v<model, datamart_job>) {
                text += detail::times_text(j.created_at, std::nullopt, std::nullopt);
            } else {
                text += detail::times_text(j.created_at, j.started_at, j.finished_at);
            }
            return text + "\n";
        },
        any);
}

// ---- lists ------------------------------------------------------------------------------------------------------

/// One job of `trocco job list`: "100001  succeeded  created 2026-05-19T00:00:00.000Z  ran 12m03s" (columns
/// separated by two spaces; the run time when trocco sent both ends).
inline std::string list_line(const trocco::job& j) {
    std::string text = std::to_string(j.id) + "  " + printable(status_of(any_job{j}));
    if (j.created_at) text += "  created " + format_rfc3339(*j.created_at);
    if (j.started_at && j.finished_at && *j.finished_at >= *j.started_at) {
        text += "  ran " + format_elapsed(*j.finished_at - *j.started_at);
    }
    return text + "\n";
}

/// One definition of `trocco definitions list`: "42  nightly load  [label, label]  description".
inline std::string list_line(const definition_summary& d) {
    std::string text = std::to_string(d.id) + "  " + printable(d.name);
    if (!d.labels.empty()) {
        text += "  [";
        for (std::size_t i = 0; i < d.labels.size(); ++i) text += (i ? ", " : "") + printable(d.labels[i]);
        text += "]";
    }
    if (!d.description.empty()) text += "  " + printable(d.description);
    return text + "\n";
}

inline nlohmann::ordered_json to_json(const definition_summary& d) {
    nlohmann::ordered_json o;
    o["id"] = d.id;
    o["name"] = d.name;
    o["description"] = detail::json_text_or_null(d.description);
    o["created_at"] = detail::json_time(d.created_at);
    o["updated_at"] = detail::json_time(d.updated_at);
    o["labels"] = d.labels;
    return o;
}

/// The items as one JSON array on one line.
template <class Item>
std::string json_array(const std::vector<Item>& items) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const auto& item : items) {
        if constexpr (std::is_same_v<Item, trocco::job>) {
            a.push_back(to_json(any_job{item}));
        } else {
            a.push_back(to_json(item));
        }
    }
    return detail::dump_line(a);
}

// ---- errors -----------------------------------------------------------------------------------------------------

/// "job_failed: transfer job 7 ended in error": the error's code, HTTP status and message, naming the job only
/// when the message does not already (error::to_string() would append "[job 7]" to a message that says it).
inline std::string error_line(const trocco::error& e) {
    std::string text(to_string(e.kind()));
    if (e.http_status() != 0) text += " (HTTP " + std::to_string(e.http_status()) + ")";
    text += ": " + e.message();
    if (const auto id = e.job_id()) {
        if (e.message().find(std::to_string(*id)) == std::string::npos) text += " [job " + std::to_string(*id) + "]";
    } else if (const auto definition = e.definition_id()) {
        if (e.message().find(std::to_string(*definition)) == std::string::npos) {
            text += " [definition " + std::to_string(*definition) + "]";
        }
    }
    return printable(text);
}

/// The stderr text for a failed command: the error, then what to do about it. A job that may still be running
/// is named once, with the command that waits for it again. `signal_name` is "SIGINT" or "SIGTERM" when a signal
/// stopped the command.
inline std::string error_text(const command_line& cmd, const trocco::error& e, std::string_view signal_name = {}) {
    const job_kind kind = cmd.kind();
    const std::string noun = job_noun(kind);
    const std::string wait_again = kind == job_kind::datamart ? std::string{}
                                                              : std::string("; wait again with: trocco ") +
                                                                    std::string(info(kind).cli_noun) + " wait ";
    std::string text = "trocco: error: " + error_line(e) + "\n";
    const auto id = e.job_id();
    const auto still_running = [&](std::string_view lead) {
        text += "trocco: " + std::string(lead) + noun + " " + std::to_string(*id) + " may still be running on trocco" +
                (wait_again.empty() ? std::string{} : wait_again + std::to_string(*id)) + "\n";
    };
    switch (e.kind()) {
        case errc::wait_timeout:
            if (id) still_running("");
            break;
        case errc::canceled: {
            const std::string how = signal_name.empty() ? "stopped" : "interrupted by " + std::string(signal_name);
            if (id) {
                text += "trocco: " + how + "; " + noun + " " + std::to_string(*id) + " keeps running on trocco" +
                        (wait_again.empty() ? std::string{} : wait_again + std::to_string(*id)) + "\n";
            } else if (cmd.what() == verb::run) {
                text += e.may_have_reached_server()
                            ? "trocco: " + how + "; the " + noun + " may have started (the run may have reached "
                              "trocco): look for it on trocco before running it again\n"
                            : "trocco: " + how + "; the " + noun + " was not started (nothing was sent): it is safe "
                              "to run it again\n";
            } else {
                text += "trocco: " + how + "\n";
            }
            break;
        }
        case errc::outcome_unknown: {
            text += "trocco: do not blindly rerun: the request to start " + std::string(info(kind).definition_name) +
                    " " + std::to_string(e.definition_id().value_or(cmd.id));
            if (const auto sent = e.trigger_time()) {
                text += " (sent at " + format_rfc3339(std::chrono::floor<std::chrono::milliseconds>(*sent)) + ")";
            }
            text += " may or may not have started a job";
            const auto& candidates = e.candidate_job_ids();
            if (!candidates.empty()) {
                text += "; jobs created since then:";
                for (const auto c : candidates) text += " " + std::to_string(c);
            }
            text += "; look for it on trocco before running it again\n";
            break;
        }
        case errc::unauthorized:
            text += "trocco: check the API key (TROCCO_API_KEY or --api-key-file) and that trocco allows this "
                    "machine's IP address\n";
            break;
        case errc::store_failure:
            text += "trocco: nothing was sent; fix or remove the record in the state directory (--state-dir), or "
                    "use another --idempotency-key\n";
            break;
        case errc::connect_failed:
        case errc::transport_failure:
        case errc::server_error:
        case errc::rate_limited:
        case errc::protocol_error:
            if (id && cmd.waits()) still_running("");
            break;
        default: break;
    }
    return text;
}

/// Everything printed once the command is done, and the exit code:
///   --json: the job (or the last one seen, for a failed wait) as one JSON object, or a list as one JSON array,
///   on stdout, nothing else there; otherwise: for `run` without --wait, the job id alone on stdout (datamart: the
///   summary line, as nothing else shows the job); for lists one line per item; else a summary line of the job;
///   notes and, on failure, error_text() on stderr. `stop_signal`: the signal that stopped the command, or 0.
inline final_report make_final_report(const command_line& cmd, const command_outcome& outcome, int stop_signal = 0) {
    final_report report;
    if (cmd.what() == verb::list) {
        if (cmd.command == command_id::job_list) {
            if (cmd.json) {
                if (!outcome.failure) report.out = json_array(outcome.jobs);
            } else {
                for (const auto& j : outcome.jobs) report.out += list_line(j);
            }
        } else if (cmd.json) {
            if (!outcome.failure) report.out = json_array(outcome.definitions);
        } else {
            for (const auto& d : outcome.definitions) report.out += list_line(d);
        }
    } else if (outcome.job) {
        if (cmd.json) {
            report.out = json_line(*outcome.job);
        } else if (cmd.what() == verb::run && !cmd.wait && cmd.kind() != job_kind::datamart) {
            report.out = std::to_string(id_of(*outcome.job)) + "\n";
        } else {
            report.out = summary_line(*outcome.job);
        }
    }
    for (const auto& note : outcome.notes) report.err += "trocco: " + printable(note) + "\n";
    if (outcome.failure) {
        const std::string_view signal_name = stop_signal == 15 ? "SIGTERM" : stop_signal != 0 ? "SIGINT" : "";
        report.err += error_text(cmd, *outcome.failure, signal_name);
        report.exit_code = exit_code_for(*outcome.failure);
        if (outcome.failure->kind() == errc::canceled && stop_signal != 0) {
            report.exit_code = exit_code_for_signal(stop_signal);
        }
    }
    return report;
}

}  // namespace trocco::cli
