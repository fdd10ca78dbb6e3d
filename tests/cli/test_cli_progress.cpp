// tests/cli/test_cli_progress.cpp - what a wait shows as it runs (progress.hpp), rendered from the library's events
// at chosen moments: the live line's fields, its clock, retries, a workflow's error confirmation, the permanent
// lines, and the choice between live and plain output.
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>

#include "../catch.hpp"
#include "../support/text.hpp"

#include "progress.hpp"
#include "progress_printer.hpp"

using namespace std::chrono_literals;
using trocco::job_kind;
using trocco::cli::progress_view;
namespace events = trocco::events;

namespace {

const progress_view::time_point t0{std::chrono::hours{1000}};

trocco::any_job transfer(std::int64_t id, std::string status) {
    trocco::job j;
    j.id = id;
    j.raw_status = std::move(status);
    return j;
}

using test_support::contains;

bool has_control(std::string_view text) {
    for (const char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("the live line: job id, status, elapsed time, time until the next poll") {
    progress_view view{job_kind::transfer, 42, t0};
    CHECK(view.live_line(t0 + 3s) == "job (definition 42)  starting  3s");

    auto lines = view.on_event(events::trigger_outcome{t0 + 1s, events::trigger_outcome::kind::started,
                                                       job_kind::transfer, 42, 100001});
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "job 100001 started");

    const auto queued = transfer(100001, "queued");
    lines = view.on_event(events::status_changed{t0 + 2s, 100001, "", "queued", &queued});
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "job 100001 queued");
    const auto executing = transfer(100001, "executing");
    lines = view.on_event(events::status_changed{t0 + 600s, 100001, "queued", "executing", &executing});
    CHECK(lines == std::vector<std::string>{"job 100001 executing"});

    lines = view.on_event(events::poll_scheduled{t0 + 695s, 100001, t0 + 723s + 28s, 28s, 3, false});
    CHECK(lines.empty());  // a poll is not a line of its own
    CHECK(view.live_line(t0 + 723s) == "job 100001  executing  12m03s  next check in 28s");
    // The clock advances with `now` alone, between events.
    CHECK(view.live_line(t0 + 733s) == "job 100001  executing  12m13s  next check in 18s");
    CHECK(view.live_line(t0 + 733s + 500ms) == "job 100001  executing  12m13s  next check in 18s");
    CHECK(view.live_line(t0 + 800s) == "job 100001  executing  13m20s  next check in 0s");
}

TEST_CASE("a retry shows in the live line with its reason, and as a permanent line") {
    progress_view view{job_kind::transfer, 0, t0, 7};
    const auto executing = transfer(7, "executing");
    view.on_event(events::status_changed{t0, 7, "", "executing", &executing});
    const auto lines = view.on_event(events::retry_scheduled{t0 + 10s, trocco::request_role::poll,
                                                             trocco::errc::server_error, 503, 3s, 2,
                                                             "Service Unavailable"});
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "job 7 poll failed (server_error, HTTP 503): retry 1 in 3s: Service Unavailable");
    const auto soon = view.on_event(events::retry_scheduled{t0 + 10s, trocco::request_role::poll,
                                                            trocco::errc::connect_failed, 0, 250ms, 3, ""});
    CHECK(soon.at(0) == "job 7 poll failed (connect_failed): retry 2 in 1s");  // rounded up, never "in 0s"
    view.on_event(events::retry_scheduled{t0 + 10s, trocco::request_role::poll, trocco::errc::server_error, 503, 3s,
                                          2, "Service Unavailable"});
    CHECK(view.retrying());
    CHECK(view.live_line(t0 + 11s) == "job 7  executing  11s  retrying (server_error, HTTP 503, attempt 2) in 2s");
    // An answer that succeeded ends the retry.
    view.on_event(events::answer_received{t0 + 13s, trocco::request_role::poll, 200, std::nullopt, 20ms, {}, 2});
    CHECK_FALSE(view.retrying());
    CHECK(view.live_line(t0 + 14s) == "job 7  executing  14s");
}

TEST_CASE("a workflow's error confirmation is said, in the live line and once as a line") {
    progress_view view{job_kind::workflow, 0, t0, 200001};
    trocco::workflow_job w;
    w.id = 200001;
    w.raw_status = "error";
    const trocco::any_job error_job{w};
    view.on_event(events::status_changed{t0 + 5s, 200001, "running", "error", &error_job});
    auto lines = view.on_event(events::poll_scheduled{t0 + 5s, 200001, t0 + 15s, 10s, 4, true});
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "workflow job 200001 error: confirming that it is final (trocco may retry it automatically)");
    CHECK(view.confirming());
    CHECK(view.live_line(t0 + 7s) ==
          "workflow job 200001  error  7s  confirming the error (trocco may retry it),  next check in 8s");
    lines = view.on_event(events::poll_scheduled{t0 + 15s, 200001, t0 + 25s, 10s, 5, true});
    CHECK(lines.empty());  // said once
}

TEST_CASE("trigger outcomes: unknown, adopted, attached") {
    progress_view view{job_kind::transfer, 42, t0};
    using kind = events::trigger_outcome::kind;
    auto lines = view.on_event(events::trigger_outcome{t0, kind::unknown, job_kind::transfer, 42, 0});
    CHECK(lines == std::vector<std::string>{
                       "job (definition 42): the run's outcome is unknown (it may have reached trocco)"});
    lines = view.on_event(events::trigger_outcome{t0, kind::adopted, job_kind::transfer, 42, 9});
    CHECK(contains(lines.at(0), "job 9 found"));
    progress_view again{job_kind::transfer, 42, t0};
    lines = again.on_event(events::trigger_outcome{t0, kind::attached, job_kind::transfer, 42, 9});
    CHECK(contains(lines.at(0), "job 9 re-attached"));
}

