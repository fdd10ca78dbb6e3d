// tools/cli/parser.hpp - parsing the arguments of `trocco` into a command_line, a help or version request, or a
// usage error. Driven by the command table (command_line.hpp) and the option table (option_table.hpp). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "command_line.hpp"
#include "help.hpp"
#include "option_table.hpp"
#include "values.hpp"

namespace trocco::cli {

namespace detail {

struct given_option {
    std::string_view name;  // as written (long or short form)
    const option_spec* spec;
    std::string value;
};

/// The command the words name, if they name one (`job run`).
inline const command_spec* find_command(std::string_view group, std::string_view word) noexcept {
    for (const auto& c : command_table) {
        if (c.group == group && c.word == word) return &c;
    }
    return nullptr;
}

inline bool is_group(std::string_view word) noexcept {
    for (const auto& c : command_table) {
        if (c.group == word) return true;
    }
    return false;
}

/// "run, get, wait or list": the commands of a group, for messages.
inline std::string words_of(std::string_view group) {
    std::vector<std::string_view> words;
    for (const auto& c : command_table) {
        if (c.group == group) words.push_back(c.word);
    }
    std::string text;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (i > 0) text += i + 1 == words.size() ? " or " : ", ";
        text += words[i];
    }
    return text;
}

inline std::string groups_text() { return "job, workflow, datamart, definitions or help"; }

/// The help named by `words` (after `trocco help`, or the words given with --help), or a usage error.
inline parse_outcome help_for(const std::vector<std::string_view>& words) {
    if (words.empty()) return help_request{main_help()};
    if (!is_group(words[0])) {
        return usage_error{"no help for '" + std::string(words[0]) + "': the commands are " + groups_text()};
    }
    if (words.size() == 1) return help_request{group_help(words[0])};
    const command_spec* c = find_command(words[0], words[1]);
    if (!c) {
        return usage_error{"no command 'trocco " + std::string(words[0]) + " " + std::string(words[1]) +
                           "': the commands of " + std::string(words[0]) + " are " + words_of(words[0])};
    }
    return help_request{command_help(*c)};
}

inline bool looks_like_key_option(std::string_view name) noexcept {
    return name == "--api-key" || name == "--apikey" || name == "--key" || name == "--token";
}

}  // namespace detail

