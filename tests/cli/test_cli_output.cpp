// tests/cli/test_cli_output.cpp - what `trocco` prints (JSON, progress lines, summaries, error reports) and the
// exit code of every outcome.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "../catch.hpp"

#include "exit_codes.hpp"
#include "output.hpp"
#include "run.hpp"

using trocco::errc;
using trocco::cli::command_line;
using trocco::cli::command_outcome;
using trocco::cli::make_final_report;

namespace {

trocco::timestamp at(std::string_view text) {
    const auto t = trocco::parse_rfc3339(text);
    REQUIRE(t.has_value());
    return *t;
}

trocco::job finished_job() {
    trocco::job j;
    j.id = 100001;
    j.job_definition_id = 42;
    j.job_definition_name = "夜間ロード";
    j.status = trocco::job_status::succeeded;
    j.raw_status = "succeeded";
    j.created_at = at("2026-05-19T09:00:00.000+09:00");
    j.started_at = at("2026-05-19T09:00:01.250+09:00");
    j.finished_at = at("2026-05-19T09:00:13.500+09:00");
    return j;
}

trocco::workflow_job queued_pipeline_job() {
    trocco::workflow_job j;
    j.id = 200001;
    j.workflow_definition_id = 7;
    j.name = "daily";
    j.status = trocco::job_status::queued;
    j.raw_status = "queued";
    j.created_at = at("2026-05-19T00:00:00Z");
    j.context_time = "2026-05-19T09:00:00.000+09:00";
    return j;
}

command_line command(trocco::cli::resource what, trocco::cli::action verb, bool json = false, bool wait = false) {
    command_line cmd;
    cmd.what = what;
    cmd.verb = verb;
    cmd.id = 42;
    cmd.json = json;
    cmd.wait = wait;
    return cmd;
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

}  // namespace

TEST_CASE("a transfer job as JSON: the API's field names, in order, RFC 3339 UTC times, null when absent") {
    const auto j = trocco::cli::to_json(finished_job());
    CHECK(j.dump() == R"({"id":100001,"job_definition_id":42,"job_definition_name":"夜間ロード","status":"succeeded",)"
                      R"("created_at":"2026-05-19T00:00:00.000Z","started_at":"2026-05-19T00:00:01.250Z",)"
                      R"("finished_at":"2026-05-19T00:00:13.500Z"})");
    trocco::job bare;
    bare.id = 5;
    bare.job_definition_id = 6;
    bare.raw_status = "paused";  // a status this library does not know is passed on as sent
    CHECK(trocco::cli::json_line(bare) ==
          R"({"id":5,"job_definition_id":6,"job_definition_name":null,"status":"paused","created_at":null,)"
          R"("started_at":null,"finished_at":null})"
          "\n");
    bare.raw_status.clear();
    bare.status = trocco::job_status::queued;
    CHECK(trocco::cli::to_json(bare)["status"] == "queued");
}

TEST_CASE("a workflow job as JSON") {
    CHECK(trocco::cli::json_line(queued_pipeline_job()) ==
          R"({"id":200001,"pipeline_definition_id":7,"name":"daily","status":"queued",)"
          R"("created_at":"2026-05-19T00:00:00.000Z","started_at":null,"finished_at":null,)"
          R"("context_time":"2026-05-19T09:00:00.000+09:00"})"
          "\n");
    auto j = queued_pipeline_job();
    j.context_time.reset();
    CHECK(trocco::cli::to_json(j)["context_time"].is_null());
}

TEST_CASE("JSON output is one line, UTF-8 kept, invalid bytes replaced rather than thrown") {
    auto j = finished_job();
    j.job_definition_name = "a\nb \"q\" \xff end";
    const std::string line = trocco::cli::json_line(j);  // an exception here fails the test
    CHECK(line.find('\n') == line.size() - 1);
    const auto back = nlohmann::json::parse(line);
    CHECK(back["job_definition_name"] == "a\nb \"q\" \xEF\xBF\xBD end");
}

TEST_CASE("progress lines: time, kind, id, status") {
    const auto now = at("2026-05-19T00:00:05.123Z");
    CHECK(trocco::cli::status_line(now, finished_job()) == "2026-05-19T00:00:05.123Z job 100001 succeeded\n");
    CHECK(trocco::cli::status_line(now, queued_pipeline_job()) == "2026-05-19T00:00:05.123Z pipeline job 200001 queued\n");
    trocco::job odd;
    odd.id = 1;
    odd.raw_status = "we\x1b[31mird";
    CHECK(trocco::cli::status_line(now, odd) == "2026-05-19T00:00:05.123Z job 1 we?[31mird\n");
}

TEST_CASE("summary lines") {
    CHECK(trocco::cli::summary_line(finished_job()) ==
          "job 100001 succeeded: definition 42 (夜間ロード), created 2026-05-19T00:00:00.000Z, started "
          "2026-05-19T00:00:01.250Z, finished 2026-05-19T00:00:13.500Z (ran 12.250 s)\n");
    CHECK(trocco::cli::summary_line(queued_pipeline_job()) ==
          "pipeline job 200001 queued: definition 7 (daily), context time 2026-05-19T09:00:00.000+09:00, created "
          "2026-05-19T00:00:00.000Z\n");
    trocco::job bare;
    bare.id = 3;
    bare.job_definition_id = 4;
    bare.raw_status = "queued";
    CHECK(trocco::cli::summary_line(bare) == "job 3 queued: definition 4\n");
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
}

TEST_CASE("the final report") {
    using trocco::cli::action;
    using trocco::cli::resource;

    SECTION("--json, succeeded: the job alone on stdout, exit 0") {
        command_outcome o;
        o.job = finished_job();
        const auto r = make_final_report(command(resource::job, action::run, true, true), o);
        CHECK(r.out == trocco::cli::json_line(finished_job()));
        CHECK(r.err.empty());
        CHECK(r.exit_code == 0);
    }
    SECTION("a failed job: its final state is still printed (JSON or summary), exit 1") {
        auto failed = finished_job();
        failed.status = trocco::job_status::error;
        failed.raw_status = "error";
        const auto o = trocco::cli::outcome_of(trocco::result<trocco::job>(
            trocco::error{errc::job_failed, "transfer job 100001 ended in error"}.with_last_job(failed)));
        REQUIRE(o.job.has_value());
        const auto json = make_final_report(command(resource::job, action::wait, true), o);
        CHECK(json.out == trocco::cli::json_line(failed));
        CHECK(json.exit_code == 1);
        CHECK(contains(json.err, "trocco: error: job_failed: transfer job 100001 ended in error [job 100001]"));
        const auto human = make_final_report(command(resource::job, action::wait), o);
        CHECK(human.out == trocco::cli::summary_line(failed));
    }
    SECTION("run without --wait: the id alone on stdout") {
        command_outcome o;
        o.job = finished_job();
        CHECK(make_final_report(command(resource::job, action::run), o).out == "100001\n");
        command_outcome p;
        p.workflow_job = queued_pipeline_job();
        CHECK(make_final_report(command(resource::pipeline, action::run), p).out == "200001\n");
        CHECK(make_final_report(command(resource::pipeline, action::run, true), p).out ==
              trocco::cli::json_line(queued_pipeline_job()));
    }
    SECTION("a wait timeout names the job to wait for again, exit 7") {
        const auto o = trocco::cli::outcome_of(trocco::result<trocco::workflow_job>(
            trocco::error{errc::wait_timeout, "gave up"}.with_last_job(queued_pipeline_job())));
        const auto r = make_final_report(command(resource::pipeline, action::wait, true), o);
        CHECK(r.exit_code == 7);
        CHECK(r.out == trocco::cli::json_line(queued_pipeline_job()));
        CHECK(contains(r.err, "pipeline job 200001 may still be running on trocco; wait again with: trocco pipeline "
                              "wait 200001"));
    }
    SECTION("interrupted: exit 130, the job keeps running") {
        const auto o = trocco::cli::outcome_of(
            trocco::result<trocco::job>(trocco::error{errc::canceled, "stopped"}.with_job_id(100001)));
        const auto r = make_final_report(command(resource::job, action::run, false, true), o);
        CHECK(r.exit_code == 130);
        CHECK(r.out.empty());
        CHECK(contains(r.err, "interrupted; job 100001 keeps running on trocco; wait again with: trocco job wait "
                              "100001"));
        const auto early = make_final_report(command(resource::job, action::get),
                                             trocco::cli::outcome_of(trocco::result<trocco::job>(
                                                 trocco::error{errc::canceled, "stopped"})));
        CHECK(early.exit_code == 130);
        CHECK(contains(early.err, "trocco: interrupted\n"));
    }
    SECTION("outcome unknown: exit 8, do not blindly rerun") {
        const auto sent = std::chrono::system_clock::time_point{at("2026-05-19T00:00:00.500Z")};
        const auto o = trocco::cli::outcome_of(trocco::result<trocco::job>(
            trocco::error{errc::outcome_unknown, "trocco answered 503"}.with_definition_id(42).with_trigger_time(sent)));
        const auto r = make_final_report(command(resource::job, action::run, true, true), o);
        CHECK(r.exit_code == 8);
        CHECK(r.out.empty());
        CHECK(contains(r.err, "do not blindly rerun: the request to start job definition 42 (sent at "
                              "2026-05-19T00:00:00.500Z) may or may not have started a job"));
    }
    SECTION("refused: exit 5, the server's message, nothing on stdout") {
        const auto o = trocco::cli::outcome_of(
            trocco::result<trocco::job>(trocco::error{errc::unauthorized, "Unauthorized", 401}.with_job_id(9)));
        const auto r = make_final_report(command(resource::job, action::get, true), o);
        CHECK(r.exit_code == 5);
        CHECK(r.out.empty());
        CHECK(contains(r.err, "trocco: error: unauthorized (HTTP 401): Unauthorized [job 9]"));
        CHECK(contains(r.err, "TROCCO_API_KEY"));
    }
    SECTION("unavailable during a wait: exit 6, the job may still be running") {
        const auto o = trocco::cli::outcome_of(
            trocco::result<trocco::job>(trocco::error{errc::server_error, "Service Unavailable", 503}.with_job_id(9)));
        const auto r = make_final_report(command(resource::job, action::wait), o);
        CHECK(r.exit_code == 6);
        CHECK(contains(r.err, "wait again with: trocco job wait 9"));
    }
    SECTION("a server message with control characters is printed safely") {
        const auto o = trocco::cli::outcome_of(
            trocco::result<trocco::job>(trocco::error{errc::bad_request, "bad\x1b]0;title\x07 input", 400}));
        const auto r = make_final_report(command(resource::job, action::run), o);
        CHECK(contains(r.err, "bad?]0;title? input"));
    }
}

TEST_CASE("the exit-code table lists every code") {
    const std::string_view table = trocco::cli::exit_code_help;
    for (const auto* line : {"\n  0 ", "\n  1 ", "\n  2 ", "\n  3 ", "\n  4 ", "\n  5 ", "\n  6 ", "\n  7 ", "\n  8 ",
                             "\n  130 "}) {
        CHECK(contains(table, line));
    }
}
