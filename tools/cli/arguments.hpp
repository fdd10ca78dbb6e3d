// tools/cli/arguments.hpp - the command line of `trocco`: parsing it into a command_line value, the help texts,
// and finding the API key and base URL. Pure apart from read_api_key_file(): no globals, no environment access
// (the caller passes the environment's values in), so every rule here is unit-tested.
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <trocco/context_time.hpp>
#include <trocco/detail/text.hpp>
#include <trocco/requests.hpp>

#include "exit_codes.hpp"

namespace trocco::cli {

/// What a command acts on: transfer jobs (`trocco job ...`) or workflow jobs (`trocco pipeline ...`).
enum class resource { job, pipeline };
/// The command: start one (`run`), read one once (`get`), wait for one to finish (`wait`).
enum class action { run, get, wait };

/// A parsed, checked command line. Everything the program needs except the API key and the environment.
struct command_line {
    resource what = resource::job;
    action verb = action::get;
    /// run: the definition id; get and wait: the job id. Always > 0.
    std::int64_t id = 0;

    // run only
    std::optional<std::string> context_time = std::nullopt;  // checked: "YYYY-MM-DD HH:MM:SS"
    std::optional<std::string> time_zone = std::nullopt;
    std::vector<custom_variable> variables = {};  // job run only, in the order given
    bool wait = false;

    // run --wait, and wait
    std::optional<std::chrono::milliseconds> wait_timeout = std::nullopt;
    std::optional<std::chrono::milliseconds> poll_interval = std::nullopt;

    // global
    std::optional<std::string> base_url = std::nullopt;
    std::optional<std::string> api_key_file = std::nullopt;
    std::optional<std::string> ca_file = std::nullopt;
    std::optional<std::chrono::milliseconds> request_timeout = std::nullopt;
    bool json = false;
    bool quiet = false;

    /// True when the command waits for the job to finish (`wait`, or `run --wait`).
    bool waits() const noexcept { return verb == action::wait || (verb == action::run && wait); }

