// scripted_transport: the script (answers, errors, expectations, hooks), what it records, its virtual clock, and
// its two completion modes: inline, and deferred to a queue completed in due-time order, with stop requests
// completing pending operations as canceled.
#include <chrono>
#include <coroutine>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "support.hpp"

namespace {

using namespace client_test;
using trocco::http_request;
using trocco::http_response;
using trocco::task;

http_request get(std::string url) { return http_request{http_method::get, std::move(url), {}, {}}; }

task<result<http_response>> send_one(scripted_transport* t, http_request request, std::stop_token stop) {
    auto r = co_await t->send(std::move(request), stop);
    co_return r;
}

task<result<void>> sleep_one(scripted_transport* t, ms delay, std::stop_token stop) {
    auto r = co_await t->sleep_for(delay, stop);
    co_return r;
}

std::string describe(const result<http_response>& r) {
    return r ? std::to_string(r->status) : std::string(trocco::to_string(r.error().kind()));
}

std::string describe(const result<void>& r) { return r ? "ok" : std::string(trocco::to_string(r.error().kind())); }

task<void> sleep_and_log(scripted_transport* t, ms delay, std::stop_token stop, std::vector<std::string>* log,
                         std::string name) {
    auto r = co_await t->sleep_for(delay, stop);
    log->push_back(name + " " + describe(r) + " at " + std::to_string(t->elapsed().count()));
}

task<void> send_and_log(scripted_transport* t, std::string url, std::stop_token stop, std::vector<std::string>* log,
                        std::string name) {
    auto r = co_await t->send(get(std::move(url)), stop);
    log->push_back(name + " " + describe(r) + " at " + std::to_string(t->elapsed().count()));
}

// Parks the awaiting coroutine's handle where the test can resume it: a wait the transport knows nothing about.
struct parked {
    std::coroutine_handle<>* slot;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) noexcept { *slot = h; }
    void await_resume() const noexcept {}
};

task<int> waits_elsewhere(std::coroutine_handle<>* slot) {
    co_await parked{slot};
    co_return 5;
}

}  // namespace

static_assert(trocco::transport<scripted_transport>);

TEST_CASE("scripted_transport answers in order and records every request", "[scripted]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(200, "first", {{"X-Test", "1"}});
        t.respond(503, "second");
        http_request post{http_method::post, "https://example.test/a", {{"Authorization", "Token k"}}, "{\"x\":1}"};
        const auto r1 = run_on(t, mode, send_one(&t, post, {}));
        REQUIRE(r1.has_value());
        CHECK(r1->status == 200);
        CHECK(r1->body == "first");
        REQUIRE(r1->headers.size() == 1);
        CHECK(r1->headers[0].name == "X-Test");
        CHECK(t.remaining_steps() == 1);
        const auto r2 = run_on(t, mode, send_one(&t, get("https://example.test/b"), {}));
        REQUIRE(r2.has_value());
        CHECK(r2->status == 503);  // an HTTP error status is a response, not a transport error
        CHECK(r2->body == "second");
        CHECK(t.remaining_steps() == 0);

        REQUIRE(t.requests().size() == 2);
        CHECK(t.requests()[0].method == http_method::post);
        CHECK(t.requests()[0].url == "https://example.test/a");
        CHECK(t.requests()[0].body == "{\"x\":1}");
        REQUIRE(t.requests()[0].headers.size() == 1);
        CHECK(t.requests()[0].headers[0].value == "Token k");
        CHECK(t.requests()[1].method == http_method::get);
        CHECK(t.mismatches().empty());
        CHECK(t.elapsed() == 0ms);
    });
}

TEST_CASE("scripted_transport: transport errors, expectations, and running out of script", "[scripted]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.fail(errc::connect_failed, "refused");
        t.expect(http_method::get, "https://example.test/ok").respond(200, "matched");
        t.expect(http_method::post, "https://example.test/p").respond(200, "never given");
        t.expect(http_method::get, "https://example.test/x").respond(200, "never given either");

        const auto failed = run_on(t, mode, send_one(&t, get("https://example.test/any"), {}));
        REQUIRE_FALSE(failed.has_value());
        CHECK(failed.error().kind() == errc::connect_failed);
        CHECK(failed.error().message() == "refused");

        const auto matched = run_on(t, mode, send_one(&t, get("https://example.test/ok"), {}));
        REQUIRE(matched.has_value());
        CHECK(matched->body == "matched");
        CHECK(t.mismatches().empty());

        // Wrong method: recorded, answered with a transport_failure, the step used up.
        const auto wrong_method = run_on(t, mode, send_one(&t, get("https://example.test/p"), {}));
        REQUIRE_FALSE(wrong_method.has_value());
        CHECK(wrong_method.error().kind() == errc::transport_failure);
        REQUIRE(t.mismatches().size() == 1);
        CHECK(t.mismatches()[0] == "expected POST https://example.test/p, got GET https://example.test/p");

        // Wrong URL.
        const auto wrong_url = run_on(t, mode, send_one(&t, get("https://example.test/y"), {}));
        REQUIRE_FALSE(wrong_url.has_value());
        CHECK(wrong_url.error().kind() == errc::transport_failure);
        REQUIRE(t.mismatches().size() == 2);
        CHECK(t.mismatches()[1] == "expected GET https://example.test/x, got GET https://example.test/y");
        CHECK(t.remaining_steps() == 0);

        // Nothing left.
        const auto none = run_on(t, mode, send_one(&t, get("https://example.test/z"), {}));
        REQUIRE_FALSE(none.has_value());
        CHECK(none.error().kind() == errc::transport_failure);
        REQUIRE(t.mismatches().size() == 3);
        CHECK(t.mismatches()[2] == "no scripted answer left for GET https://example.test/z");
        CHECK(t.requests().size() == 5);
    });
}

