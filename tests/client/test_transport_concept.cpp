// The Transport concept: what satisfies it and what does not, and a third-party transport whose operations are
// trocco::task coroutines (or its own awaiter types) driving the client end to end.
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <map>
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

using steady_time = std::chrono::steady_clock::time_point;

// An awaiter type of a transport's own, completing at once.
template <class R>
struct ready_awaiter {
    R value;
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    R await_resume() { return std::move(value); }
};

// An awaitable through a member operator co_await.
struct member_co_await_sleep {
    ready_awaiter<result<void>> operator co_await() && { return {result<void>{}}; }
};

// An awaitable through a free operator co_await.
struct free_co_await_sleep {};
ready_awaiter<result<void>> operator co_await(free_co_await_sleep) { return {result<void>{}}; }

struct complete_transport {
    task<result<http_response>> send(http_request, std::stop_token) { return {}; }
    task<result<void>> sleep_for(std::chrono::milliseconds, std::stop_token) { return {}; }
    steady_time now() const { return {}; }
};

struct missing_send {
    task<result<void>> sleep_for(std::chrono::milliseconds, std::stop_token) { return {}; }
    steady_time now() const { return {}; }
};

struct missing_sleep {
    task<result<http_response>> send(http_request, std::stop_token) { return {}; }
    steady_time now() const { return {}; }
};

struct missing_now {
    task<result<http_response>> send(http_request, std::stop_token) { return {}; }
    task<result<void>> sleep_for(std::chrono::milliseconds, std::stop_token) { return {}; }
};

struct wrong_clock {
    task<result<http_response>> send(http_request, std::stop_token) { return {}; }
    task<result<void>> sleep_for(std::chrono::milliseconds, std::stop_token) { return {}; }
    std::chrono::system_clock::time_point now() const { return {}; }
};

struct send_not_awaitable {  // returns the result itself, not something to co_await
    result<http_response> send(http_request, std::stop_token) { return http_response{}; }
    task<result<void>> sleep_for(std::chrono::milliseconds, std::stop_token) { return {}; }
    steady_time now() const { return {}; }
};

struct send_wrong_result {
    task<http_response> send(http_request, std::stop_token) { return {}; }
    task<result<void>> sleep_for(std::chrono::milliseconds, std::stop_token) { return {}; }
    steady_time now() const { return {}; }
};

struct sleep_wrong_result {
    task<result<http_response>> send(http_request, std::stop_token) { return {}; }
    task<void> sleep_for(std::chrono::milliseconds, std::stop_token) { return {}; }
    steady_time now() const { return {}; }
};

struct now_not_const {
    task<result<http_response>> send(http_request, std::stop_token) { return {}; }
    task<result<void>> sleep_for(std::chrono::milliseconds, std::stop_token) { return {}; }
    steady_time now() { return {}; }
};

struct own_awaiters {
    ready_awaiter<result<http_response>> send(http_request, std::stop_token) { return {http_response{}}; }
    member_co_await_sleep sleep_for(std::chrono::milliseconds, std::stop_token) { return {}; }
    steady_time now() const { return {}; }
};

struct free_co_await_transport {
    ready_awaiter<result<http_response>> send(http_request, std::stop_token) { return {http_response{}}; }
    free_co_await_sleep sleep_for(std::chrono::milliseconds, std::stop_token) { return {}; }
    steady_time now() const { return {}; }
};

static_assert(trocco::transport<scripted_transport>);
static_assert(trocco::transport<event_loop_transport>);
static_assert(trocco::transport<complete_transport>);
static_assert(trocco::transport<own_awaiters>);
static_assert(trocco::transport<free_co_await_transport>);

static_assert(!trocco::transport<missing_send>);
static_assert(!trocco::transport_can_send<missing_send>);
static_assert(trocco::transport_can_sleep<missing_send> && trocco::transport_has_clock<missing_send>);

static_assert(!trocco::transport<missing_sleep>);
static_assert(!trocco::transport_can_sleep<missing_sleep>);
static_assert(trocco::transport_can_send<missing_sleep> && trocco::transport_has_clock<missing_sleep>);

static_assert(!trocco::transport<missing_now>);
static_assert(!trocco::transport_has_clock<missing_now>);
static_assert(trocco::transport_can_send<missing_now> && trocco::transport_can_sleep<missing_now>);

static_assert(!trocco::transport<wrong_clock>);
static_assert(!trocco::transport<send_not_awaitable>);
static_assert(!trocco::transport<send_wrong_result>);
static_assert(!trocco::transport<sleep_wrong_result>);
static_assert(!trocco::transport<now_not_const>);
static_assert(!trocco::transport<int>);

