// tools/cli/help.hpp - the help texts of `trocco`, built from the command table (command_line.hpp) and the option
// table (option_table.hpp), so that help and parser never disagree. `trocco --help` lists the commands, the global
// options, where the API key comes from, the output and the exit codes; `trocco help <group> <command>` shows that
// command's own options and an example and points to `trocco --help` for the rest. Pure.
#pragma once

#include <string>
#include <string_view>

#include "command_line.hpp"
#include "exit_codes.hpp"
#include "option_table.hpp"
#include "text.hpp"

namespace trocco::cli {

namespace detail {

/// The column where option texts start.
inline constexpr std::size_t help_column = 30;

/// "  --quiet, -q" or "  --wait-timeout DURATION", padded to the help column (or followed by a new line when
/// longer), then the text, each further line indented to the column.
inline std::string option_lines(const option_spec& o) {
    std::string head = cat("  ", o.name);
    if (!o.short_name.empty()) head += cat(", ", o.short_name);
    if (!o.value.empty()) head += cat(" ", o.value);
    std::string text = head;
    if (head.size() + 1 < help_column) {
        text.append(help_column - head.size(), ' ');
    } else {
        text += "\n";
        text.append(help_column, ' ');
    }
    for (const char c : o.help) {
        text += c;
        if (c == '\n') text.append(help_column, ' ');
    }
    return text + "\n";
}

/// "  job run <job_definition_id>", padded, then the summary.
inline std::string command_line_entry(const command_spec& c, bool with_group) {
    std::string head = "  ";
    if (with_group) head += std::string(c.group) + " ";
    head += cat(c.word, " ", c.argument);
    std::string text = head;
    constexpr std::size_t column = 42;
    if (head.size() + 1 < column) {
        text.append(column - head.size(), ' ');
    } else {
        text += "\n";
        text.append(column, ' ');
    }
    return text + std::string(c.summary) + "\n";
}

inline constexpr std::string_view api_key_help =
    "The API key is read from the environment variable TROCCO_API_KEY, or from the file named by\n"
    "--api-key-file (trailing whitespace is ignored). It is never taken as an argument: arguments are visible\n"
    "to every user of the machine (ps). It is never printed.\n";

inline constexpr std::string_view output_help =
    "Output: `run` prints the job id on stdout as soon as trocco accepted the run; a wait shows its progress\n"
    "on stderr (on a terminal one live line, else one timestamped line per status change and per retry; see\n"
    "--progress) and prints a one-line summary on stdout at the end. Lists print one line per item. With\n"
    "--json, stdout carries only the result: one JSON object (the job, with the API's field names, also when\n"
    "the job failed or the wait timed out) or one JSON array (lists). Errors go to stderr.\n";

}  // namespace detail

/// `trocco --help`.
inline std::string main_help() {
    std::string text =
        "usage: trocco [global options] <command> <argument> [options]\n"
        "\n"
        "Start, wait for and inspect trocco transfer jobs, workflows and datamart jobs from shells, cron and CI.\n"
        "\n"
        "Commands:\n";
    for (const auto& c : command_table) text += detail::command_line_entry(c, true);
    text += "  help <command>                          the help of a command, e.g. trocco help job run\n";
    text += "\nGlobal options (accepted before or after the command):\n";
    for (const auto& o : option_table) {
        if (o.global) text += detail::option_lines(o);
    }
    text += "\n";
    text += detail::api_key_help;
    text += "\n";
    text += detail::output_help;
    text += "\n";
    text += exit_code_help;
    text +=
        "\n"
        "Example:\n"
        "  TROCCO_API_KEY=... trocco job run 42 --wait --var '$target_date$=2026-05-19'\n";
    return text;
}

/// `trocco help job`: the commands of one group.
inline std::string group_help(std::string_view group) {
    std::string text = cat("usage: trocco ", group, " <command> <argument> [options]\n\nCommands:\n");
    for (const auto& c : command_table) {
        if (c.group == group) text += detail::command_line_entry(c, false);
    }
    text += cat("\nEach command's options: trocco help ", group,
                " <command>. Global options and exit codes: trocco --help\n");
    return text;
}

/// `trocco help job run` or `trocco job run --help`: the command's options and an example.
inline std::string command_help(const command_spec& c) {
    std::string text =
        cat("usage: trocco ", c.group, " ", c.word, " ", c.argument, " [options]\n\n", c.description, "\n");
    std::string options;
    for (const auto& o : option_table) {
        if (!o.global && contains(o.where, c.id)) options += detail::option_lines(o);
    }
    if (!options.empty()) text += "\nOptions:\n" + options;
    text += cat("\nExample:\n  ", c.example, "\n");
    text += "\nGlobal options (--json, --quiet, --progress, --base-url, ...), the API key and exit codes: trocco --help\n";
    return text;
}

}  // namespace trocco::cli