TEST_CASE("scripted_transport: sleeps are recorded and advance the virtual clock", "[scripted]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        const auto wall0 = t.system_now();
        CHECK(wall0 == std::chrono::sys_days{std::chrono::year{2026} / 1 / 1});
        const auto start = t.now();
        std::vector<ms> hooked;
        t.on_sleep([&](ms d) { hooked.push_back(d); });

        REQUIRE(run_on(t, mode, sleep_one(&t, 1500ms, {})).has_value());
        REQUIRE(run_on(t, mode, sleep_one(&t, 2h, {})).has_value());  // two hours, in no time
        CHECK(counts(t.sleeps()) == std::vector<long long>{1500, 7200000});
        CHECK(counts(hooked) == std::vector<long long>{1500, 7200000});
        CHECK(t.elapsed() == 2h + 1500ms);
        CHECK(t.now() - start == 2h + 1500ms);
        CHECK(t.system_now() - wall0 == 2h + 1500ms);

        t.advance(10s);
        CHECK(t.elapsed() == 2h + 11500ms);
        CHECK(t.sleeps().size() == 2);  // advance() is not a sleep
    });
}

TEST_CASE("scripted_transport: a custom wall-clock start", "[scripted]") {
    const auto wall = std::chrono::sys_days{std::chrono::year{2030} / 6 / 15} + 12h;
    scripted_transport t{completion::immediate, wall};
    CHECK(t.system_now() == wall);
    t.advance(90s);
    CHECK(t.system_now() == wall + 90s);
}

TEST_CASE("scripted_transport: on_send hooks run when the request arrives", "[scripted]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        std::vector<std::size_t> seen_requests;
        std::vector<std::size_t> seen_pending;
        t.on_send([&] {
             seen_requests.push_back(t.requests().size());
             seen_pending.push_back(t.pending());
         })
            .respond(200, "a");
        t.push_step({.expected_method = http_method::get,
                     .expected_url = "https://example.test/two",
                     .outcome = http_response{204, {}, ""},
                     .latency = 0ms,
                     .on_send = [&] { seen_requests.push_back(100 + t.requests().size()); }});
        REQUIRE(run_on(t, mode, send_one(&t, get("https://example.test/one"), {})).has_value());
        const auto two = run_on(t, mode, send_one(&t, get("https://example.test/two"), {}));
        REQUIRE(two.has_value());
        CHECK(two->status == 204);
        CHECK(seen_requests == std::vector<std::size_t>{1, 102});
        CHECK(seen_pending == std::vector<std::size_t>{0});  // the hook runs before the send is queued
        CHECK(t.mismatches().empty());
    });
}

TEST_CASE("scripted_transport deferred: operations suspend until run_one completes them", "[scripted]") {
    scripted_transport t{completion::deferred};
    std::vector<std::string> log;
    t.with_latency(3s).respond(200, "slow");
    CHECK_FALSE(t.run_one());
    started_task<void> s{send_and_log(&t, "https://example.test/s", {}, &log, "send")};
    CHECK_FALSE(s.done());
    CHECK(t.pending() == 1);
    CHECK(t.requests().size() == 1);  // recorded when sent, answered later
    CHECK(log.empty());
    CHECK(t.run_one());
    CHECK(s.done());
    CHECK(log == std::vector<std::string>{"send 200 at 3000"});  // the latency passed on the virtual clock
    CHECK(t.pending() == 0);
    CHECK_FALSE(t.run_one());
}

TEST_CASE("scripted_transport deferred: completion in due-time order, ties in arrival order", "[scripted]") {
    scripted_transport t{completion::deferred};
    std::vector<std::string> log;
    t.with_latency(7s).respond(200, "");
    t.with_latency(5s).respond(201, "");
    started_task<void> a{sleep_and_log(&t, 10s, {}, &log, "sleep10")};
    started_task<void> b{sleep_and_log(&t, 5s, {}, &log, "sleep5")};
    started_task<void> c{send_and_log(&t, "https://example.test/c", {}, &log, "send7")};
    started_task<void> d{send_and_log(&t, "https://example.test/d", {}, &log, "send5")};
    started_task<void> e{sleep_and_log(&t, 1s, {}, &log, "sleep1")};
    CHECK(t.pending() == 5);
    CHECK(t.run_all() == 5);
    CHECK(log == std::vector<std::string>{"sleep1 ok at 1000", "sleep5 ok at 5000", "send5 201 at 5000",
                                          "send7 200 at 7000", "sleep10 ok at 10000"});
    CHECK(a.done());
    CHECK(b.done());
    CHECK(c.done());
    CHECK(d.done());
    CHECK(e.done());
    CHECK(t.elapsed() == 10s);
}

