// tests/cli/test_cli_output.cpp - what `trocco` prints (JSON, summaries, list lines, error reports) and the exit
// code of every outcome; one code path for every job kind.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "../catch.hpp"
#include "../support/jobs.hpp"
#include "../support/text.hpp"

#include "exit_codes.hpp"
#include "output.hpp"
#include "parser.hpp"
#include "run.hpp"
#include "../support/timestamps.hpp"

using trocco::errc;
using trocco::cli::command_line;
using trocco::cli::command_outcome;
using trocco::cli::make_final_report;

namespace {

using test_support::at;
using test_support::make_job;

trocco::job finished_job() {
    return make_job<trocco::job>(100001, 42, "夜間ロード", trocco::job_status::succeeded,
                                 {at("2026-05-19T09:00:00.000+09:00"), at("2026-05-19T09:00:01.250+09:00"),
                                  at("2026-05-19T09:00:13.500+09:00")});
}

trocco::workflow_job queued_workflow_job() {
    auto j = make_job<trocco::workflow_job>(200001, 7, "daily", trocco::job_status::queued,
                                            {at("2026-05-19T00:00:00Z"), {}, {}});
    j.context_time = "2026-05-19T09:00:00.000+09:00";
    return j;
}

trocco::datamart_job started_datamart_job() {
    return test_support::datamart_job(300001, 5, trocco::job_status::queued, "2026-05-19 00:00:00");
}

/// The command line of `args` (which must parse).
command_line command(std::vector<std::string_view> args) {
    auto outcome = trocco::cli::parse_arguments(args);
    REQUIRE(std::holds_alternative<command_line>(outcome));
    return std::get<command_line>(outcome);
}

using test_support::contains;

}  // namespace

TEST_CASE("a transfer job as JSON: the API's field names, in order, RFC 3339 UTC times, null when absent") {
    const auto j = trocco::cli::to_json(trocco::any_job{finished_job()});
    CHECK(j.dump() == R"({"id":100001,"job_definition_id":42,"job_definition_name":"夜間ロード","status":"succeeded",)"
                      R"("created_at":"2026-05-19T00:00:00.000Z","started_at":"2026-05-19T00:00:01.250Z",)"
                      R"("finished_at":"2026-05-19T00:00:13.500Z"})");
    trocco::job bare;
    bare.id = 5;
    bare.job_definition_id = 6;
    bare.raw_status = "paused";  // a status this library does not know is passed on as sent
    CHECK(trocco::cli::json_line(trocco::any_job{bare}) ==
          R"({"id":5,"job_definition_id":6,"job_definition_name":null,"status":"paused","created_at":null,)"
          R"("started_at":null,"finished_at":null})"
          "\n");
    bare.raw_status.clear();
    bare.status = trocco::job_status::queued;
    CHECK(trocco::cli::to_json(trocco::any_job{bare})["status"] == "queued");
}

TEST_CASE("a workflow job as JSON") {
    CHECK(trocco::cli::json_line(trocco::any_job{queued_workflow_job()}) ==
          R"({"id":200001,"pipeline_definition_id":7,"name":"daily","status":"queued",)"
          R"("created_at":"2026-05-19T00:00:00.000Z","started_at":null,"finished_at":null,)"
          R"("context_time":"2026-05-19T09:00:00.000+09:00"})"
          "\n");
    auto j = queued_workflow_job();
    j.context_time.reset();
    CHECK(trocco::cli::to_json(trocco::any_job{j})["context_time"].is_null());
}

TEST_CASE("JSON output is one line, UTF-8 kept, invalid bytes replaced rather than thrown") {
    auto j = finished_job();
    j.job_definition_name = "a\nb \"q\" \xff end";
    const std::string line = trocco::cli::json_line(trocco::any_job{j});  // an exception here fails the test
    CHECK(line.find('\n') == line.size() - 1);
    const auto back = nlohmann::json::parse(line);
    CHECK(back["job_definition_name"] == "a\nb \"q\" \xEF\xBF\xBD end");
}

TEST_CASE("a datamart job as JSON: datamart_definition_id, context_time, null status when trocco sent none") {
    CHECK(trocco::cli::json_line(trocco::any_job{started_datamart_job()}) ==
          R"({"id":300001,"datamart_definition_id":5,"status":"queued","created_at":null,)"
          R"("context_time":"2026-05-19 00:00:00"})"
          "\n");
    trocco::datamart_job bare;
    bare.id = 1;
    bare.datamart_definition_id = 2;
    CHECK(trocco::cli::to_json(trocco::any_job{bare})["status"].is_null());
}