    friend bool operator==(const command_line&, const command_line&) = default;
};

/// `--help` was given: print `text` on stdout, exit 0.
struct help_request {
    std::string text;
};
/// `--version` was given.
struct version_request {};
/// The command line is wrong: print `message` (and a pointer to `help_command`) on stderr, exit 2.
struct usage_error {
    std::string message;
    std::string help_command = "trocco --help";  // the --help that explains the command concerned
};

using parse_outcome = std::variant<command_line, help_request, version_request, usage_error>;

inline constexpr std::string_view default_base_url = "https://trocco.io";
inline constexpr std::string_view api_key_variable = "TROCCO_API_KEY";
inline constexpr std::string_view base_url_variable = "TROCCO_BASE_URL";

// ---- help texts -------------------------------------------------------------------------------------------------

namespace detail {

inline constexpr std::string_view global_options_help =
    "Global options (accepted before or after the command):\n"
    "  --base-url URL             the API's base URL (default: $TROCCO_BASE_URL, else https://trocco.io;\n"
    "                             other regions: https://in.trocco.io, https://kr.trocco.io)\n"
    "  --api-key-file PATH        read the API key from the file PATH (default: $TROCCO_API_KEY)\n"
    "  --json                     print the final job as one JSON object on stdout, and nothing else there\n"
    "  --quiet                    no progress lines on stderr (errors are still printed)\n"
    "  --ca-file PATH             trust the CA certificates in PATH (PEM) for HTTPS, instead of the system's\n"
    "  --request-timeout SECONDS  the limit for each HTTP request (default: 60); failed reads are retried\n"
    "  --help                     this help; every command has its own: trocco job run --help\n"
    "  --version                  print the version\n";

inline constexpr std::string_view api_key_help =
    "The API key is read from the environment variable TROCCO_API_KEY, or from the file named by\n"
    "--api-key-file (one trailing newline or other trailing whitespace is ignored). It is never taken as an\n"
    "argument: arguments are visible to every user of the machine (ps).\n";

inline constexpr std::string_view output_help =
    "Output: the job id on stdout as soon as trocco accepted the run, one line per status change on stderr\n"
    "(time, job id, status), and a one-line summary on stdout at the end. With --json, stdout carries only the\n"
    "final job as one JSON object with the API's field names (also when the job failed or the wait timed out).\n"
    "Errors go to stderr, with the server's message.\n";

inline constexpr std::string_view wait_options_help =
    "  --wait-timeout SECONDS     give up waiting after this long (default: 86400, 24 hours); the job keeps\n"
    "                             running on trocco, exit code 7\n"
    "  --poll-interval SECONDS    look at the job every SECONDS (fractions allowed, e.g. 0.5); default: 5 s,\n"
    "                             growing x1.5 up to 30 s, with jitter (kind to the rate limit of 3,500\n"
    "                             calls per 10 minutes per account)\n";

inline std::string main_help() {
    std::string text =
        "usage: trocco [global options] <command> <id> [options]\n"
        "\n"
        "Start, wait for and inspect trocco transfer jobs and workflows from shells, cron and CI.\n"
        "\n"
        "Commands:\n"
        "  job run <job_definition_id>            start a transfer job (with --wait: and wait for it)\n"
        "  job get <job_id>                       show a transfer job\n"
        "  job wait <job_id>                      wait until a transfer job finishes\n"
        "  pipeline run <pipeline_definition_id>  start a workflow (with --wait: and wait for it)\n"
        "  pipeline get <pipeline_job_id>         show a workflow job\n"
        "  pipeline wait <pipeline_job_id>        wait until a workflow job finishes\n"
        "\n";
    text += global_options_help;
    text += "\n";
    text += api_key_help;
    text += "\n";
    text += output_help;
    text += "\n";
    text += exit_code_help;
    text +=
        "\n"
        "Example:\n"
        "  TROCCO_API_KEY=... trocco job run 42 --wait --var '$target_date$=2026-05-19'\n";
    return text;
}

inline std::string group_help(resource what) {
    const bool job = what == resource::job;
    std::string text = job ? "usage: trocco job <run|get|wait> <id> [options]\n\n"
                             "Transfer jobs.\n\n"
                             "Commands:\n"
                             "  run <job_definition_id>    start a transfer job (with --wait: and wait for it)\n"
                             "  get <job_id>               show a transfer job\n"
                             "  wait <job_id>              wait until a transfer job finishes\n"
                           : "usage: trocco pipeline <run|get|wait> <id> [options]\n\n"
                             "Workflows (pipeline definitions) and their jobs.\n\n"
                             "Commands:\n"
                             "  run <pipeline_definition_id>  start a workflow (with --wait: and wait for it)\n"
                             "  get <pipeline_job_id>         show a workflow job\n"
                             "  wait <pipeline_job_id>        wait until a workflow job finishes\n";
    text += "\nMore: trocco ";
    text += job ? "job" : "pipeline";
    text += " <command> --help\n\n";
    text += global_options_help;
    text += "\n";
    text += exit_code_help;
    return text;
}

inline std::string command_help(resource what, action verb) {
    const bool job = what == resource::job;
    const std::string group = job ? "job" : "pipeline";
    std::string text;
    switch (verb) {
        case action::run:
            text = job ? "usage: trocco job run <job_definition_id> [--context-time \"YYYY-MM-DD HH:MM:SS\"]\n"
                         "                      [--time-zone TZ] [--var NAME=VALUE]... [--wait]\n"
                         "                      [--wait-timeout SECONDS] [--poll-interval SECONDS]\n"
                         "\n"
                         "Starts a job of the transfer definition <job_definition_id>. The run is sent once: it is\n"
                         "never resent after it may have reached trocco (then the exit code is 8).\n"
                       : "usage: trocco pipeline run <pipeline_definition_id> [--context-time \"YYYY-MM-DD HH:MM:SS\"]\n"
                         "                           [--time-zone TZ] [--wait]\n"
                         "                           [--wait-timeout SECONDS] [--poll-interval SECONDS]\n"
                         "\n"
                         "Starts the workflow <pipeline_definition_id>. The run is sent once: it is never resent\n"
                         "after it may have reached trocco (then the exit code is 8). A workflow's `error` counts as\n"
                         "final only after two more polls, 10 s apart, still read `error` (an automatic retry may\n"
                         "follow it).\n";
            text +=
                "\n"
                "Options:\n"
                "  --context-time \"YYYY-MM-DD HH:MM:SS\"\n"
                "                             the base time of the definition's time variables (trocco's\n"
                "                             default: the time of the request)\n"
                "  --time-zone TZ             IANA time zone of --context-time, e.g. Etc/UTC (trocco's default:\n"
                "                             Asia/Tokyo)\n";
            if (job) {
                text +=
                    "  --var NAME=VALUE           a custom variable, repeatable; split at the first '=', so\n"
                    "                             --var '$ad_id$=A0000' and values containing '=' work. NAME is\n"
                    "                             sent as given, with its $ delimiters\n";
            }
            text +=
                "  --wait                     wait until the job finishes; the exit code tells how it ended\n";
            text += wait_options_help;
            text += "                             (--wait-timeout and --poll-interval need --wait)\n";
            text += "\nWithout --wait the job id is printed on stdout and the exit code is 0 once trocco accepted "
                    "the run.\n";
            break;
        case action::get:
            text = "usage: trocco " + group + " get <" + (job ? "job_id" : "pipeline_job_id") + ">\n\n" +
                   (job ? "Shows a transfer job once" : "Shows a workflow job once") +
                   " (the exit code is 0 whatever its status; see --json).\n";
            break;
        case action::wait:
            text = "usage: trocco " + group + " wait <" + (job ? "job_id" : "pipeline_job_id") +
                   "> [--wait-timeout SECONDS] [--poll-interval SECONDS]\n\n" +
                   (job ? "Waits until the transfer job" : "Waits until the workflow job") +
                   " finishes, e.g. one started earlier by `trocco " + group +
                   " run` without --wait, or\nafter an interrupted wait. The exit code tells how it ended.\n"
                   "\n"
                   "Options:\n";
            text += wait_options_help;
            break;
    }
    text += "\n";
    text += global_options_help;
    text += "\n";
    text += api_key_help;
    text += "\n";
    text += exit_code_help;
    return text;
}

}  // namespace detail

/// The --help text for a command (`what` and `verb` as far as the command line named them).
inline std::string help_text(std::optional<resource> what = std::nullopt, std::optional<action> verb = std::nullopt) {
    if (!what) return detail::main_help();
    if (!verb) return detail::group_help(*what);
    return detail::command_help(*what, *verb);
}

// ---- value parsers ----------------------------------------------------------------------------------------------

/// A positive decimal integer that fits in int64 ("42"); no sign, no spaces, no leading '+'.
inline std::optional<std::int64_t> parse_id(std::string_view text) noexcept {
    if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value <= 0) return std::nullopt;
    return value;
}

