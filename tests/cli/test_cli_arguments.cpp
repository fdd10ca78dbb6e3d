// tests/cli/test_cli_arguments.cpp - the command line of `trocco`: parsing and checking, and how the parsed options
// become the client's requests and wait options. Help and credentials: test_cli_help.cpp.
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
#include "run.hpp"

using namespace std::chrono_literals;
using trocco::job_kind;
using trocco::cli::command_id;
using trocco::cli::command_line;
using trocco::cli::verb;

namespace {

trocco::cli::parse_outcome parse(std::vector<std::string_view> args) { return trocco::cli::parse_arguments(args); }

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

using test_support::contains;

}  // namespace

TEST_CASE("the commands parse, with the id") {
    auto cmd = parsed({"job", "run", "42"});
    CHECK(cmd.kind() == job_kind::transfer);
    CHECK(cmd.what() == verb::run);
    CHECK(cmd.id == 42);
    CHECK_FALSE(cmd.wait);
    CHECK_FALSE(cmd.waits());

    cmd = parsed({"job", "get", "100001"});
    CHECK((cmd.what() == verb::get && cmd.id == 100001));
    cmd = parsed({"job", "wait", "9223372036854775807"});
    CHECK((cmd.what() == verb::wait && cmd.id == 9223372036854775807));
    CHECK(cmd.waits());
    cmd = parsed({"workflow", "run", "7", "--wait"});
    CHECK((cmd.kind() == job_kind::workflow && cmd.what() == verb::run && cmd.wait && cmd.waits()));
    cmd = parsed({"workflow", "get", "200001"});
    CHECK((cmd.kind() == job_kind::workflow && cmd.what() == verb::get));
    cmd = parsed({"workflow", "wait", "200001"});
    CHECK((cmd.kind() == job_kind::workflow && cmd.what() == verb::wait));
    CHECK(std::holds_alternative<trocco::cli::usage_error>(parse({"pipeline", "run", "7"})));
}

TEST_CASE("global options go before or after the command, as --name value or --name=value") {
    const auto a = parsed({"--base-url", "http://127.0.0.1:8080", "--json", "job", "get", "5", "--quiet",
                           "--request-timeout=2.5", "--ca-file", "/etc/ca.pem", "--api-key-file=/run/key"});
    CHECK(a.base_url == "http://127.0.0.1:8080");
    CHECK(a.json);
    CHECK(a.progress == trocco::cli::progress_mode::none);
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
        CHECK(contains(refused({"workflow", "run", "7", "--var", "a=b"}).message, "transfer and datamart jobs only"));
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
    CHECK(contains(refused({"workflow", "wait", "0"}).message, "<workflow_job_id>"));
}

TEST_CASE("durations: seconds, or numbers with units ms, s, m, h; fractions rounded to the millisecond; > 0") {
    using trocco::cli::parse_duration;
    using ms = std::chrono::milliseconds;
    CHECK(parse_duration("30") == ms{30000});
    CHECK(parse_duration("90") == ms{90000});
    CHECK(parse_duration("90s") == ms{90000});
    CHECK(parse_duration("15m") == ms{900000});
    CHECK(parse_duration("2h") == ms{7200000});
    CHECK(parse_duration("1h30m") == ms{5400000});
    CHECK(parse_duration("1m30s") == ms{90000});
    CHECK(parse_duration("250ms") == ms{250});
    CHECK(parse_duration("1.5m") == ms{90000});
    CHECK(parse_duration("0.5") == ms{500});
    CHECK(parse_duration("1.2345") == ms{1235});
    CHECK(parse_duration("1.2344") == ms{1234});
    CHECK(parse_duration("0.0005") == ms{1});
    CHECK(parse_duration("999999999") == ms{999999999000});
    CHECK_FALSE(parse_duration("0").has_value());
    CHECK_FALSE(parse_duration("0s").has_value());
    CHECK_FALSE(parse_duration("0.0004").has_value());
    CHECK_FALSE(parse_duration("1000000000").has_value());
    CHECK_FALSE(parse_duration("300000h").has_value());
    CHECK_FALSE(parse_duration("").has_value());
    CHECK_FALSE(parse_duration(".5").has_value());
    CHECK_FALSE(parse_duration("5.").has_value());
    CHECK_FALSE(parse_duration("1e3").has_value());
    CHECK_FALSE(parse_duration("-1").has_value());
    CHECK_FALSE(parse_duration("+1").has_value());
    CHECK_FALSE(parse_duration("1d").has_value());
    CHECK_FALSE(parse_duration("s").has_value());
    CHECK_FALSE(parse_duration("1.2.3").has_value());
    CHECK_FALSE(parse_duration("90 s").has_value());
    CHECK_FALSE(parse_duration("1h 30m").has_value());
    CHECK(parsed({"job", "wait", "1", "--wait-timeout", "2h"}).wait_timeout == ms{7200000});
    CHECK(parsed({"job", "wait", "1", "--poll-interval=15m"}).poll_interval == ms{900000});
    CHECK(contains(refused({"job", "wait", "1", "--wait-timeout", "0"}).message, "greater than 0"));
    CHECK(contains(refused({"job", "wait", "1", "--poll-interval", "fast"}).message, "90s, 15m, 2h"));
    CHECK(contains(refused({"job", "get", "1", "--request-timeout", "-1"}).message, "greater than 0"));
}

