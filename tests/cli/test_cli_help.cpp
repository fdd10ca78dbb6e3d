// tests/cli/test_cli_help.cpp - the help of `trocco` (built from the command and option tables), and where the API key
// and the base URL come from.
#include <chrono>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "../catch.hpp"
#include "../support/text.hpp"

#include "credentials.hpp"
#include "help.hpp"
#include "parser.hpp"

using trocco::cli::command_line;
using trocco::cli::parse_arguments;

namespace {


using test_support::contains;

}  // namespace

TEST_CASE("--help, trocco help <command>, and --version") {
    using trocco::cli::help_request;
    const auto help_of = [](std::vector<std::string_view> args) {
        auto outcome = parse_arguments(args);
        REQUIRE(std::holds_alternative<help_request>(outcome));
        return std::get<help_request>(outcome).text;
    };
    const std::string main = help_of({"--help"});
    CHECK(main.starts_with("usage: trocco [global options]"));
    CHECK(help_of({"-h"}) == main);
    CHECK(help_of({"help"}) == main);
    CHECK(contains(main, std::string(trocco::cli::exit_code_help)));
    CHECK(contains(main, "143"));
    for (const auto* command : {"job run", "job get", "job wait", "job list", "workflow run", "workflow get",
                                "workflow wait", "datamart run", "definitions list"}) {
        INFO(command);
        CHECK(contains(main, command));
    }
    for (const auto* option : {"--base-url", "--api-key-file", "--json", "--quiet, -q", "--progress MODE",
                               "--ca-file", "--request-timeout", "--version, -V"}) {
        INFO(option);
        CHECK(contains(main, option));
    }
    CHECK(contains(main, "replaces"));  // --ca-file replaces the system trust store

    CHECK(help_of({"job", "-h"}).starts_with("usage: trocco job <command>"));
    CHECK(help_of({"help", "workflow"}).starts_with("usage: trocco workflow <command>"));
    CHECK(help_of({"job", "run", "--help"}).starts_with("usage: trocco job run <job_definition_id>"));
    CHECK(help_of({"help", "job", "run"}) == help_of({"job", "run", "--help"}));
    CHECK(help_of({"--help", "job", "get"}).starts_with("usage: trocco job get <job_id>"));
    CHECK(help_of({"workflow", "run", "--help"}).starts_with("usage: trocco workflow run <workflow_definition_id>"));
    CHECK(help_of({"job", "run", "1", "--var", "bad", "--help"}).starts_with("usage: trocco job run"));
    CHECK(contains(help_of({"job", "run", "--help"}), "--var NAME=VALUE"));
    CHECK(contains(help_of({"job", "run", "--help"}), "--idempotency-key KEY"));
    CHECK(contains(help_of({"job", "run", "--help"}), "--reconcile"));
    CHECK_FALSE(contains(help_of({"workflow", "run", "--help"}), "--var"));
    CHECK_FALSE(contains(help_of({"workflow", "run", "--help"}), "--reconcile"));
    CHECK(contains(help_of({"datamart", "run", "--help"}), "cannot\nwait"));
    CHECK(contains(help_of({"datamart", "run", "--help"}), "--memo TEXT"));
    CHECK(contains(help_of({"help", "job", "list"}), "--since"));
    CHECK(contains(help_of({"help", "definitions", "list"}), "--name TEXT"));
    for (const auto& c : trocco::cli::command_table) {
        const std::string text = trocco::cli::command_help(c);
        INFO(text);
        CHECK(contains(text, "Example:\n  trocco " + std::string(c.group) + " " + std::string(c.word)));
        CHECK(contains(text, "trocco --help"));
        CHECK_FALSE(contains(text, "Exit codes:"));      // not repeated: trocco --help has them
        CHECK_FALSE(contains(text, "--base-url URL"));  // nor the global options
    }
    CHECK(contains(std::get<trocco::cli::usage_error>(parse_arguments({"help", "nothing"})).message, "no help for 'nothing'"));
    CHECK(contains(std::get<trocco::cli::usage_error>(parse_arguments({"help", "job", "start"})).message, "run, get, wait or list"));
    CHECK(std::holds_alternative<trocco::cli::version_request>(parse_arguments({"--version"})));
    CHECK(std::holds_alternative<trocco::cli::version_request>(parse_arguments({"-V"})));
    CHECK(std::holds_alternative<trocco::cli::version_request>(parse_arguments({"job", "get", "1", "--version"})));
}

TEST_CASE("the option table drives the help: every option is listed where it applies") {
    for (const auto& c : trocco::cli::command_table) {
        const std::string text = trocco::cli::command_help(c);
        for (const auto& o : trocco::cli::option_table) {
            if (o.global || !trocco::cli::contains(o.where, c.id)) continue;
            INFO(std::string(c.group) + " " + std::string(c.word) + " " + std::string(o.name));
            CHECK(contains(text, "  " + std::string(o.name)));
        }
    }
}

TEST_CASE("the API key: from --api-key-file, else TROCCO_API_KEY; trailing whitespace trimmed") {
    using trocco::cli::choose_api_key;
    using trocco::cli::usage_error;
    command_line cmd;
    CHECK(std::get<std::string>(choose_api_key(cmd, std::nullopt, "env-key")) == "env-key");
    CHECK(std::get<std::string>(choose_api_key(cmd, std::nullopt, "env-key\n")) == "env-key");
    const auto missing = choose_api_key(cmd, std::nullopt, nullptr);
    REQUIRE(std::holds_alternative<usage_error>(missing));
    CHECK(contains(std::get<usage_error>(missing).message, "TROCCO_API_KEY"));
    CHECK(contains(std::get<usage_error>(missing).message, "--api-key-file"));
    CHECK(std::holds_alternative<usage_error>(choose_api_key(cmd, std::nullopt, "")));

    cmd.api_key_file = "/run/secrets/trocco";
    CHECK(std::get<std::string>(choose_api_key(cmd, std::string("file-key\n"), "env-key")) == "file-key");
    CHECK(std::get<std::string>(choose_api_key(cmd, std::string("file-key\r\n"), nullptr)) == "file-key");
    CHECK(std::get<std::string>(choose_api_key(cmd, std::string("file-key \t\n\n"), nullptr)) == "file-key");
    const auto empty = choose_api_key(cmd, std::string("\n"), "env-key");
    REQUIRE(std::holds_alternative<usage_error>(empty));
    CHECK(contains(std::get<usage_error>(empty).message, "/run/secrets/trocco"));

    CHECK(trocco::cli::trim_trailing_whitespace("  key  \n") == "  key");
    CHECK(trocco::cli::trim_trailing_whitespace("a\nb\n") == "a\nb");
    CHECK(trocco::cli::trim_trailing_whitespace("") == "");

    const auto unreadable = trocco::cli::read_api_key_file("/nonexistent/dir/key");
    REQUIRE(std::holds_alternative<usage_error>(unreadable));
    CHECK(contains(std::get<usage_error>(unreadable).message, "/nonexistent/dir/key"));
}

TEST_CASE("the base URL: --base-url, else TROCCO_BASE_URL, else https://trocco.io") {
    command_line cmd;
    CHECK(trocco::cli::choose_base_url(cmd, nullptr) == "https://trocco.io");
    CHECK(trocco::cli::choose_base_url(cmd, "") == "https://trocco.io");
    CHECK(trocco::cli::choose_base_url(cmd, "https://in.trocco.io") == "https://in.trocco.io");
    cmd.base_url = "http://127.0.0.1:9";
    CHECK(trocco::cli::choose_base_url(cmd, "https://in.trocco.io") == "http://127.0.0.1:9");
}