/// A number of seconds, "30" or "0.25" (digits, an optional fraction; at most 999,999,999 s), rounded to the
/// millisecond. nullopt for anything else, and for a result of 0 ms.
inline std::optional<std::chrono::milliseconds> parse_seconds(std::string_view text) noexcept {
    const auto dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    const std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    if (whole.empty() || whole.size() > 9) return std::nullopt;
    if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;
    std::int64_t ms = 0;
    for (char c : whole) {
        if (c < '0' || c > '9') return std::nullopt;
        ms = ms * 10 + (c - '0');
    }
    ms *= 1000;
    std::int64_t scale = 100;
    bool round_up = false;
    for (std::size_t i = 0; i < fraction.size(); ++i) {
        const char c = fraction[i];
        if (c < '0' || c > '9') return std::nullopt;
        if (i < 3) {
            ms += (c - '0') * scale;
            scale /= 10;
        } else if (i == 3) {
            round_up = c >= '5';
        }
    }
    if (round_up) ++ms;
    if (ms <= 0) return std::nullopt;
    return std::chrono::milliseconds{ms};
}

/// Splits "NAME=VALUE" at the first '='. nullopt without '=' or with an empty NAME.
inline std::optional<custom_variable> parse_variable(std::string_view text) {
    const auto eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    return custom_variable{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

// ---- the parser -------------------------------------------------------------------------------------------------

namespace detail {

enum class scope { global, run, job_run, run_or_wait };

struct option_spec {
    std::string_view name;
    bool takes_value;
    scope where;
};

inline constexpr option_spec option_table[] = {
    {"--base-url", true, scope::global},       {"--api-key-file", true, scope::global},
    {"--ca-file", true, scope::global},        {"--request-timeout", true, scope::global},
    {"--json", false, scope::global},          {"--quiet", false, scope::global},
    {"--context-time", true, scope::run},      {"--time-zone", true, scope::run},
    {"--var", true, scope::job_run},           {"--wait", false, scope::run},
    {"--wait-timeout", true, scope::run_or_wait}, {"--poll-interval", true, scope::run_or_wait},
};

inline const option_spec* find_option(std::string_view name) noexcept {
    for (const auto& spec : option_table) {
        if (spec.name == name) return &spec;
    }
    return nullptr;
}

struct given_option {
    const option_spec* spec;
    std::string value;
};

inline std::optional<resource> parse_resource(std::string_view word) noexcept {
    if (word == "job") return resource::job;
    if (word == "pipeline") return resource::pipeline;
    return std::nullopt;
}

inline std::optional<action> parse_action(std::string_view word) noexcept {
    if (word == "run") return action::run;
    if (word == "get") return action::get;
    if (word == "wait") return action::wait;
    return std::nullopt;
}

inline std::string_view action_name(action verb) noexcept {
    switch (verb) {
        case action::run: return "run";
        case action::get: return "get";
        case action::wait: return "wait";
    }
    return "";
}

inline std::string command_name(resource what, action verb) {
    return std::string("trocco ") + (what == resource::job ? "job " : "pipeline ") + std::string(action_name(verb));
}

inline std::string id_name(resource what, action verb) {
    if (verb == action::run) return what == resource::job ? "<job_definition_id>" : "<pipeline_definition_id>";
    return what == resource::job ? "<job_id>" : "<pipeline_job_id>";
}

}  // namespace detail

/// Parses the arguments after the program name. Options may come before or after the command words, as
/// `--name value` or `--name=value`; `--` ends the options. The first problem found is reported; values that
/// might be secret (an `--api-key` value, unexpected extra words) are never repeated in a message.
inline parse_outcome parse_arguments(const std::vector<std::string_view>& args) {
    std::vector<std::string_view> words;
    std::vector<detail::given_option> given;
    std::optional<std::string> problem;
    bool help = false;
    bool version = false;

    const auto fail = [&problem](std::string message) {
        if (!problem) problem = std::move(message);
    };

    bool options_ended = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if (options_ended || arg.size() < 2 || arg.front() != '-') {
            words.push_back(arg);
            continue;
        }
        if (arg == "--") {
            options_ended = true;
            continue;
        }
        if (arg == "-h" || arg == "--help") {
            help = true;
            continue;
        }
        if (arg == "--version") {
            version = true;
            continue;
        }
        if (arg.size() > 1 && arg[1] >= '0' && arg[1] <= '9') {  // "-5": a (bad) id, reported as such below
            words.push_back(arg);
            continue;
        }
        const auto eq = arg.find('=');
        const std::string_view name = arg.substr(0, eq);
        if (name == "--api-key" || name == "--apikey" || name == "--key" || name == "--token") {
            fail("the API key is not taken as an argument (other users could read it with ps): set the "
                 "environment variable TROCCO_API_KEY, or pass --api-key-file PATH");
            if (eq == std::string_view::npos && i + 1 < args.size() && !args[i + 1].starts_with("-")) ++i;
            continue;
        }
        const detail::option_spec* spec = detail::find_option(name);
        if (!spec || !name.starts_with("--")) {
            fail("unknown option " + std::string(name));
            continue;
        }
        if (!spec->takes_value) {
            if (eq != std::string_view::npos) fail(std::string(name) + " takes no value");
            given.push_back({spec, {}});
            continue;
        }
        if (eq != std::string_view::npos) {
            given.push_back({spec, std::string(arg.substr(eq + 1))});
        } else if (i + 1 < args.size()) {
            given.push_back({spec, std::string(args[++i])});
        } else {
            fail(std::string(name) + " needs a value");
        }
    }

    // The command as far as the words name it: for --help, and for pointing at the right --help.
    const std::optional<resource> what = words.empty() ? std::nullopt : detail::parse_resource(words[0]);
    const std::optional<action> verb = (what && words.size() > 1) ? detail::parse_action(words[1]) : std::nullopt;
    std::string help_command = "trocco --help";
    if (what && verb) {
        help_command = detail::command_name(*what, *verb) + " --help";
    } else if (what) {
        help_command = std::string("trocco ") + (*what == resource::job ? "job" : "pipeline") + " --help";
    }

    if (help) return help_request{help_text(what, verb)};
    if (version) return version_request{};
    if (problem) return usage_error{*problem, help_command};

    if (words.empty()) return usage_error{"missing command: job or pipeline", help_command};
    if (!what) return usage_error{"unknown command '" + std::string(words[0]) + "' (expected job or pipeline)", help_command};
    const std::string group = *what == resource::job ? "job" : "pipeline";
    if (words.size() < 2) return usage_error{"'trocco " + group + "' needs a command: run, get or wait", help_command};
    if (!verb) {
        return usage_error{"unknown command 'trocco " + group + " " + std::string(words[1]) +
                               "' (expected run, get or wait)",
                           help_command};
    }
    const std::string command = detail::command_name(*what, *verb);
    const std::string id_name = detail::id_name(*what, *verb);
    if (words.size() < 3) return usage_error{"'" + command + "' needs " + id_name, help_command};
    if (words.size() > 3) {
        return usage_error{"too many arguments: '" + command + "' takes one " + id_name +
                               " (the API key is never an argument: use TROCCO_API_KEY or --api-key-file)",
                           help_command};
    }

    command_line cmd;
    cmd.what = *what;
    cmd.verb = *verb;
    const auto id = parse_id(words[2]);
    if (!id) {
        return usage_error{id_name + " must be a positive integer, not '" + std::string(words[2]) + "'", help_command};
    }
    cmd.id = *id;

    bool wait_tuning = false;
    for (const auto& option : given) {  // no structured binding: clang 14 cannot capture one in a lambda
        const detail::option_spec* spec = option.spec;
        const std::string& value = option.value;
        const std::string name(spec->name);
        const bool allowed = spec->where == detail::scope::global ||
                             (spec->where == detail::scope::run && cmd.verb == action::run) ||
                             (spec->where == detail::scope::job_run && cmd.verb == action::run &&
                              cmd.what == resource::job) ||
                             (spec->where == detail::scope::run_or_wait && cmd.verb != action::get);
        if (!allowed) {
            std::string message = name + " is not an option of '" + command + "'";
            if (spec->where == detail::scope::job_run && cmd.verb == action::run) {
                message += " (the trocco API takes custom variables for transfer jobs only)";
            }
            return usage_error{std::move(message), help_command};
        }
        const auto duration = [&]() -> std::optional<std::chrono::milliseconds> { return parse_seconds(value); };
        const auto bad_duration = [&] {
            return usage_error{name + " wants a number of seconds greater than 0, e.g. 30 or 0.5 (got '" + value + "')",
                               help_command};
        };
        const auto non_empty = [&](std::optional<std::string>& field) -> bool {
            if (value.empty()) return false;
            field = value;
            return true;
        };
        if (name == "--base-url") {
            if (!non_empty(cmd.base_url)) return usage_error{"--base-url must not be empty", help_command};
        } else if (name == "--api-key-file") {
            if (!non_empty(cmd.api_key_file)) return usage_error{"--api-key-file must not be empty", help_command};
        } else if (name == "--ca-file") {
            if (!non_empty(cmd.ca_file)) return usage_error{"--ca-file must not be empty", help_command};
        } else if (name == "--request-timeout") {
            cmd.request_timeout = duration();
            if (!cmd.request_timeout) return bad_duration();
        } else if (name == "--json") {
            cmd.json = true;
        } else if (name == "--quiet") {
            cmd.quiet = true;
        } else if (name == "--context-time") {
            if (!is_valid_context_time(value)) {
                return usage_error{"--context-time wants \"YYYY-MM-DD HH:MM:SS\", a real calendar time such as "
                                   "\"2026-05-19 00:00:00\" (got '" + value + "')",
                                   help_command};
            }
            cmd.context_time = value;
        } else if (name == "--time-zone") {
            if (value.empty() || trocco::detail::has_control_char(value) || !trocco::detail::is_valid_utf8(value)) {
                return usage_error{"--time-zone wants an IANA time zone name such as Etc/UTC or Asia/Tokyo",
                                   help_command};
            }
            cmd.time_zone = value;
        } else if (name == "--var") {
            auto variable = parse_variable(value);
            if (!variable) {
                return usage_error{"--var wants NAME=VALUE with a non-empty NAME, e.g. --var '$ad_id$=A0000'",
                                   help_command};
            }
            if (!trocco::detail::is_valid_utf8(variable->name) || !trocco::detail::is_valid_utf8(variable->value)) {
                return usage_error{"--var " + variable->name + ": NAME and VALUE must be valid UTF-8", help_command};
            }
            cmd.variables.push_back(std::move(*variable));
        } else if (name == "--wait") {
            cmd.wait = true;
        } else if (name == "--wait-timeout") {
            cmd.wait_timeout = duration();
            if (!cmd.wait_timeout) return bad_duration();
            wait_tuning = true;
        } else if (name == "--poll-interval") {
            cmd.poll_interval = duration();
            if (!cmd.poll_interval) return bad_duration();
            wait_tuning = true;
        }
    }
    if (wait_tuning && cmd.verb == action::run && !cmd.wait) {
        return usage_error{"--wait-timeout and --poll-interval apply only with --wait", help_command};
    }
    return cmd;
}

// ---- the API key and the base URL -------------------------------------------------------------------------------

/// `text` without trailing whitespace (a newline, "\r\n", spaces, tabs): what an editor or `echo` leaves at the end
/// of a key file.
inline std::string trim_trailing_whitespace(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                             text.back() == '\t')) {
        text.pop_back();
    }
    return text;
}