TEST_CASE("options apply only where they mean something") {
    CHECK(contains(refused({"job", "run", "42", "--wait-timeout", "10"}).message, "only with --wait"));
    CHECK(contains(refused({"job", "run", "42", "--poll-interval", "10"}).message, "only with --wait"));
    CHECK(contains(refused({"job", "get", "1", "--wait"}).message, "not an option of 'trocco job get'"));
    CHECK(contains(refused({"job", "wait", "1", "--wait"}).message, "not an option"));
    CHECK(contains(refused({"job", "get", "1", "--poll-interval", "1"}).message, "not an option"));
    CHECK(contains(refused({"workflow", "wait", "1", "--context-time", "2026-05-19 00:00:00"}).message,
                   "not an option of 'trocco workflow wait'"));
    CHECK(parsed({"job", "wait", "1", "--poll-interval", "1", "--wait-timeout", "2"}).wait_timeout ==
          std::chrono::milliseconds{2000});
}

TEST_CASE("context time and time zone are checked") {
    CHECK(contains(refused({"job", "run", "1", "--context-time", "2026-02-30 00:00:00"}).message, "--context-time"));
    CHECK(contains(refused({"job", "run", "1", "--context-time", "2026-05-19T00:00:00"}).message, "--context-time"));
    CHECK(contains(refused({"job", "run", "1", "--context-time", "2026-05-19"}).message, "--context-time"));
    CHECK(contains(refused({"job", "run", "1", "--time-zone", ""}).message, "--time-zone"));
    CHECK(parsed({"workflow", "run", "1", "--context-time=2026-05-19 23:59:59"}).context_time ==
          "2026-05-19 23:59:59");
}

