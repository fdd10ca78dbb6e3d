// Exactly-once runs across retries of the caller: the file store (records written durably, corrupt and unwritable
// states refused before any POST, one key serialised across two processes), and run_and_wait with a key
// (recorded, re-attached on a rerun, reconciled when the outcome was never recorded).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <trocco/file_idempotency_store.hpp>

#include "support.hpp"
#include "../support/temp_files.hpp"

namespace {

using namespace client_test;

using temporary_directory = test_support::temp_directory;

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

trocco::idempotency_record record(std::string key, std::int64_t job_id = 0) {
    return {std::move(key), trocco::job_kind::transfer, 42,
            std::chrono::sys_days{std::chrono::year{2026} / 12 / 1} + std::chrono::hours{3}, job_id};
}

}  // namespace

TEST_CASE("file store: a record survives reopening; keys become safe file names", "[idempotency][store]") {
    temporary_directory dir;
    trocco::file_idempotency_store store{dir.path() + "/nested/state"};
    {
        auto session = store.open_now("nightly/2026-12-01 ☃");
        REQUIRE(session.has_value());
        CHECK_FALSE((*session)->record().has_value());
        REQUIRE(trocco::sync_wait((*session)->save(record("nightly/2026-12-01 ☃", 7))).has_value());
    }
    const std::string name = "nightly%2F2026-12-01%20%E2%98%83";
    CHECK(read_text(dir.file("nested/state/" + name + ".json")) ==
          R"({"definition_id":42,"job_id":7,"key":"nightly/2026-12-01 ☃","kind":"job",)"
          R"("trigger_time":"2026-12-01T03:00:00.000Z","version":1})" "\n");
    struct stat st {};
    REQUIRE(::stat((dir.path() + "/nested/state").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    auto again = store.open_now("nightly/2026-12-01 ☃");
    REQUIRE(again.has_value());
    REQUIRE((*again)->record().has_value());
    CHECK(*(*again)->record() == record("nightly/2026-12-01 ☃", 7));
    CHECK(store.open_now(".hidden").has_value());  // a leading dot is encoded: no hidden file, no "." or ".."
    CHECK(::access(dir.file("nested/state/%2Ehidden.lock").c_str(), F_OK) == 0);
}

TEST_CASE("file store: bad keys, corrupt records and unwritable directories are clear errors", "[idempotency][store]") {
    temporary_directory dir;
    trocco::file_idempotency_store store{dir.path()};
    CHECK(store.open_now("").error().kind() == errc::invalid_argument);
    CHECK(store.open_now(std::string(200, 'k')).error().kind() == errc::invalid_argument);
    for (const std::string corrupt : {"", "{", "[]", R"({"version":2})",
                                      R"({"version":1,"key":"other","kind":"job","definition_id":1,"trigger_time":"2026-12-01T00:00:00Z","job_id":null})",
                                      R"({"version":1,"key":"k","kind":"nope","definition_id":1,"trigger_time":"2026-12-01T00:00:00Z","job_id":null})",
                                      R"({"version":1,"key":"k","kind":"job","definition_id":1,"trigger_time":"yesterday","job_id":null})",
                                      R"({"version":1,"key":"k","kind":"job","definition_id":1,"trigger_time":"2026-12-01T00:00:00Z","job_id":-3})"}) {
        CAPTURE(corrupt);
        std::ofstream(dir.file("k.json")) << corrupt;
        auto opened = store.open_now("k");
        REQUIRE_FALSE(opened.has_value());
        CHECK(opened.error().kind() == errc::store_failure);
        CHECK(contains(opened.error().message(), "k.json is corrupt"));
    }
    if (::geteuid() != 0) {  // root writes anywhere
        temporary_directory locked;
        ::chmod(locked.path().c_str(), 0500);
        trocco::file_idempotency_store readonly{locked.path()};
        auto opened = readonly.open_now("k");
        REQUIRE_FALSE(opened.has_value());
        CHECK(opened.error().kind() == errc::store_failure);
        ::chmod(locked.path().c_str(), 0700);
    }
    std::ofstream(dir.file("plain-file")) << "x";
    trocco::file_idempotency_store not_a_dir{dir.file("plain-file")};
    CHECK(not_a_dir.open_now("k").error().kind() == errc::store_failure);
}

TEST_CASE("file store: one key is held by one process at a time", "[idempotency][store][processes]") {
    temporary_directory dir;
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // The other process: takes the key, says so, holds it for 300 ms, records a job, lets go.
        trocco::file_idempotency_store store{dir.path()};
        auto session = store.open_now("shared");
        if (!session) ::_exit(2);
        (void)!::write(ready[1], "x", 1);
        std::this_thread::sleep_for(std::chrono::milliseconds{300});
        if (!trocco::sync_wait((*session)->save(record("shared", 99)))) ::_exit(3);
        session->reset();
        ::_exit(0);
    }
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    const auto asked = std::chrono::steady_clock::now();
    trocco::file_idempotency_store store{dir.path()};
    auto session = store.open_now("shared");  // waits for the other process
    const auto waited = std::chrono::steady_clock::now() - asked;
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    REQUIRE(session.has_value());
    CHECK(waited >= std::chrono::milliseconds{200});
    REQUIRE((*session)->record().has_value());
    CHECK((*session)->record()->job_id == 99);  // it sees what the other recorded
    ::close(ready[0]);
    ::close(ready[1]);
}

TEST_CASE("run_and_wait with a key: recorded, re-attached on a rerun, never triggered twice", "[idempotency]") {
    temporary_directory dir;
    in_both_modes([&](completion mode) {
        const std::string key = std::string("nightly-") + mode_name(mode);
        auto options = options_with();
        options.idempotency_store = std::make_shared<trocco::file_idempotency_store>(dir.path());
        scripted_transport t{mode};
        trocco::client c{t, options};
        t.expect(trocco::http_method::post, run_job_url(42)).respond(200, job_json(7, "queued"));
        t.respond(200, job_json(7, "executing"));
        // The runner dies here: the wait is stopped after the first poll.
        std::stop_source stop;
        t.on_sleep([&](std::chrono::milliseconds) {
            if (t.requests().size() == 2) stop.request_stop();
        });
        const auto first = run_on(t, mode, c.run_and_wait(trocco::run_job_request{.job_definition_id = 42},
                                                          {.stop_token = stop.get_token(), .idempotency_key = key}));
        CHECK(first.error().kind() == errc::canceled);
        CHECK(contains(read_text(dir.file(key + ".json")), R"("job_id":7)"));

        // The rerun re-attaches: no POST, the job's outcome.
        t.on_sleep({});
        std::vector<std::string> outcomes;
        t.expect(trocco::http_method::get, job_url(7)).respond(200, job_json(7, "succeeded"));
        trocco::wait_options w{.idempotency_key = key};
        w.observer = [&](const trocco::wait_event& e) {
            if (const auto* o = std::get_if<trocco::events::trigger_outcome>(&e)) outcomes.push_back(
                o->what == trocco::events::trigger_outcome::kind::attached ? "attached" : "other");
        };
        const auto rerun = run_on(t, mode, c.run_and_wait(trocco::run_job_request{.job_definition_id = 42}, w));
        REQUIRE(rerun.has_value());
        CHECK(rerun->id == 7);
        CHECK(outcomes == std::vector<std::string>{"attached"});
        // The same key for another definition is refused before anything is sent.
        const auto other = run_on(t, mode, c.run_and_wait(trocco::run_job_request{.job_definition_id = 43},
                                                          {.idempotency_key = key}));
        CHECK(other.error().kind() == errc::invalid_argument);
        CHECK(t.mismatches().empty());
        CHECK(t.remaining_steps() == 0);
    });
}

TEST_CASE("run_and_wait with a key whose trigger outcome was never recorded: reconciled, not triggered",
          "[idempotency][reconcile]") {
    temporary_directory dir;
    auto store = std::make_shared<trocco::file_idempotency_store>(dir.path());
    {
        auto session = store->open_now("crashed");
        REQUIRE(session.has_value());
        auto r = record("crashed");
        r.trigger_time = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1};
        REQUIRE(trocco::sync_wait((*session)->save(r)).has_value());
    }
    scripted_transport t;
    auto options = options_with();
    options.idempotency_store = store;
    trocco::client c{t, options};
    t.expect(trocco::http_method::get, "https://trocco.io/api/job_definitions/42/jobs?start_time=2025-12-31%2023%3A58%3A00"
                                       "&time_zone=Etc%2FUTC&limit=100")
        .respond(200, R"({"items":[{"id":70,"job_definition_id":42,"status":"succeeded",)"
                      R"("created_at":"2026-01-01T00:00:03Z"}],"next_cursor":null})");
    const auto r = trocco::sync_wait(c.run_and_wait(trocco::run_job_request{.job_definition_id = 42},
                                                    {.idempotency_key = "crashed"}));
    REQUIRE(r.has_value());
    CHECK(r->id == 70);
    CHECK(t.mismatches().empty());
    CHECK(contains(read_text(dir.file("crashed.json")), R"("job_id":70)"));  // recorded once found

    SECTION("a store that fails before the POST sends nothing") {
        scripted_transport none;
        auto broken = options_with();
        broken.idempotency_store = std::make_shared<trocco::file_idempotency_store>("/proc/trocco-cannot-be-here");
        trocco::client b{none, broken};
        const auto failed = trocco::sync_wait(b.run_and_wait(trocco::run_job_request{.job_definition_id = 42},
                                                             {.idempotency_key = "k"}));
        CHECK(failed.error().kind() == errc::store_failure);
        CHECK(none.requests().empty());
        trocco::client no_store{none, options_with()};
        CHECK(trocco::sync_wait(no_store.run_and_wait(trocco::run_job_request{.job_definition_id = 42},
                                                      {.idempotency_key = "k"}))
                  .error()
                  .kind() == errc::invalid_argument);
    }
}