/// The API key, or a usage error saying how to provide one. `file_contents` is what --api-key-file's file holds
/// (nullopt when the option is not given); `environment` the value of TROCCO_API_KEY (nullptr when unset). The
/// file wins over the environment. Messages never contain the key.
inline std::variant<std::string, usage_error> choose_api_key(const command_line& cmd,
                                                             const std::optional<std::string>& file_contents,
                                                             const char* environment) {
    if (cmd.api_key_file) {
        std::string key = trim_trailing_whitespace(file_contents.value_or(std::string{}));
        if (key.empty()) return usage_error{"the API key file " + *cmd.api_key_file + " is empty"};
        return key;
    }
    if (environment) {
        std::string key = trim_trailing_whitespace(environment);
        if (!key.empty()) return key;
        return usage_error{"the environment variable TROCCO_API_KEY is empty: set it to your trocco API key, or "
                           "pass --api-key-file PATH"};
    }
    return usage_error{"no API key: set the environment variable TROCCO_API_KEY, or pass --api-key-file PATH (a file "
                       "holding the key); it is never taken as an argument, where other users could read it with ps"};
}

/// Reads a key file (at most 64 KiB). An error message names the file and the reason, never its contents.
inline std::variant<std::string, usage_error> read_api_key_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        const int code = errno;
        return usage_error{"cannot read the API key file " + path + ": " +
                           (code != 0 ? std::generic_category().message(code) : std::string("cannot open it"))};
    }
    std::string contents;
    char buffer[4096];
    while (file.read(buffer, sizeof buffer) || file.gcount() > 0) {
        contents.append(buffer, static_cast<std::size_t>(file.gcount()));
        if (contents.size() > 64 * 1024) return usage_error{"the API key file " + path + " is too large for a key"};
    }
    if (file.bad()) return usage_error{"cannot read the API key file " + path};
    return contents;
}

/// --base-url, else TROCCO_BASE_URL when set and non-empty, else https://trocco.io.
inline std::string choose_base_url(const command_line& cmd, const char* environment) {
    if (cmd.base_url) return *cmd.base_url;
    if (environment && *environment) return environment;
    return std::string(default_base_url);
}

}  // namespace trocco::cli