TEST_CASE("summary lines, every kind") {
    CHECK(trocco::cli::summary_line(finished_job()) ==
          "job 100001 succeeded: definition 42 (夜間ロード), created 2026-05-19T00:00:00.000Z, started "
          "2026-05-19T00:00:01.250Z, finished 2026-05-19T00:00:13.500Z (ran 12s)\n");
    CHECK(trocco::cli::summary_line(queued_workflow_job()) ==
          "workflow job 200001 queued: definition 7 (daily), context time 2026-05-19T09:00:00.000+09:00, created "
          "2026-05-19T00:00:00.000Z\n");
    CHECK(trocco::cli::summary_line(started_datamart_job()) ==
          "datamart job 300001 queued: definition 5, context time 2026-05-19 00:00:00\n");
    trocco::job bare;
    bare.id = 3;
    bare.job_definition_id = 4;
    bare.raw_status = "queued";
    CHECK(trocco::cli::summary_line(bare) == "job 3 queued: definition 4\n");
    bare.raw_status = "we\x1b[31mird";
    CHECK(trocco::cli::summary_line(bare) == "job 3 we?[31mird: definition 4\n");
}

TEST_CASE("durations as people read them") {
    using trocco::cli::format_elapsed;
    using ms = std::chrono::milliseconds;
    CHECK(format_elapsed(ms{0}) == "0s");
    CHECK(format_elapsed(ms{999}) == "0s");
    CHECK(format_elapsed(ms{-5000}) == "0s");
    CHECK(format_elapsed(ms{45'000}) == "45s");
    CHECK(format_elapsed(ms{723'000}) == "12m03s");
    CHECK(format_elapsed(ms{7'507'000}) == "2h05m07s");
    CHECK(format_elapsed(ms{273'600'000}) == "3d04h00m");
    CHECK(format_elapsed(ms::max()) .size() < 30);
}

TEST_CASE("list lines and JSON arrays") {
    CHECK(trocco::cli::list_line(finished_job()) == "100001  succeeded  created 2026-05-19T00:00:00.000Z  ran 12s\n");
    trocco::definition_summary d;
    d.id = 42;
    d.name = "nightly load";
    d.description = "loads\x1b[2J everything";
    d.labels = {"prod", "daily"};
    CHECK(trocco::cli::list_line(d) == "42  nightly load  [prod, daily]  loads?[2J everything\n");
    trocco::definition_summary plain;
    plain.id = 7;
    plain.name = "w";
    CHECK(trocco::cli::list_line(plain) == "7  w\n");
    CHECK(trocco::cli::json_array(std::vector<trocco::job>{}) == "[]\n");
    const auto jobs = nlohmann::json::parse(trocco::cli::json_array(std::vector<trocco::job>{finished_job(), finished_job()}));
    REQUIRE(jobs.is_array());
    CHECK(jobs.size() == 2);
    CHECK(jobs[0]["job_definition_id"] == 42);
    const auto defs = nlohmann::json::parse(trocco::cli::json_array(std::vector<trocco::definition_summary>{d, plain}));
    CHECK(defs[0]["labels"] == nlohmann::json::array({"prod", "daily"}));
    CHECK(defs[1]["description"].is_null());
    CHECK(defs[1]["created_at"].is_null());
}

TEST_CASE("printable keeps UTF-8 and replaces control characters and broken bytes") {
    CHECK(trocco::cli::printable("東京 ok") == "東京 ok");
    CHECK(trocco::cli::printable("a\tb\nc\x7f") == "a?b?c?");
    CHECK(trocco::cli::printable("x\xe6\x9d") == "x??");
    CHECK(trocco::cli::printable("\xc3\xa9") == "\xc3\xa9");
}

TEST_CASE("every error kind has its exit code") {
    using trocco::cli::exit_code_for;
    const auto code = [](errc e, int status = 0) { return exit_code_for(trocco::error{e, "x", status}); };
    CHECK(code(errc::job_failed) == 1);
    CHECK(code(errc::invalid_argument) == 2);
    CHECK(code(errc::store_failure) == 2);
    CHECK(code(errc::job_canceled) == 3);
    CHECK(code(errc::job_skipped) == 4);
    CHECK(code(errc::bad_request, 400) == 5);
    CHECK(code(errc::bad_request, 422) == 5);
    CHECK(code(errc::unauthorized, 401) == 5);
    CHECK(code(errc::forbidden, 403) == 5);
    CHECK(code(errc::not_found, 404) == 5);
    CHECK(code(errc::http_error, 409) == 5);
    CHECK(code(errc::http_error, 301) == 6);
    CHECK(code(errc::rate_limited, 429) == 6);
    CHECK(code(errc::server_error, 503) == 6);
    CHECK(code(errc::protocol_error, 200) == 6);
    CHECK(code(errc::connect_failed) == 6);
    CHECK(code(errc::transport_failure) == 6);
    CHECK(code(errc::wait_timeout) == 7);
    CHECK(code(errc::outcome_unknown) == 8);
    CHECK(code(errc::canceled) == 130);
    CHECK(trocco::cli::exit_code_for_signal(2) == 130);
    CHECK(trocco::cli::exit_code_for_signal(15) == 143);
}

TEST_CASE("the final report") {
    SECTION("--json, succeeded: the job alone on stdout, exit 0") {
        command_outcome o;
        o.job = finished_job();
        const auto r = make_final_report(command({"job", "run", "42", "--wait", "--json"}), o);
        CHECK(r.out == trocco::cli::json_line(finished_job()));
        CHECK(r.err.empty());
        CHECK(r.exit_code == 0);
    }
    SECTION("a failed job: its final state is still printed (JSON or summary), exit 1, the id named once") {
        auto failed = finished_job();
        failed.status = trocco::job_status::error;
        failed.raw_status = "error";
        const auto o = trocco::cli::outcome_of(trocco::result<trocco::job>(
            trocco::error{errc::job_failed, "transfer job 100001 ended in error"}.with_last_job(failed)));
        REQUIRE(o.job.has_value());
        const auto json = make_final_report(command({"job", "wait", "100001", "--json"}), o);
        CHECK(json.out == trocco::cli::json_line(failed));
        CHECK(json.exit_code == 1);
        CHECK(json.err == "trocco: error: job_failed: transfer job 100001 ended in error\n");
        const auto human = make_final_report(command({"job", "wait", "100001"}), o);
        CHECK(human.out == trocco::cli::summary_line(failed));
    }
    SECTION("run without --wait: the id alone on stdout; a datamart run: its summary") {
        command_outcome o;
        o.job = finished_job();
        CHECK(make_final_report(command({"job", "run", "42"}), o).out == "100001\n");
        command_outcome p;
        p.job = queued_workflow_job();
        CHECK(make_final_report(command({"workflow", "run", "7"}), p).out == "200001\n");
        CHECK(make_final_report(command({"workflow", "run", "7", "--json"}), p).out ==
              trocco::cli::json_line(queued_workflow_job()));
        command_outcome d;
        d.job = started_datamart_job();
        CHECK(make_final_report(command({"datamart", "run", "5"}), d).out ==
              trocco::cli::summary_line(started_datamart_job()));
    }
    SECTION("a wait timeout names the job to wait for again, exit 7") {
        const auto o = trocco::cli::outcome_of(trocco::result<trocco::workflow_job>(
            trocco::error{errc::wait_timeout, "gave up"}.with_last_job(queued_workflow_job())));
        const auto r = make_final_report(command({"workflow", "wait", "200001", "--json"}), o);
        CHECK(r.exit_code == 7);
        CHECK(r.out == trocco::cli::json_line(queued_workflow_job()));
        CHECK(contains(r.err, "trocco: error: wait_timeout: gave up [job 200001]\n"));
        CHECK(contains(r.err, "workflow job 200001 may still be running on trocco; wait again with: trocco workflow "
                              "wait 200001"));
    }
    SECTION("stopped by a signal: 130 for SIGINT, 143 for SIGTERM; the job id, or whether one may have started") {
        const auto o = trocco::cli::outcome_of(
            trocco::result<trocco::job>(trocco::error{errc::canceled, "stopped"}.with_job_id(100001)));
        const auto run_wait = command({"job", "run", "42", "--wait"});
        const auto r = make_final_report(run_wait, o, 2);
        CHECK(r.exit_code == 130);
        CHECK(r.out.empty());
        CHECK(contains(r.err, "interrupted by SIGINT; job 100001 keeps running on trocco; wait again with: trocco "
                              "job wait 100001"));
        CHECK(make_final_report(run_wait, o, 15).exit_code == 143);
        CHECK(contains(make_final_report(run_wait, o, 15).err, "interrupted by SIGTERM"));

        const auto nothing = trocco::cli::outcome_of(trocco::result<trocco::job>(
            trocco::error{errc::canceled, "stopped before sending"}.with_nothing_sent()));
        const auto n = make_final_report(run_wait, nothing, 15);
        CHECK(n.exit_code == 143);
        CHECK(contains(n.err, "the job was not started"));
        const auto maybe = trocco::cli::outcome_of(
            trocco::result<trocco::job>(trocco::error{errc::canceled, "stopped while sending"}));
        const auto m = make_final_report(run_wait, maybe, 2);
        CHECK(m.exit_code == 130);
        CHECK(contains(m.err, "the job may have started"));
        CHECK_FALSE(contains(m.err, "not started"));
        const auto w = make_final_report(command({"workflow", "run", "7", "--wait"}), nothing, 2);
        CHECK(contains(w.err, "the workflow job was not started"));

        const auto early = make_final_report(command({"job", "get", "5"}), trocco::cli::outcome_of(
                                                 trocco::result<trocco::job>(trocco::error{errc::canceled, "stopped"})), 2);
        CHECK(early.exit_code == 130);
        CHECK(contains(early.err, "trocco: interrupted by SIGINT\n"));
    }
    SECTION("outcome unknown: exit 8, do not blindly rerun; candidates listed") {
        const auto sent = std::chrono::system_clock::time_point{at("2026-05-19T00:00:00.500Z")};
        const auto o = trocco::cli::outcome_of(trocco::result<trocco::job>(
            trocco::error{errc::outcome_unknown, "trocco answered 503"}.with_definition_id(42).with_trigger_time(sent)));
        const auto r = make_final_report(command({"job", "run", "42", "--wait", "--json"}), o);
        CHECK(r.exit_code == 8);
        CHECK(r.out.empty());
        CHECK(contains(r.err, "do not blindly rerun: the request to start transfer definition 42 (sent at "
                              "2026-05-19T00:00:00.500Z) may or may not have started a job"));
        const auto several = trocco::cli::outcome_of(trocco::result<trocco::job>(
            trocco::error{errc::outcome_unknown, "several"}.with_definition_id(42).with_candidate_job_ids({5, 6})));
        CHECK(contains(make_final_report(command({"job", "run", "42", "--wait"}), several).err,
                       "jobs created since then: 5 6"));
    }
    SECTION("store failure: exit 2, nothing was sent") {
        const auto o = trocco::cli::outcome_of(
            trocco::result<trocco::job>(trocco::error{errc::store_failure, "corrupt record /s/k.json"}));
        const auto r = make_final_report(command({"job", "run", "42", "--wait", "--idempotency-key", "k"}), o);
        CHECK(r.exit_code == 2);
        CHECK(contains(r.err, "nothing was sent"));
    }
    SECTION("refused: exit 5, the server's message, nothing on stdout") {
        const auto o = trocco::cli::outcome_of(
            trocco::result<trocco::job>(trocco::error{errc::unauthorized, "Unauthorized", 401}.with_job_id(9)));
        const auto r = make_final_report(command({"job", "get", "9", "--json"}), o);
        CHECK(r.exit_code == 5);
        CHECK(r.out.empty());
        CHECK(contains(r.err, "trocco: error: unauthorized (HTTP 401): Unauthorized [job 9]"));
        CHECK(contains(r.err, "TROCCO_API_KEY"));
    }
    SECTION("unavailable during a wait: exit 6, the job may still be running") {
        const auto o = trocco::cli::outcome_of(trocco::result<trocco::job>(
            trocco::error{errc::server_error, "polling transfer job 9: Service Unavailable", 503}.with_job_id(9)));
        const auto r = make_final_report(command({"job", "wait", "9"}), o);
        CHECK(r.exit_code == 6);
        CHECK(contains(r.err, "trocco: error: server_error (HTTP 503): polling transfer job 9: Service Unavailable\n"));
        CHECK(contains(r.err, "wait again with: trocco job wait 9"));
    }
    SECTION("lists: one line per item, or one JSON array; a failed list prints no partial array") {
        command_outcome o;
        o.jobs = {finished_job()};
        CHECK(make_final_report(command({"job", "list", "42"}), o).out == trocco::cli::list_line(finished_job()));
        CHECK(make_final_report(command({"job", "list", "42", "--json"}), o).out ==
              trocco::cli::json_array(o.jobs));
        o.failure = trocco::error{errc::protocol_error, "the list returned a cursor it had returned before"};
        const auto failed = make_final_report(command({"job", "list", "42", "--json"}), o);
        CHECK(failed.out.empty());
        CHECK(failed.exit_code == 6);
        command_outcome d;
        CHECK(make_final_report(command({"definitions", "list", "workflow", "--json"}), d).out == "[]\n");
    }
    SECTION("notes go to stderr") {
        command_outcome o;
        o.job = finished_job();
        o.notes = {"could not read the job history"};
        CHECK(make_final_report(command({"job", "wait", "1"}), o).err == "trocco: could not read the job history\n");
    }
    SECTION("a server message with control characters is printed safely") {
        const auto o = trocco::cli::outcome_of(
            trocco::result<trocco::job>(trocco::error{errc::bad_request, "bad\x1b]0;title\x07 input", 400}));
        const auto r = make_final_report(command({"job", "run", "42"}), o);
        CHECK(contains(r.err, "bad?]0;title? input"));
    }
}

TEST_CASE("the exit-code table lists every code") {
    const std::string_view table = trocco::cli::exit_code_help;
    for (const auto* line : {"\n  0 ", "\n  1 ", "\n  2 ", "\n  3 ", "\n  4 ", "\n  5 ", "\n  6 ", "\n  7 ", "\n  8 ",
                             "\n  130 "}) {
        CHECK(contains(table, line));
    }
    CHECK(contains(table, "143 terminated by SIGTERM"));
}