TEST_CASE("malformed command lines") {
    CHECK(contains(refused({}).message, "missing command"));
    CHECK(contains(refused({"jobs", "get", "1"}).message, "unknown command 'jobs'"));
    CHECK(contains(refused({"job"}).message, "needs a command: run, get, wait or list"));
    CHECK(contains(refused({"job", "start", "1"}).message, "unknown command 'trocco job start'"));
    CHECK(contains(refused({"job", "get"}).message, "needs <job_id>"));
    CHECK(contains(refused({"job", "get", "1", "--frobnicate"}).message, "unknown option --frobnicate"));
    CHECK(contains(refused({"job", "get", "1", "-x"}).message, "unknown option -x"));
    CHECK(contains(refused({"job", "get", "1", "--json=yes"}).message, "takes no value"));
    CHECK(contains(refused({"job", "get", "1", "--base-url"}).message, "--base-url needs a value"));
    CHECK(contains(refused({"job", "get", "1", "--base-url="}).message, "must not be empty"));
    CHECK(refused({"job", "get", "1", "--bad"}).help_command == "trocco help job get");
    CHECK(refused({"workflow"}).help_command == "trocco help workflow");
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

TEST_CASE("the new commands: datamart run, job list, definitions list") {
    auto d = parsed({"datamart", "run", "5", "--var", "$a$=1", "--memo", "m", "--time-zone", "Etc/UTC"});
    CHECK(d.command == command_id::datamart_run);
    CHECK(d.kind() == job_kind::datamart);
    CHECK(d.memo == "m");
    CHECK_FALSE(d.waits());
    CHECK(contains(refused({"datamart", "run", "5", "--wait"}).message, "not an option of 'trocco datamart run'"));
    CHECK(contains(refused({"datamart", "run", "5", "--memo", "a\x1b[2J"}).message, "--memo"));

    auto l = parsed({"job", "list", "42", "--since", "2026-05-01 00:00:00", "--until=2026-05-31 23:59:59",
                     "--time-zone", "Etc/UTC", "--limit", "20", "--json"});
    CHECK(l.command == command_id::job_list);
    CHECK(l.id == 42);
    CHECK(l.since == "2026-05-01 00:00:00");
    CHECK(l.until == "2026-05-31 23:59:59");
    CHECK(l.limit == 20);
    const auto q = trocco::cli::make_history_query(l);
    CHECK(q.start_time == "2026-05-01 00:00:00");
    CHECK(q.end_time == "2026-05-31 23:59:59");
    CHECK(q.time_zone == "Etc/UTC");
    CHECK(q.page_size == 20);
    CHECK(trocco::cli::make_history_query(parsed({"job", "list", "42"})).page_size == 100);
    CHECK(contains(refused({"job", "list", "42", "--since", "yesterday"}).message, "--since"));
    CHECK(contains(refused({"job", "list", "42", "--limit", "0"}).message, "--limit"));

    for (const auto* kind : {"job", "workflow", "datamart"}) {
        auto def = parsed({"definitions", "list", kind});
        CHECK(def.command == command_id::definitions_list);
    }
    CHECK(parsed({"definitions", "list", "workflow"}).kind() == job_kind::workflow);
    CHECK(parsed({"definitions", "list", "datamart", "--name", "daily"}).name == "daily");
    CHECK(contains(refused({"definitions", "list", "pipeline"}).message, "job, workflow or datamart"));
    CHECK(contains(refused({"definitions", "list", "workflow", "--name", "x"}).message, "no name filter"));
    CHECK(trocco::cli::make_definition_query(parsed({"definitions", "list", "job", "--limit", "500"})).page_size == 100);
}

TEST_CASE("--reconcile, --idempotency-key and --state-dir") {
    auto r = parsed({"job", "run", "42", "--wait", "--reconcile", "--idempotency-key", "nightly-1", "--state-dir",
                     "/tmp/s"});
    CHECK(r.reconcile);
    CHECK(r.idempotency_key == "nightly-1");
    CHECK(r.state_dir == "/tmp/s");
    const auto options = trocco::cli::make_wait_options(r, {});
    CHECK(options.reconcile);
    CHECK(options.idempotency_key == "nightly-1");
    CHECK(parsed({"workflow", "run", "7", "--wait", "--idempotency-key", "k"}).idempotency_key == "k");
    CHECK(contains(refused({"job", "run", "42", "--reconcile"}).message, "only with --wait"));
    CHECK(contains(refused({"job", "run", "42", "--idempotency-key", "k"}).message, "only with --wait"));
    CHECK(contains(refused({"job", "run", "42", "--state-dir", "/tmp/s"}).message, "only with --wait"));
    CHECK(parsed({"job", "wait", "1", "--state-dir", "/tmp/s"}).state_dir == "/tmp/s");
    CHECK(contains(refused({"workflow", "run", "7", "--wait", "--reconcile"}).message, "not an option"));
    CHECK(contains(refused({"job", "get", "1", "--idempotency-key", "k"}).message, "not an option"));
}

TEST_CASE("--progress and -q") {
    using trocco::cli::progress_mode;
    CHECK(parsed({"job", "wait", "1"}).progress == progress_mode::automatic);
    CHECK(parsed({"job", "wait", "1", "--progress", "tty"}).progress == progress_mode::tty);
    CHECK(parsed({"job", "wait", "1", "--progress=plain"}).progress == progress_mode::plain);
    CHECK(parsed({"job", "wait", "1", "--progress", "none"}).progress == progress_mode::none);
    CHECK(parsed({"-q", "job", "wait", "1"}).progress == progress_mode::none);
    CHECK(contains(refused({"job", "wait", "1", "--progress", "fancy"}).message, "auto, tty, plain or none"));
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
        parsed({"workflow", "wait", "1", "--poll-interval", "2.5", "--wait-timeout", "60"}), stop.get_token());
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
    const auto job = trocco::cli::make_run_request<trocco::job>(parsed(
        {"job", "run", "42", "--context-time", "2026-05-19 00:00:00", "--time-zone", "Etc/UTC", "--var", "$a$=1=2"}));
    CHECK(job.job_definition_id == 42);
    CHECK(job.context_time == "2026-05-19 00:00:00");
    CHECK(job.time_zone == "Etc/UTC");
    REQUIRE(job.custom_variables.size() == 1);
    CHECK(job.custom_variables[0] == trocco::custom_variable{"$a$", "1=2"});
    const auto bare = trocco::cli::make_run_request<trocco::job>(parsed({"job", "run", "42"}));
    CHECK_FALSE(bare.context_time.has_value());
    CHECK_FALSE(bare.time_zone.has_value());
    CHECK(bare.custom_variables.empty());
    const auto workflow = trocco::cli::make_run_request<trocco::workflow_job>(parsed({"workflow", "run", "7", "--time-zone", "UTC"}));
    CHECK(workflow.workflow_definition_id == 7);
    CHECK(workflow.time_zone == "UTC");
    CHECK_FALSE(workflow.context_time.has_value());
    const auto datamart = trocco::cli::make_run_request<trocco::datamart_job>(parsed(
        {"datamart", "run", "5", "--memo", "backfill", "--var", "$d$=1", "--context-time", "2026-05-19 00:00:00"}));
    CHECK(datamart.datamart_definition_id == 5);
    CHECK(datamart.memo == "backfill");
    REQUIRE(datamart.custom_variables.size() == 1);
    CHECK(datamart.custom_variables[0] == trocco::custom_variable{"$d$", "1"});
    CHECK(datamart.context_time == "2026-05-19 00:00:00");
}