static_assert(trocco::awaitable<task<int>>);
static_assert(trocco::awaitable<task<int>&>);
static_assert(trocco::awaitable_of<task<int>, int>);
static_assert(!trocco::awaitable_of<task<int>, long>);
static_assert(trocco::awaitable_of<member_co_await_sleep, result<void>>);
static_assert(trocco::awaitable_of<free_co_await_sleep, result<void>>);
static_assert(trocco::awaitable_of<std::suspend_always, void>);
static_assert(!trocco::awaitable<int>);
static_assert(!trocco::awaitable<result<int>>);

// A minimal third-party transport: operations are trocco::task coroutines answering by URL at once, on a virtual
// clock advanced by the sleeps.
class task_transport {
public:
    std::map<std::string, std::vector<http_response>> answers;  // per URL, consumed in order
    std::vector<http_request> sent;
    std::vector<std::chrono::milliseconds> slept;

    task<result<http_response>> send(http_request request, std::stop_token stop) {
        if (stop.stop_requested()) co_return trocco::error{errc::canceled, "stopped"};
        sent.push_back(request);
        auto& queue = answers[request.url];
        if (queue.empty()) co_return trocco::error{errc::connect_failed, "no answer for " + request.url};
        http_response r = queue.front();
        queue.erase(queue.begin());
        co_return r;
    }
    task<result<void>> sleep_for(std::chrono::milliseconds delay, std::stop_token stop) {
        if (stop.stop_requested()) co_return trocco::error{errc::canceled, "stopped"};
        slept.push_back(delay);
        now_ += delay;
        co_return result<void>{};
    }
    steady_time now() const { return now_; }

private:
    steady_time now_{std::chrono::hours{5}};
};
static_assert(trocco::transport<task_transport>);

}  // namespace

TEST_CASE("a third-party transport whose send returns trocco::task runs the client", "[transport]") {
    task_transport t;
    t.answers[run_job_url(42)] = {http_response{200, {}, job_json(9, "queued")}};
    t.answers[job_url(9)] = {http_response{200, {}, job_json(9, "executing")},
                             http_response{503, {}, ""},
                             http_response{200, {}, job_json(9, "succeeded")}};
    trocco::client c{t, options_with(0.5)};

    const auto done = trocco::sync_wait(c.run_and_wait({.job_definition_id = 42}));
    REQUIRE(done.has_value());
    CHECK(done->id == 9);
    CHECK(done->status == trocco::job_status::succeeded);
    REQUIRE(t.sent.size() == 4);
    CHECK(t.sent[0].method == trocco::http_method::post);
    CHECK(t.sent[0].url == run_job_url(42));
    CHECK(t.sent[3].url == job_url(9));
    // Two polls on the default schedule and one backoff (first retry, random 0.5: half of 1 s).
    CHECK(counts(t.slept) == std::vector<long long>{5000, 5000, 500});

    const auto read = trocco::sync_wait(c.get_job(77));
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error().kind() == errc::connect_failed);  // no answer scripted: retried, then given up
    CHECK(read.error().job_id() == 77);
}

TEST_CASE("a transport with its own awaiter types (member and free operator co_await) runs the client",
          "[transport]") {
    own_awaiters a;
    trocco::client ca{a, options_with()};
    const auto ra = trocco::sync_wait(ca.get_job(1));
    REQUIRE_FALSE(ra.has_value());  // status 0 is no success: an error, not a crash
    CHECK(ra.error().job_id() == 1);

    free_co_await_transport f;
    trocco::client cf{f, options_with()};
    const auto rf = trocco::sync_wait(cf.get_workflow_job(2));
    REQUIRE_FALSE(rf.has_value());
    CHECK(rf.error().job_id() == 2);
}

TEST_CASE("an event-loop transport that completes later, by URL, runs the client", "[transport]") {
    int polls = 0;
    event_loop_transport t{[&](const http_request& r) {
                               if (r.method == trocco::http_method::post) {
                                   return http_response{200, {}, pipeline_json(5, "queued", 3)};
                               }
                               ++polls;
                               return http_response{200, {}, pipeline_json(5, polls < 3 ? "executing" : "succeeded", 3)};
                           },
                           std::chrono::milliseconds{100}};
    trocco::client c{t, options_with(0.5)};
    started_task<result<trocco::workflow_job>> wait{c.run_and_wait(trocco::run_workflow_request{.workflow_definition_id = 3})};
    CHECK_FALSE(wait.done());  // suspended on the loop
    t.run();
    REQUIRE(wait.done());
    const auto done = wait.take();
    REQUIRE(done.has_value());
    CHECK(done->id == 5);
    CHECK(done->status == trocco::job_status::succeeded);
    CHECK(t.sends() == 4);
    CHECK(counts(t.sleeps()) == std::vector<long long>{5000, 5000, 5000});
    // Four sends of 100 ms each plus the three sleeps.
    CHECK(t.now() - std::chrono::steady_clock::time_point{std::chrono::hours{1}} ==
          std::chrono::milliseconds{400 + 5000 + 5000 + 5000});
}
