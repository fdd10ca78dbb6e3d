// tests/cli/test_cli_arguments.cpp - the command line of `trocco`: parsing, help, the API key and base URL, and
// how the parsed options become the client's request and wait options.
#include <chrono>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "../catch.hpp"

#include "arguments.hpp"
#include "run.hpp"

using namespace std::chrono_literals;
using trocco::cli::action;
using trocco::cli::command_line;
using trocco::cli::parse_arguments;
using trocco::cli::resource;

namespace {

trocco::cli::parse_outcome parse(std::vector<std::string_view> args) { return parse_arguments(args); }

command_line parsed(std::vector<std::string_view> args) {
    auto outcome = parse(std::move(args));
    if (const auto* e = std::get_if<trocco::cli::usage_error>(&outcome)) CHECK(e->message == "");
    REQUIRE(std::holds_alternative<command_line>(outcome));
    return std::get<command_line>(outcome);
}

trocco::cli::usage_error refused(std::vector<std::string_view> args) {
    auto outcome = parse(std::move(args));
    REQUIRE(std::holds_alternative<trocco::cli::usage_error>(outcome));
    return std::get<trocco::cli::usage_error>(outcome);
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

}  // namespace

TEST_CASE("the six commands parse, with the id") {
    auto cmd = parsed({"job", "run", "42"});
    CHECK(cmd.what == resource::job);
    CHECK(cmd.verb == action::run);
    CHECK(cmd.id == 42);
    CHECK_FALSE(cmd.wait);
    CHECK_FALSE(cmd.waits());

    cmd = parsed({"job", "get", "100001"});
    CHECK((cmd.verb == action::get && cmd.id == 100001));
    cmd = parsed({"job", "wait", "9223372036854775807"});
    CHECK((cmd.verb == action::wait && cmd.id == 9223372036854775807));
    CHECK(cmd.waits());
    cmd = parsed({"pipeline", "run", "7", "--wait"});
    CHECK((cmd.what == resource::pipeline && cmd.verb == action::run && cmd.wait && cmd.waits()));
    cmd = parsed({"pipeline", "get", "200001"});
    CHECK((cmd.what == resource::pipeline && cmd.verb == action::get));
    cmd = parsed({"pipeline", "wait", "200001"});
    CHECK((cmd.what == resource::pipeline && cmd.verb == action::wait));
}

TEST_CASE("global options go before or after the command, as --name value or --name=value") {
    const auto a = parsed({"--base-url", "http://127.0.0.1:8080", "--json", "job", "get", "5", "--quiet",
                           "--request-timeout=2.5", "--ca-file", "/etc/ca.pem", "--api-key-file=/run/key"});
    CHECK(a.base_url == "http://127.0.0.1:8080");
    CHECK(a.json);
    CHECK(a.quiet);
    CHECK(a.request_timeout == std::chrono::milliseconds{2500});
    CHECK(a.ca_file == "/etc/ca.pem");
    CHECK(a.api_key_file == "/run/key");
    const auto b = parsed({"job", "--json", "get", "--quiet", "5", "--base-url=http://127.0.0.1:8080",
                           "--request-timeout", "2.5", "--ca-file=/etc/ca.pem", "--api-key-file", "/run/key"});
    CHECK(a == b);
}

TEST_CASE("run options") {
    const auto cmd = parsed({"job", "run", "42", "--context-time", "2026-05-19 00:00:00", "--time-zone", "Etc/UTC",
                             "--wait", "--wait-timeout", "3600", "--poll-interval", "0.5"});
    CHECK(cmd.context_time == "2026-05-19 00:00:00");
    CHECK(cmd.time_zone == "Etc/UTC");
    CHECK(cmd.wait);
    CHECK(cmd.wait_timeout == std::chrono::milliseconds{3600s});
    CHECK(cmd.poll_interval == std::chrono::milliseconds{500});
    const auto defaults = parsed({"job", "run", "42", "--wait"});
    CHECK_FALSE(defaults.wait_timeout.has_value());
    CHECK_FALSE(defaults.poll_interval.has_value());
    CHECK_FALSE(defaults.request_timeout.has_value());
}

TEST_CASE("--var splits at the first '=' and keeps names and values exactly") {
    const auto cmd = parsed({"job", "run", "42", "--var", "$ad_id$=A0000", "--var=$q$=a=b=c", "--var",
                             "$with space$=  two  words ", "--var", "$日付$=東京 2026年", "--var", "$empty$=",
                             "--var", "$eq$=="});
    REQUIRE(cmd.variables.size() == 6);
    CHECK(cmd.variables[0] == trocco::custom_variable{"$ad_id$", "A0000"});
    CHECK(cmd.variables[1] == trocco::custom_variable{"$q$", "a=b=c"});
    CHECK(cmd.variables[2] == trocco::custom_variable{"$with space$", "  two  words "});
    CHECK(cmd.variables[3] == trocco::custom_variable{"$日付$", "東京 2026年"});
    CHECK(cmd.variables[4] == trocco::custom_variable{"$empty$", ""});
    CHECK(cmd.variables[5] == trocco::custom_variable{"$eq$", "="});

    SECTION("parse_variable") {
        CHECK(trocco::cli::parse_variable("a=b=c") == trocco::custom_variable{"a", "b=c"});
        CHECK_FALSE(trocco::cli::parse_variable("no-equals").has_value());
        CHECK_FALSE(trocco::cli::parse_variable("=value").has_value());
        CHECK_FALSE(trocco::cli::parse_variable("").has_value());
    }
    SECTION("a bad --var is a usage error") {
        CHECK(contains(refused({"job", "run", "42", "--var", "novalue"}).message, "NAME=VALUE"));
        CHECK(contains(refused({"job", "run", "42", "--var", "=x"}).message, "NAME=VALUE"));
        CHECK(contains(refused({"job", "run", "42", "--var"}).message, "needs a value"));
        CHECK(contains(refused({"job", "run", "42", "--var", "$a$=\xff"}).message, "UTF-8"));
    }
    SECTION("workflows take no custom variables") {
        CHECK(contains(refused({"pipeline", "run", "7", "--var", "a=b"}).message, "transfer jobs only"));
    }
}

TEST_CASE("ids") {
    using trocco::cli::parse_id;
    CHECK(parse_id("1") == 1);
    CHECK(parse_id("9223372036854775807") == 9223372036854775807);
    CHECK_FALSE(parse_id("0").has_value());
    CHECK_FALSE(parse_id("-1").has_value());
    CHECK_FALSE(parse_id("+1").has_value());
    CHECK_FALSE(parse_id(" 1").has_value());
    CHECK_FALSE(parse_id("1 ").has_value());
    CHECK_FALSE(parse_id("1x").has_value());
    CHECK_FALSE(parse_id("").has_value());
    CHECK_FALSE(parse_id("9223372036854775808").has_value());
    CHECK(contains(refused({"job", "get", "abc"}).message, "<job_id> must be a positive integer"));
    CHECK(contains(refused({"job", "run", "-4"}).message, "<job_definition_id> must be a positive integer"));
    CHECK(contains(refused({"pipeline", "wait", "0"}).message, "<pipeline_job_id>"));
}

TEST_CASE("durations are seconds, fractions allowed, rounded to the millisecond, > 0") {
    using trocco::cli::parse_seconds;
    CHECK(parse_seconds("30") == std::chrono::milliseconds{30000});
    CHECK(parse_seconds("0.5") == std::chrono::milliseconds{500});
    CHECK(parse_seconds("1.2345") == std::chrono::milliseconds{1235});
    CHECK(parse_seconds("1.2344") == std::chrono::milliseconds{1234});
    CHECK(parse_seconds("0.0005") == std::chrono::milliseconds{1});
    CHECK(parse_seconds("999999999") == std::chrono::milliseconds{999999999000});
    CHECK_FALSE(parse_seconds("0").has_value());
    CHECK_FALSE(parse_seconds("0.0004").has_value());
    CHECK_FALSE(parse_seconds("1000000000").has_value());
    CHECK_FALSE(parse_seconds("").has_value());
    CHECK_FALSE(parse_seconds(".5").has_value());
    CHECK_FALSE(parse_seconds("5.").has_value());
    CHECK_FALSE(parse_seconds("1e3").has_value());
    CHECK_FALSE(parse_seconds("-1").has_value());
    CHECK_FALSE(parse_seconds("+1").has_value());
    CHECK_FALSE(parse_seconds("1s").has_value());
    CHECK_FALSE(parse_seconds("1.2.3").has_value());
    CHECK(contains(refused({"job", "wait", "1", "--wait-timeout", "0"}).message, "greater than 0"));
    CHECK(contains(refused({"job", "wait", "1", "--poll-interval", "fast"}).message, "greater than 0"));
    CHECK(contains(refused({"job", "get", "1", "--request-timeout", "-1"}).message, "greater than 0"));
}

TEST_CASE("options apply only where they mean something") {
    CHECK(contains(refused({"job", "run", "42", "--wait-timeout", "10"}).message, "only with --wait"));
    CHECK(contains(refused({"job", "run", "42", "--poll-interval", "10"}).message, "only with --wait"));
    CHECK(contains(refused({"job", "get", "1", "--wait"}).message, "not an option of 'trocco job get'"));
    CHECK(contains(refused({"job", "wait", "1", "--wait"}).message, "not an option"));
    CHECK(contains(refused({"job", "get", "1", "--poll-interval", "1"}).message, "not an option"));
    CHECK(contains(refused({"pipeline", "wait", "1", "--context-time", "2026-05-19 00:00:00"}).message,
                   "not an option of 'trocco pipeline wait'"));
    CHECK(parsed({"job", "wait", "1", "--poll-interval", "1", "--wait-timeout", "2"}).wait_timeout ==
          std::chrono::milliseconds{2000});
}

TEST_CASE("context time and time zone are checked") {
    CHECK(contains(refused({"job", "run", "1", "--context-time", "2026-02-30 00:00:00"}).message, "--context-time"));
    CHECK(contains(refused({"job", "run", "1", "--context-time", "2026-05-19T00:00:00"}).message, "--context-time"));
    CHECK(contains(refused({"job", "run", "1", "--context-time", "2026-05-19"}).message, "--context-time"));
    CHECK(contains(refused({"job", "run", "1", "--time-zone", ""}).message, "--time-zone"));
    CHECK(parsed({"pipeline", "run", "1", "--context-time=2026-05-19 23:59:59"}).context_time ==
          "2026-05-19 23:59:59");
}

TEST_CASE("malformed command lines") {
    CHECK(contains(refused({}).message, "missing command"));
    CHECK(contains(refused({"jobs", "get", "1"}).message, "unknown command 'jobs'"));
    CHECK(contains(refused({"job"}).message, "needs a command: run, get or wait"));
    CHECK(contains(refused({"job", "start", "1"}).message, "unknown command 'trocco job start'"));
    CHECK(contains(refused({"job", "get"}).message, "needs <job_id>"));
    CHECK(contains(refused({"job", "get", "1", "--frobnicate"}).message, "unknown option --frobnicate"));
    CHECK(contains(refused({"job", "get", "1", "-x"}).message, "unknown option -x"));
    CHECK(contains(refused({"job", "get", "1", "--json=yes"}).message, "takes no value"));
    CHECK(contains(refused({"job", "get", "1", "--base-url"}).message, "--base-url needs a value"));
    CHECK(contains(refused({"job", "get", "1", "--base-url="}).message, "must not be empty"));
    CHECK(refused({"job", "get", "1", "--bad"}).help_command == "trocco job get --help");
    CHECK(refused({"pipeline"}).help_command == "trocco pipeline --help");
    CHECK(refused({"what"}).help_command == "trocco --help");
    SECTION("-- ends the options") {
        CHECK(parsed({"job", "get", "--json", "--", "5"}).id == 5);
        CHECK(contains(refused({"job", "get", "--", "--json"}).message, "positive integer"));
    }
}

TEST_CASE("the API key is never taken as an argument, and never repeated in a message") {
    const std::string secret = "sk_live_do_not_print_me";
    const std::string inline_key = "--api-key=" + secret;
    const std::string unknown_inline = "--unknown=" + secret;
    const std::vector<std::vector<std::string_view>> cases = {
        {"job", "get", "1", "--api-key", secret},
        {"job", "get", "1", inline_key},
        {"--token", secret, "job", "get", "1"},
        {"job", "get", "1", secret},
        {"job", "get", "1", unknown_inline},
    };
    for (const auto& args : cases) {
        const auto e = refused(args);
        CHECK_FALSE(contains(e.message, secret));
    }
    const auto e = refused({"job", "get", "1", "--api-key", secret});
    CHECK(contains(e.message, "TROCCO_API_KEY"));
    CHECK(contains(e.message, "--api-key-file"));
}

TEST_CASE("--help and --version") {
    using trocco::cli::help_request;
    const auto help_of = [](std::vector<std::string_view> args) {
        auto outcome = parse_arguments(args);
        REQUIRE(std::holds_alternative<help_request>(outcome));
        return std::get<help_request>(outcome).text;
    };
    CHECK(help_of({"--help"}).starts_with("usage: trocco [global options]"));
    CHECK(help_of({"job", "-h"}).starts_with("usage: trocco job <run|get|wait>"));
    CHECK(help_of({"pipeline", "--help"}).starts_with("usage: trocco pipeline <run|get|wait>"));
    CHECK(help_of({"job", "run", "--help"}).starts_with("usage: trocco job run <job_definition_id>"));
    CHECK(help_of({"--help", "job", "get"}).starts_with("usage: trocco job get <job_id>"));
    CHECK(help_of({"job", "wait", "--help"}).starts_with("usage: trocco job wait <job_id>"));
    CHECK(help_of({"pipeline", "run", "--help"}).starts_with("usage: trocco pipeline run <pipeline_definition_id>"));
    CHECK(help_of({"pipeline", "get", "--help"}).starts_with("usage: trocco pipeline get <pipeline_job_id>"));
    CHECK(help_of({"pipeline", "wait", "--help"}).starts_with("usage: trocco pipeline wait <pipeline_job_id>"));
    CHECK(help_of({"job", "run", "1", "--var", "bad", "--help"}).starts_with("usage: trocco job run"));
    CHECK(contains(help_of({"job", "run", "--help"}), "--var NAME=VALUE"));
    CHECK_FALSE(contains(help_of({"pipeline", "run", "--help"}), "--var"));
    for (const auto* words : {"", "job", "pipeline", "job run", "job get", "job wait", "pipeline run", "pipeline get",
                              "pipeline wait"}) {
        std::vector<std::string_view> args;
        std::string_view rest = words;
        while (!rest.empty()) {
            const auto space = rest.find(' ');
            args.push_back(rest.substr(0, space));
            rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
        }
        args.push_back("--help");
        const std::string text = help_of(args);
        CHECK(contains(text, std::string(trocco::cli::exit_code_help)));
        CHECK(contains(text, "--json"));
    }
    CHECK(std::holds_alternative<trocco::cli::version_request>(parse({"--version"})));
    CHECK(std::holds_alternative<trocco::cli::version_request>(parse({"job", "get", "1", "--version"})));
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

TEST_CASE("wait options: --poll-interval fixes the schedule, else the library's default") {
    const trocco::poll_schedule library_default{};
    const auto defaults = trocco::cli::make_wait_options(parsed({"job", "run", "1", "--wait"}), {});
    CHECK(defaults.poll.first_delay == library_default.first_delay);
    CHECK(defaults.poll.growth == library_default.growth);
    CHECK(defaults.poll.max_delay == library_default.max_delay);
    CHECK(defaults.poll.jitter == library_default.jitter);
    CHECK(defaults.timeout == trocco::wait_options{}.timeout);
    CHECK(defaults.error_confirmation_delay == trocco::wait_options{}.error_confirmation_delay);

    std::stop_source stop;
    const auto tuned = trocco::cli::make_wait_options(
        parsed({"pipeline", "wait", "1", "--poll-interval", "2.5", "--wait-timeout", "60"}), stop.get_token());
    CHECK(tuned.poll.first_delay == std::chrono::milliseconds{2500});
    CHECK(tuned.poll.max_delay == std::chrono::milliseconds{2500});
    CHECK(tuned.poll.growth == 1.0);
    CHECK(tuned.poll.jitter == 0.0);
    CHECK(trocco::poll_delay(tuned.poll, 7, 0.9) == std::chrono::milliseconds{2500});
    CHECK(tuned.error_confirmation_delay == trocco::wait_options{}.error_confirmation_delay);
    CHECK(tuned.timeout == std::chrono::milliseconds{60000});
    CHECK_FALSE(tuned.stop_token.stop_requested());
    stop.request_stop();
    CHECK(tuned.stop_token.stop_requested());
}

TEST_CASE("run requests carry the command line's values") {
    const auto job = trocco::cli::make_run_job_request(parsed(
        {"job", "run", "42", "--context-time", "2026-05-19 00:00:00", "--time-zone", "Etc/UTC", "--var", "$a$=1=2"}));
    CHECK(job.job_definition_id == 42);
    CHECK(job.context_time == "2026-05-19 00:00:00");
    CHECK(job.time_zone == "Etc/UTC");
    REQUIRE(job.custom_variables.size() == 1);
    CHECK(job.custom_variables[0] == trocco::custom_variable{"$a$", "1=2"});
    const auto bare = trocco::cli::make_run_job_request(parsed({"job", "run", "42"}));
    CHECK_FALSE(bare.context_time.has_value());
    CHECK_FALSE(bare.time_zone.has_value());
    CHECK(bare.custom_variables.empty());
    const auto pipeline = trocco::cli::make_run_workflow_request(parsed({"pipeline", "run", "7", "--time-zone", "UTC"}));
    CHECK(pipeline.workflow_definition_id == 7);
    CHECK(pipeline.time_zone == "UTC");
    CHECK_FALSE(pipeline.context_time.has_value());
}
