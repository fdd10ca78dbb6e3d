// tools/cli/option_table.hpp - every option of `trocco`, in one table that drives both the parser (which commands
// take it, whether it takes a value, how the value is checked and stored) and the help (its placeholder and text).
// An option may have several rows for different commands when its text differs (--time-zone, --limit).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <trocco/context_time.hpp>

#include "command_line.hpp"
#include "values.hpp"

namespace trocco::cli {

/// Checks `value` and stores it in the command line; returns a message (to follow the option's name) when the
/// value is refused. Flags get an empty value.
using apply_function = std::optional<std::string> (*)(command_line&, std::string_view value);

struct option_spec {
    std::string_view name;        // "--wait-timeout"
    std::string_view short_name;  // "-q", or empty
    std::string_view value;       // the placeholder of its value, "DURATION"; empty for a flag
    command_set where;            // the commands that take it
    bool global;                  // a global option: accepted by every command, listed by `trocco --help`
    std::string_view help;        // lines separated by '\n', printed from the help column
    apply_function apply;         // nullptr: handled by the parser itself (--help, --version)
};

namespace detail {

constexpr command_set runs = one(command_id::job_run) | one(command_id::workflow_run) | one(command_id::datamart_run);
constexpr command_set waiting_runs = one(command_id::job_run) | one(command_id::workflow_run);
constexpr command_set waits =
    waiting_runs | one(command_id::job_wait) | one(command_id::workflow_wait);
constexpr command_set lists = one(command_id::job_list) | one(command_id::definitions_list);

inline std::optional<std::string> store_duration(std::optional<std::chrono::milliseconds>& field, std::string_view v) {
    field = parse_duration(v);
    if (field) return std::nullopt;
    return "wants a duration greater than 0: 90 (seconds), 90s, 15m, 2h, 1h30m, 0.5 or 250ms (got '" +
           std::string(v) + "')";
}

inline std::optional<std::string> store_text(std::optional<std::string>& field, std::string_view v,
                                             std::string_view what) {
    if (!is_plain_text(v)) return "wants " + std::string(what) + " (non-empty, UTF-8, no control characters)";
    field = std::string(v);
    return std::nullopt;
}

inline std::optional<std::string> store_civil_time(std::optional<std::string>& field, std::string_view v) {
    if (!is_valid_context_time(v)) {
        return "wants \"YYYY-MM-DD HH:MM:SS\", a real calendar time such as \"2026-05-19 00:00:00\" (got '" +
               std::string(v) + "')";
    }
    field = std::string(v);
    return std::nullopt;
}

inline std::optional<std::string> store_path(std::optional<std::string>& field, std::string_view v) {
    if (v.empty()) return "must not be empty";
    field = std::string(v);
    return std::nullopt;
}

inline std::optional<std::string> store_variable(command_line& c, std::string_view v) {
    auto variable = parse_variable(v);
    if (!variable) return "wants NAME=VALUE with a non-empty NAME, e.g. --var '$ad_id$=A0000'";
    if (!trocco::detail::is_valid_utf8(variable->name) || !trocco::detail::is_valid_utf8(variable->value)) {
        return "wants a NAME and a VALUE in valid UTF-8";
    }
    c.variables.push_back(std::move(*variable));
    return std::nullopt;
}

inline std::optional<std::string> store_progress(command_line& c, std::string_view v) {
    if (v == "auto") {
        c.progress = progress_mode::automatic;
    } else if (v == "tty") {
        c.progress = progress_mode::tty;
    } else if (v == "plain") {
        c.progress = progress_mode::plain;
    } else if (v == "none") {
        c.progress = progress_mode::none;
    } else {
        return "wants auto, tty, plain or none";
    }
    return std::nullopt;
}

inline std::optional<std::string> store_limit(command_line& c, std::string_view v) {
    c.limit = parse_id(v);
    if (c.limit) return std::nullopt;
    return "wants a positive number of items";
}

}  // namespace detail

inline const option_spec option_table[] = {
    // ---- global ----
    {"--base-url", "", "URL", all_commands, true,
     "the API's base URL (default: $TROCCO_BASE_URL, else https://trocco.io;\n"
     "other regions: https://in.trocco.io, https://kr.trocco.io)",
     [](command_line& c, std::string_view v) { return detail::store_path(c.base_url, v); }},
    {"--api-key-file", "", "PATH", all_commands, true, "read the API key from the file PATH (default: $TROCCO_API_KEY)",
     [](command_line& c, std::string_view v) { return detail::store_path(c.api_key_file, v); }},
    {"--json", "", "", all_commands, true, "print the result as JSON on stdout, and nothing else there",
     [](command_line& c, std::string_view) -> std::optional<std::string> { c.json = true; return std::nullopt; }},
    {"--quiet", "-q", "", all_commands, true, "show no progress on stderr (errors are still printed): --progress none",
     [](command_line& c, std::string_view) -> std::optional<std::string> {
         c.progress = progress_mode::none;
         return std::nullopt;
     }},
    {"--progress", "", "MODE", all_commands, true,
     "how a wait shows its progress on stderr: auto (default: a live line when\n"
     "stderr is a terminal, else plain lines), tty, plain, or none",
     detail::store_progress},
    {"--ca-file", "", "PATH", all_commands, true,
     "trust only the CA certificates in PATH (PEM) for HTTPS: the file replaces\n"
     "the system's trust store (both transports), e.g. for a company or test CA",
     [](command_line& c, std::string_view v) { return detail::store_path(c.ca_file, v); }},
    {"--request-timeout", "", "DURATION", all_commands, true,
     "the limit of each HTTP request (default: 60s); failed reads are retried",
     [](command_line& c, std::string_view v) { return detail::store_duration(c.request_timeout, v); }},
    {"--help", "-h", "", all_commands, true, "this help; each command has its own: trocco help job run", nullptr},
    {"--version", "-V", "", all_commands, true, "print the version", nullptr},

    // ---- starting a job ----
    {"--context-time", "", "\"YYYY-MM-DD HH:MM:SS\"", detail::runs, false,
     "the base time of the definition's time variables (trocco's default: the\n"
     "time of the request)",
     [](command_line& c, std::string_view v) { return detail::store_civil_time(c.context_time, v); }},
    {"--time-zone", "", "TZ", detail::runs, false,
     "IANA time zone of --context-time, e.g. Etc/UTC (trocco's default: Asia/Tokyo)",
     [](command_line& c, std::string_view v) { return detail::store_text(c.time_zone, v, "an IANA time zone name"); }},
    {"--var", "", "NAME=VALUE", one(command_id::job_run) | one(command_id::datamart_run), false,
     "a custom variable, repeatable; split at the first '=', so --var '$ad_id$=A0000'\n"
     "and values containing '=' work. NAME is sent as given, with its $ delimiters",
     detail::store_variable},
    {"--memo", "", "TEXT", one(command_id::datamart_run), false, "a note shown with the job on trocco",
     [](command_line& c, std::string_view v) { return detail::store_text(c.memo, v, "a memo"); }},
    {"--wait", "", "", detail::waiting_runs, false, "wait until the job finishes; the exit code tells how it ended",
     [](command_line& c, std::string_view) -> std::optional<std::string> { c.wait = true; return std::nullopt; }},
    {"--reconcile", "", "", one(command_id::job_run), false,
     "with --wait: when the run's outcome is unknown (the connection broke after\n"
     "sending it), look for the job among the definition's jobs created since,\n"
     "and wait on it if exactly one is found (never sends the run again)",
     [](command_line& c, std::string_view) -> std::optional<std::string> { c.reconcile = true; return std::nullopt; }},
    {"--idempotency-key", "", "KEY", detail::waiting_runs, false,
     "with --wait: run at most once per KEY; a rerun with the same KEY (a retried\n"
     "CI step) re-attaches to the job recorded in --state-dir, or looks for it,\n"
     "instead of starting another. Use a new KEY for a new run (e.g. the CI run id)",
     [](command_line& c, std::string_view v) { return detail::store_text(c.idempotency_key, v, "a key"); }},
    {"--state-dir", "", "DIR", detail::waiting_runs | one(command_id::job_wait), false,
     "where --idempotency-key records runs and the poll planner caches run times\n"
     "(default: $XDG_STATE_HOME/trocco, else ~/.local/state/trocco)",
     [](command_line& c, std::string_view v) { return detail::store_path(c.state_dir, v); }},

    // ---- waiting ----
    {"--wait-timeout", "", "DURATION", detail::waits, false,
     "give up waiting after DURATION: 90 (seconds), 90s, 15m, 2h (default: 24h);\n"
     "the job keeps running on trocco, exit code 7",
     [](command_line& c, std::string_view v) { return detail::store_duration(c.wait_timeout, v); }},
    {"--poll-interval", "", "DURATION", detail::waits, false,
     "look at the job every DURATION (e.g. 30s). Default: for transfer jobs, polls\n"
     "planned from the definition's recent successful runs (cached for a day in\n"
     "--state-dir); else 5 s, growing with the square root of the run time up\n"
     "to 2 minutes, +/-10 % jitter (kind to trocco's per-account rate limit)",
     [](command_line& c, std::string_view v) { return detail::store_duration(c.poll_interval, v); }},

    // ---- lists ----
    {"--since", "", "\"YYYY-MM-DD HH:MM:SS\"", one(command_id::job_list), false,
     "only jobs created at or after this time (read in --time-zone)",
     [](command_line& c, std::string_view v) { return detail::store_civil_time(c.since, v); }},
    {"--until", "", "\"YYYY-MM-DD HH:MM:SS\"", one(command_id::job_list), false,
     "only jobs created at or before this time",
     [](command_line& c, std::string_view v) { return detail::store_civil_time(c.until, v); }},
    {"--time-zone", "", "TZ", one(command_id::job_list), false,
     "IANA time zone of --since and --until (trocco's default: Asia/Tokyo)",
     [](command_line& c, std::string_view v) { return detail::store_text(c.time_zone, v, "an IANA time zone name"); }},
    {"--name", "", "TEXT", one(command_id::definitions_list), false,
     "only definitions whose name contains TEXT (not for workflow definitions)",
     [](command_line& c, std::string_view v) { return detail::store_text(c.name, v, "a part of a name"); }},
    {"--limit", "", "N", one(command_id::job_list), false,
     "print at most N jobs (default: all); pages are read only as needed", detail::store_limit},
    {"--limit", "", "N", one(command_id::definitions_list), false,
     "print at most N definitions (default: all)", detail::store_limit},
};

/// The first row named `name` (long or short form) that applies to `command`; with no command, the first row
/// of that name. nullptr when there is none.
inline const option_spec* find_option(std::string_view name, std::optional<command_id> command = std::nullopt) noexcept {
    for (const auto& o : option_table) {
        if (o.name != name && (o.short_name.empty() || o.short_name != name)) continue;
        if (!command || contains(o.where, *command)) return &o;
    }
    return nullptr;
}

}  // namespace trocco::cli