/// Parses the arguments after the program name. Options may come before or after the command words, as
/// `--name value` or `--name=value` (short forms: -q, -V, -h); `--` ends the options. The first problem found is
/// reported; values that might be secret (an `--api-key` value, unexpected extra words) are never repeated.
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
        if (arg[1] >= '0' && arg[1] <= '9') {  // "-5": a (bad) id, reported as such below
            words.push_back(arg);
            continue;
        }
        const auto eq = arg.starts_with("--") ? arg.find('=') : std::string_view::npos;
        const std::string_view name = arg.substr(0, eq);
        if (detail::looks_like_key_option(name)) {
            fail("the API key is not taken as an argument (other users could read it with ps): set the "
                 "environment variable TROCCO_API_KEY, or pass --api-key-file PATH");
            if (eq == std::string_view::npos && i + 1 < args.size() && !args[i + 1].starts_with("-")) ++i;
            continue;
        }
        const option_spec* spec = find_option(name);
        if (!spec) {
            fail("unknown option " + std::string(name));
            continue;
        }
        if (spec->name == "--help") {
            help = true;
            continue;
        }
        if (spec->name == "--version") {
            version = true;
            continue;
        }
        if (spec->value.empty()) {
            if (eq != std::string_view::npos) fail(std::string(name) + " takes no value");
            given.push_back({name, spec, {}});
        } else if (eq != std::string_view::npos) {
            given.push_back({name, spec, std::string(arg.substr(eq + 1))});
        } else if (i + 1 < args.size()) {
            given.push_back({name, spec, std::string(args[++i])});
        } else {
            fail(std::string(name) + " needs a value");
        }
    }

    // `trocco help job run` and `trocco job run --help` both give that command's help.
    if (!words.empty() && words[0] == "help" && !options_ended) {
        return detail::help_for(std::vector<std::string_view>(words.begin() + 1, words.end()));
    }
    const command_spec* command = words.size() >= 2 ? detail::find_command(words[0], words[1]) : nullptr;
    std::string help_command = "trocco --help";
    if (command) {
        help_command = "trocco help " + std::string(command->group) + " " + std::string(command->word);
    } else if (!words.empty() && detail::is_group(words[0])) {
        help_command = "trocco help " + std::string(words[0]);
    }
    if (help) {
        if (command) return help_request{command_help(*command)};
        if (!words.empty() && detail::is_group(words[0])) return help_request{group_help(words[0])};
        return help_request{main_help()};
    }
    if (version) return version_request{};
    if (problem) return usage_error{*problem, help_command};

    if (words.empty()) return usage_error{"missing command: " + detail::groups_text(), help_command};
    if (!detail::is_group(words[0])) {
        return usage_error{"unknown command '" + std::string(words[0]) + "' (expected " + detail::groups_text() + ")",
                           help_command};
    }
    const std::string group(words[0]);
    if (words.size() < 2) {
        return usage_error{"'trocco " + group + "' needs a command: " + detail::words_of(group), help_command};
    }
    if (!command) {
        return usage_error{"unknown command 'trocco " + group + " " + std::string(words[1]) + "' (expected " +
                               detail::words_of(group) + ")",
                           help_command};
    }
    const std::string name = "trocco " + group + " " + std::string(command->word);
    const std::string argument(command->argument);
    if (words.size() < 3) return usage_error{"'" + name + "' needs " + argument, help_command};
    if (words.size() > 3) {
        return usage_error{"too many arguments: '" + name + "' takes one " + argument +
                               " (the API key is never an argument: use TROCCO_API_KEY or --api-key-file)",
                           help_command};
    }

    command_line cmd;
    cmd.command = command->id;
    if (command->id == command_id::definitions_list) {
        const std::string_view k = words[2];
        if (k == "job") {
            cmd.list_kind = job_kind::transfer;
        } else if (k == "workflow") {
            cmd.list_kind = job_kind::workflow;
        } else if (k == "datamart") {
            cmd.list_kind = job_kind::datamart;
        } else {
            return usage_error{"'" + name + "' wants job, workflow or datamart, not '" + std::string(k) + "'",
                               help_command};
        }
    } else {
        const auto id = parse_id(words[2]);
        if (!id) {
            return usage_error{argument + " must be a positive integer, not '" + std::string(words[2]) + "'",
                               help_command};
        }
        cmd.id = *id;
    }

    for (const auto& option : given) {
        const option_spec* row = find_option(option.spec->name, cmd.command);
        if (!row) {
            std::string message = std::string(option.spec->name) + " is not an option of '" + name + "'";
            if (option.spec->name == "--var" && cmd.command == command_id::workflow_run) {
                message += " (the trocco API takes custom variables for transfer and datamart jobs only)";
            }
            return usage_error{std::move(message), help_command};
        }
        if (auto refused = row->apply(cmd, option.value)) {
            return usage_error{std::string(option.spec->name) + " " + *refused, help_command};
        }
    }

    // Options that need another.
    if (command->what == verb::run && !cmd.wait) {
        for (const auto* needs_wait : {"--wait-timeout", "--poll-interval", "--reconcile", "--idempotency-key",
                                        "--state-dir"}) {
            for (const auto& option : given) {
                if (option.spec->name == needs_wait) {
                    return usage_error{std::string(needs_wait) + " applies only with --wait", help_command};
                }
            }
        }
    }
    if (cmd.command == command_id::definitions_list && cmd.list_kind == job_kind::workflow && cmd.name) {
        return usage_error{"--name: trocco has no name filter for workflow definitions (list them all and filter, "
                           "e.g. with grep)",
                           help_command};
    }
    return cmd;
}

}  // namespace trocco::cli