TEST_CASE("scripted_transport deferred: a stop completes a pending sleep at once, as canceled", "[scripted]") {
    scripted_transport t{completion::deferred};
    std::vector<std::string> log;
    std::stop_source stop;
    started_task<void> other{sleep_and_log(&t, 4s, {}, &log, "other")};
    started_task<void> long_sleep{sleep_and_log(&t, 1h, stop.get_token(), &log, "long")};
    CHECK(t.pending() == 2);
    stop.request_stop();
    CHECK(t.pending() == 2);  // completed by the next run_one, not inside request_stop
    CHECK(log.empty());
    CHECK(t.run_one());
    CHECK(log == std::vector<std::string>{"long canceled at 0"});  // promptly: no virtual time passed
    CHECK(long_sleep.done());
    CHECK_FALSE(other.done());
    CHECK(t.run_one());
    CHECK(log.back() == "other ok at 4000");
    CHECK(counts(t.sleeps()) == std::vector<long long>{4000, 3600000});  // canceled sleeps are recorded too
}

TEST_CASE("scripted_transport deferred: a stop completes a pending send at once, as canceled", "[scripted]") {
    scripted_transport t{completion::deferred};
    std::vector<std::string> log;
    std::stop_source stop;
    t.with_latency(30s).respond(200, "late");
    started_task<void> s{send_and_log(&t, "https://example.test/slow", stop.get_token(), &log, "send")};
    t.advance(2s);
    stop.request_stop();
    CHECK(t.run_one());
    CHECK(log == std::vector<std::string>{"send canceled at 2000"});
    CHECK(t.requests().size() == 1);
    CHECK(t.remaining_steps() == 0);
}

TEST_CASE("scripted_transport: a stop requested before the operation cancels it at once", "[scripted]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        std::stop_source stop;
        stop.request_stop();
        t.respond(200, "unused");
        const auto slept = run_on(t, mode, sleep_one(&t, 5s, stop.get_token()));
        REQUIRE_FALSE(slept.has_value());
        CHECK(slept.error().kind() == errc::canceled);
        CHECK(t.elapsed() == 0ms);
        CHECK(t.sleeps().size() == 1);
        const auto sent = run_on(t, mode, send_one(&t, get("https://example.test/"), stop.get_token()));
        REQUIRE_FALSE(sent.has_value());
        CHECK(sent.error().kind() == errc::canceled);
        CHECK(t.pending() == 0);
    });
}

TEST_CASE("scripted_transport: a stop requested from an on_sleep or on_send hook cancels that operation",
          "[scripted]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        std::stop_source stop;
        t.on_sleep([&](ms d) {
            if (d == 2s) stop.request_stop();
        });
        REQUIRE(run_on(t, mode, sleep_one(&t, 1s, stop.get_token())).has_value());
        const auto canceled = run_on(t, mode, sleep_one(&t, 2s, stop.get_token()));
        REQUIRE_FALSE(canceled.has_value());
        CHECK(canceled.error().kind() == errc::canceled);
        CHECK(t.elapsed() == 1s);

        std::stop_source stop2;
        t.on_send([&] { stop2.request_stop(); }).respond(200, "unused");
        const auto sent = run_on(t, mode, send_one(&t, get("https://example.test/"), stop2.get_token()));
        REQUIRE_FALSE(sent.has_value());
        CHECK(sent.error().kind() == errc::canceled);
        CHECK(t.requests().size() == 1);
    });
}

TEST_CASE("scripted_transport::run returns the value, rethrows, and throws logic_error when stuck", "[scripted]") {
    scripted_transport t{completion::deferred};
    t.with_latency(1s).respond(200, "ok");
    const auto r = t.run(send_one(&t, get("https://example.test/"), {}));
    REQUIRE(r.has_value());
    CHECK(r->body == "ok");
    CHECK(t.elapsed() == 1s);

    std::coroutine_handle<> parked_handle;
    CHECK_THROWS_AS(t.run(waits_elsewhere(&parked_handle)), std::logic_error);
    REQUIRE(parked_handle);
    // The stuck task can still be finished by whoever holds it, without touching the run() that gave up.
    parked_handle.resume();

    SECTION("stuck on another transport's pending operation") {
        scripted_transport other{completion::deferred};
        other.respond(200, "from other");
        CHECK_THROWS_AS(t.run(send_one(&other, get("https://example.test/o"), {})), std::logic_error);
        CHECK(other.pending() == 1);
        CHECK(other.run_all() == 1);
    }
}