TEST_CASE("server text in a status is made printable") {
    progress_view view{job_kind::transfer, 0, t0, 1};
    const auto odd = transfer(1, "we\x1b[31mird");
    const auto lines = view.on_event(events::status_changed{t0, 1, "", "we\x1b[31mird", &odd});
    CHECK(lines.at(0) == "job 1 we?[31mird");
    CHECK_FALSE(has_control(view.live_line(t0)));
}

TEST_CASE("plain lines carry a timestamp and no control characters; live output redraws in place") {
    const auto wall = std::chrono::system_clock::time_point{std::chrono::milliseconds{1779148805123}};
    const std::string plain = trocco::cli::plain_line(wall, "job 1 executing");
    CHECK(plain == "2026-05-19T00:00:05.123Z job 1 executing\n");
    CHECK_FALSE(has_control(plain.substr(0, plain.size() - 1)));
    CHECK(trocco::cli::live_redraw("x") == "\rx\x1b[K");
    CHECK(trocco::cli::live_permanent("line", "live") == "\r\x1b[Kline\n\rlive\x1b[K");
}

TEST_CASE("the live line fits the terminal's width, never cut inside a character") {
    using trocco::cli::fit_to_width;
    CHECK(fit_to_width("job 100001  executing  12m03s", 0) == "job 100001  executing  12m03s");
    CHECK(fit_to_width("job 100001  executing  12m03s", 80) == "job 100001  executing  12m03s");
    CHECK(fit_to_width("job 100001  executing", 11) == "job 100001");
    CHECK(fit_to_width("ab東京cd", 5) == "ab東");       // 東 takes two columns: 2 + 2 = 4 = 5 - 1
    CHECK(fit_to_width("ab東京cd", 4) == "ab");
    CHECK(fit_to_width("é!", 2) == "é");
    CHECK(fit_to_width("abc", 1) == "a");
}

TEST_CASE("--progress auto: a live line on a terminal whose TERM is set and not dumb, else plain") {
    using trocco::cli::progress_mode;
    using trocco::cli::progress_style;
    using trocco::cli::resolve_progress;
    CHECK(resolve_progress(progress_mode::automatic, true, "xterm-256color") == progress_style::live);
    CHECK(resolve_progress(progress_mode::automatic, true, "dumb") == progress_style::plain);
    CHECK(resolve_progress(progress_mode::automatic, true, "") == progress_style::plain);
    CHECK(resolve_progress(progress_mode::automatic, false, "xterm") == progress_style::plain);
    CHECK(resolve_progress(progress_mode::tty, false, "") == progress_style::live);
    CHECK(resolve_progress(progress_mode::plain, true, "xterm") == progress_style::plain);
    CHECK(resolve_progress(progress_mode::none, true, "xterm") == progress_style::none);
}

namespace {

/// What was written to a temporary file.
std::string contents(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string text;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) text.append(buffer, n);
    return text;
}

}  // namespace

TEST_CASE("the printer: events from another thread, redraws between them, the id on stdout, the line erased") {
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    REQUIRE((out && err));
    {
        trocco::cli::progress_printer printer{trocco::cli::progress_style::live, true, out, err};
        printer.begin(job_kind::transfer, 42);
        std::thread transport([&printer] {  // events arrive on the transport's thread
            const auto now = std::chrono::steady_clock::now();
            printer.on_event(events::trigger_outcome{now, events::trigger_outcome::kind::started, job_kind::transfer,
                                                     42, 100001});
            const auto queued = transfer(100001, "queued");
            printer.on_event(events::status_changed{now, 100001, "", "queued", &queued});
            printer.on_event(events::poll_scheduled{now, 100001, now + 30s, 30s, 1, false});
        });
        transport.join();
        std::this_thread::sleep_for(2200ms);  // two redraws with no event meanwhile
        printer.finish();
    }
    CHECK(contents(out) == "100001\n");
    const std::string e = contents(err);
    INFO(e);
    CHECK(contains(e, "\r\x1b[Kjob 100001 queued\n"));
    // The redraws (about once a second; exact seconds depend on the machine's timing) advance the clock.
    CHECK(contains(e, "\rjob 100001  queued  1s  next check in "));
    CHECK(contains(e, "\rjob 100001  queued  2s  next check in "));
    CHECK(e.ends_with("\r\x1b[K"));
    std::fclose(out);
    std::fclose(err);

    std::FILE* plain = std::tmpfile();
    REQUIRE(plain);
    {
        trocco::cli::progress_printer printer{trocco::cli::progress_style::plain, false, plain, plain};
        printer.begin(job_kind::workflow, 0, 200001);
        trocco::workflow_job w;
        w.id = 200001;
        w.raw_status = "running";
        const trocco::any_job running{w};
        printer.on_event(events::status_changed{std::chrono::steady_clock::now(), 200001, "", "running", &running});
        printer.finish();
    }
    const std::string p = contents(plain);
    CHECK(p.ends_with(" workflow job 200001 running\n"));
    CHECK_FALSE(has_control(p.substr(0, p.size() - 1)));
    std::fclose(plain);
}
