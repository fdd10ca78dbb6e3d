// Fuzz target: the whole client (run_and_wait for transfer jobs and workflows, wait_job, wait_workflow_job,
// get_job, get_workflow_job, run_job, run_workflow) over trocco::testing::scripted_transport, whose answers
// (status, headers, body, or a transport error of any errc, and latency) and the operation's options (retry
// policy, poll schedule, timeout, confirmations, callbacks, a stop at some step) come from the input
// (client_scenario.hpp). Both completion modes of the transport are played.
//
// Invariants (a violation aborts with a message; TROCCO_FUZZ_VERBOSE=1 prints the scenario and every call):
// - no exception escapes, and the operation finishes: in immediate mode without suspending, in deferred mode
//   without waiting on nothing;
// - bounded: after the decoded answers the transport answers 401 and refuses any further request; sleeps never
//   outnumber requests by more than 2x, and none is negative or longer than the options allow;
// - a trigger POST is sent again only after connect_failed, an error marked with_nothing_sent(), or an HTTP 429;
//   no POST after a poll, no POST from a read, no GET from run_job, a poll only after a readable trigger answer;
// - the API key is only in the Authorization header of requests and in no error message;
// - the result agrees with what was answered: success only with the parsed last answer, `succeeded` for a wait,
//   about the job asked for; job_failed/job_canceled/job_skipped with the last job in that status;
//   wait_timeout only once the timeout passed (or a retry was cut off by it); an error code explained by the last
//   answer; invalid_argument exactly for invalid arguments, before anything was sent; canceled only after a
//   stop, and canceled after any stop; errors of waits and reads carry the job id; outcome_unknown carries the
//   definition id and trigger time, wait_timeout the last job seen; no request starts after the wait's timeout,
//   and a wait ends within its timeout plus the answers' latency;
// - on_triggered once, with the new job's id, before the first poll; on_status_change only on a change.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <trocco/client.hpp>
#include <trocco/testing/scripted_transport.hpp>

#include "client_scenario.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace trocco_fuzz;
using std::chrono::milliseconds;
using trocco::errc;
using trocco::testing::scripted_transport;
using wide = __int128;

bool verbose() {
    static const bool on = std::getenv("TROCCO_FUZZ_VERBOSE") != nullptr;
    return on;
}

std::string describe(const trocco::result<trocco::http_response>& outcome) {
    if (!outcome) {
        return std::string("transport error ") + trocco::to_string(outcome.error().kind()) +
               (outcome.error().may_have_reached_server() ? "" : " (nothing sent)") + ": " + outcome.error().message();
    }
    std::string text = "HTTP " + std::to_string(outcome->status);
    for (const auto& h : outcome->headers) text += " [" + h.name + ": " + h.value + "]";
    return text + " " + outcome->body.substr(0, 300);
}

/// One request as the client sent it, and what it got.
struct sent {
    trocco::http_method method;
    std::string url;
    std::size_t step;   // index into the scenario's steps; steps.size() for the final 401
    bool canceled;      // the stop was requested when it was sent: the transport answered errc::canceled
};

/// Everything observed while one scenario runs; the transport's hooks fill it and check as they go.
struct observer {
    observer(const scenario& scene, scripted_transport& t, const std::vector<step>& steps)
        : s(scene), transport(t), answers(steps) {}

    const scenario& s;
    scripted_transport& transport;
    std::stop_source stop;
    const std::vector<step>& answers;  // the scenario's steps plus the final 401
    std::size_t calls = 0;             // sends and sleeps
    std::size_t calls_after_stop = 0;
    std::size_t sleeps = 0;
    std::vector<sent> sends;
    std::vector<std::int64_t> triggered;  // on_triggered calls
    std::size_t sends_at_trigger_callback = 0;
    std::vector<std::string> notified;    // raw_status of each on_status_change call
    std::optional<std::variant<trocco::job, trocco::workflow_job>> last_notified;

    wide sleep_limit() const {
        const auto& r = s.retry;
        wide limit = std::max(wide{r.max_backoff.count()}, wide{r.max_server_wait.count()} + r.initial_backoff.count());
        if (waits(s.op)) {
            const auto& p = s.wait.poll;
            const double poll = static_cast<double>(std::max(p.max_delay, p.first_delay).count()) *
                                (1.0 + std::clamp(p.jitter, 0.0, 1.0));
            limit = std::max(limit, static_cast<wide>(std::ceil(poll)) + 1);
            limit = std::max(limit, wide{s.wait.error_confirmation_delay.count()});
        }
        return limit;
    }

    void count_call() {
        ++calls;
        if (stop.stop_requested()) {
            if (++calls_after_stop > 2) fail("the operation went on calling the transport after a stop");
        }
        if (s.stop > 0 && calls == static_cast<std::size_t>(s.stop)) stop.request_stop();
    }

    /// The outcome request `r` really got.
    trocco::result<trocco::http_response> outcome_of(const sent& r) const {
        if (r.canceled) return trocco::error{errc::canceled, "scripted_transport: send canceled"};
        return answers[r.step].outcome;
    }

    /// May the trigger be sent again after this outcome? Only when it surely started nothing.
    static bool surely_started_nothing(const trocco::result<trocco::http_response>& outcome) {
        if (!outcome) return outcome.error().kind() == errc::connect_failed || !outcome.error().may_have_reached_server();
        return outcome->status == 429;
    }

    std::string expected_post_url() const {
        return std::string(base_url) + (is_workflow(s.op) ? "/api/pipeline_jobs?pipeline_definition_id="
                                                          : "/api/jobs?job_definition_id=") +
               std::to_string(s.id);
    }

    std::string job_url(std::int64_t id) const {
        return std::string(base_url) + (is_workflow(s.op) ? "/api/pipeline_jobs/" : "/api/jobs/") + std::to_string(id);
    }

    /// The id of the job the trigger's answer names (the one to poll), if that answer was a job.
    std::optional<std::int64_t> triggered_id() const {
        for (auto it = sends.rbegin(); it != sends.rend(); ++it) {
            if (it->method != trocco::http_method::post) continue;
            const auto outcome = outcome_of(*it);
            if (!outcome) return std::nullopt;
            if (is_workflow(s.op)) {
                const auto j = trocco::parse_workflow_job_response(*outcome);
                return j ? std::optional<std::int64_t>(j->id) : std::nullopt;
            }
            const auto j = trocco::parse_job_response(*outcome);
            return j ? std::optional<std::int64_t>(j->id) : std::nullopt;
        }
        return std::nullopt;
    }

    /// The job of the last readable answer about job `asked` (the trigger's or a poll's), if any: the last job the
    /// client saw. An answer about another job is no sight of this one.
    template <class Job>
    std::optional<Job> last_readable(std::int64_t asked) const {
        for (auto it = sends.rbegin(); it != sends.rend(); ++it) {
            const auto outcome = outcome_of(*it);
            if (!outcome) continue;
            if constexpr (std::is_same_v<Job, trocco::job>) {
                auto j = trocco::parse_job_response(*outcome);
                if (j && j->id == asked) return std::move(*j);
            } else {
                auto j = trocco::parse_workflow_job_response(*outcome);
                if (j && j->id == asked) return std::move(*j);
            }
        }
        return std::nullopt;
    }

    void on_send(std::size_t index) {
        if (index > answers.size() - 1) fail("the client sent a request after the script's final 401");
        count_call();
        const trocco::http_request& request = transport.requests().back();
        sends.push_back({request.method, request.url, index, stop.stop_requested()});
        if (verbose()) {
            std::fprintf(stderr, "  #%zu %s %s -> %s\n", calls, std::string(trocco::to_string(request.method)).c_str(),
                         request.url.c_str(),
                         sends.back().canceled ? "canceled (stop requested)" : describe(answers[index].outcome).c_str());
        }
        check_key_placement(request);
        // The timeout is the overall limit: a request may be in flight when it passes, but none starts after it.
        if (waits(s.op) && s.wait.timeout != milliseconds::max() &&
            wide{transport.elapsed().count()} > wide{s.wait.timeout.count()}) {
            fail("a request was sent after the wait's timeout had passed");
        }
        const bool post = request.method == trocco::http_method::post;
        if (post) {
            if (!triggers(s.op)) fail("a read-only operation sent a POST");
            if (request.url != expected_post_url()) fail("unexpected trigger URL", request.url);
            for (std::size_t i = 0; i + 1 < sends.size(); ++i) {
                if (sends[i].method == trocco::http_method::get) fail("a trigger POST after a poll");
                if (!surely_started_nothing(outcome_of(sends[i]))) {
                    fail("a trigger POST was sent again after an outcome that may have started a job",
                         "earlier outcome: " + describe(outcome_of(sends[i])));
                }
            }
            return;
        }
        if (!polls(s.op)) fail("run_job/run_workflow sent a GET");
        std::int64_t polled = s.id;
        if (triggers(s.op)) {
            const auto id = triggered_id();
            if (!id) fail("polled although the trigger's answer named no job");
            polled = *id;
            if (s.on_triggered && (triggered.size() != 1 || triggered.front() != polled)) {
                fail("polled before on_triggered was called once with the new job's id");
            }
        }
        if (request.url != job_url(polled)) fail("unexpected poll URL", request.url + " (expected " + job_url(polled) + ")");
    }

    void on_sleep(milliseconds delay) {
        count_call();
        ++sleeps;
        if (verbose()) std::fprintf(stderr, "  #%zu sleep %lld ms\n", calls, static_cast<long long>(delay.count()));
        if (delay.count() < 0) fail("a negative sleep");
        // With max_server_wait = milliseconds::max() ("always honour the server") the limit is the clock's: main
        // clamps such a sleep to what a steady_clock time point can still hold.
        if (wide{delay.count()} > sleep_limit()) fail("a sleep longer than any the options allow");
        static_assert(std::is_same_v<std::chrono::steady_clock::period, std::nano>);
        if (wide{transport.now().time_since_epoch().count()} + wide{delay.count()} * 1'000'000 >
            wide{std::chrono::steady_clock::time_point::max().time_since_epoch().count()}) {
            fail("a sleep beyond the end of the transport's clock");
        }
        if (sleeps > 2 * sends.size() + 2) fail("sleeps without requests: the wait does not progress");
    }

    void check_key_placement(const trocco::http_request& request) const {
        if (contains(request.url, api_key) || contains(request.body, api_key)) fail("the API key is in the URL or body");
        bool authorized = false;
        for (const auto& h : request.headers) {
            if (h.name == "Authorization") {
                authorized = h.value == "Token " + std::string(api_key);
            } else if (contains(h.value, api_key)) {
                fail("the API key is in a header other than Authorization");
            }
        }
        if (!authorized) fail("a request without the Authorization header");
    }
};

double draw_random(const scenario& s, std::uint64_t& state) {
    if (s.random_style == 1) return 0.0;
    if (s.random_style == 2) return std::nextafter(1.0, 0.0);
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

template <class T>
T run_task(scripted_transport& transport, bool deferred, trocco::task<T> t) {
    if (deferred) {
        try {
            return transport.run(std::move(t));
        } catch (const std::logic_error& e) {
            fail("the operation waits while nothing is pending (it would hang)", e.what());
        }
    }
    auto outcome = std::make_shared<std::optional<trocco::detail::task_outcome<T>>>();
    trocco::detail::start_detached(std::move(t), [outcome](trocco::detail::task_outcome<T>&& o) noexcept {
        outcome->emplace(std::move(o));
    });
    if (!*outcome) fail("the operation suspended although every transport call completes inline (it would hang)");
    return trocco::detail::take_outcome<T>(std::move(**outcome));
}

template <class Job>
std::optional<Job> parse_as(const trocco::result<trocco::http_response>& outcome) {
    if (!outcome) return std::nullopt;
    trocco::result<Job> parsed = [&] {
        if constexpr (std::is_same_v<Job, trocco::job>) return trocco::parse_job_response(*outcome);
        else return trocco::parse_workflow_job_response(*outcome);
    }();
    if (!parsed) return std::nullopt;
    return std::move(*parsed);
}

constexpr bool in_transport_contract(errc e) {
    return e == errc::connect_failed || e == errc::transport_failure || e == errc::canceled || e == errc::invalid_argument;
}

constexpr bool is_http_kind(errc e) {
    return e == errc::bad_request || e == errc::unauthorized || e == errc::forbidden || e == errc::not_found ||
           e == errc::rate_limited || e == errc::server_error || e == errc::http_error;
}

template <class Job>
void check_result(const trocco::result<Job>& r, const observer& o, const scripted_transport& t) {
    const scenario& s = o.s;
    const bool invalid = has_invalid_arguments(s);
    const bool stopped = o.stop.stop_requested();
    const std::optional<trocco::result<trocco::http_response>> last =
        o.sends.empty() ? std::nullopt : std::optional(o.outcome_of(o.sends.back()));
    const wide latency = [&] {
        wide sum = 0;
        if (s.deferred) {
            for (const auto& r2 : o.sends) sum += r2.canceled ? 0 : o.answers[r2.step].latency.count();
        }
        return sum;
    }();
    const wide elapsed = t.elapsed().count();

    if (!t.mismatches().empty()) fail("the transport saw an unexpected request", t.mismatches().front());
    if (waits(s.op) && s.wait.timeout != milliseconds::max() && !invalid &&
        elapsed > wide{s.wait.timeout.count()} + latency) {
        fail("the wait ran past its timeout by more than the answers' latency");
    }

    if (!r) {
        const trocco::error& e = r.error();
        if (contains(e.message(), api_key) || contains(e.to_string(), api_key)) fail("the API key is in an error message");
        for (std::size_t n = 4; n < api_key.size(); ++n) {
            if (e.message().ends_with(std::string(api_key.substr(0, n)) + "...")) {
                fail("the head of the API key is in an error message cut before \"...\"", e.message());
            }
        }
        // A transport may only fail with connect_failed, transport_failure, canceled or invalid_argument
        // (trocco/transport.hpp); a code outside that contract must not come out as if it meant something about
        // the job.
        if (last && !*last) {
            const errc got = last->error().kind();
            const bool contract = in_transport_contract(got);
            // A trigger that failed with a transport_failure (which a foreign code becomes) is outcome_unknown:
            // with a foreign outcome_unknown the result's code is the same, but for the documented reason.
            // Likewise a wait whose retries of such a failure ran into its timeout ends as wait_timeout, in its own
            // words.
            const bool trigger_unknown = got == errc::outcome_unknown && o.sends.back().method == trocco::http_method::post &&
                                         contains(e.message(), "may have reached trocco");
            const bool timed_out = got == errc::wait_timeout && e.message().starts_with("gave up waiting");
            if (!contract && got == e.kind() && !trigger_unknown && !timed_out) {
                fail("a transport error outside the transport contract was passed on as is", e.to_string());
                return;
            }
        }
        if (e.kind() == errc::invalid_argument) {
            // The transport's own invalid_argument (a request it cannot send; nothing was sent) is passed on.
            if (last && !*last && last->error().kind() == errc::invalid_argument) return;
            if (!invalid) fail("invalid_argument for valid arguments", e.message());
            if (!o.sends.empty()) fail("invalid_argument after a request was sent");
            return;
        }
        if (invalid && !(s.stop == -1 && e.kind() == errc::canceled)) fail("invalid arguments were not rejected");
        if (s.stop == -1 && e.kind() != errc::canceled) fail("a stop before the call did not give canceled");
        if (s.stop == -1 && !o.sends.empty()) fail("a request was sent after a stop before the call");
        const bool polled = !o.sends.empty() && o.sends.back().method == trocco::http_method::get;
        if (!invalid && ((polls(s.op) && !triggers(s.op)) || (polled && triggers(s.op)))) {
            const std::int64_t asked = triggers(s.op) ? o.triggered_id().value_or(-1) : s.id;
            if (e.job_id() != asked) {
                fail("an error of a wait or read lacks the job id (or carries another job's)", e.to_string());
            }
        }
        if (stopped && e.kind() != errc::canceled) fail("a stop was requested, yet the result is not canceled", e.to_string());
        switch (e.kind()) {
            case errc::canceled:
                if (!stopped && !(last && !*last && last->error().kind() == errc::canceled)) {
                    fail("canceled without a stop, nor a canceled transport error");
                }
                return;
            case errc::wait_timeout:
                if (!waits(s.op)) fail("wait_timeout from an operation that does not wait");
                // It may give up early only when its next step (a poll, a retry) could not come before the deadline.
                if (elapsed + o.sleep_limit() < wide{s.wait.timeout.count()}) fail("wait_timeout long before the timeout");
                if (const auto seen = o.last_readable<Job>(triggers(s.op) ? o.triggered_id().value_or(-1) : s.id)) {
                    const Job* kept = nullptr;
                    if constexpr (std::is_same_v<Job, trocco::job>) kept = e.last_job();
                    else kept = e.last_workflow_job();
                    if (!kept || !(*kept == *seen)) fail("wait_timeout without the last job seen");
                }
                return;
            case errc::outcome_unknown:
                if (!triggers(s.op)) fail("outcome_unknown from a read");
                if (!last || o.sends.back().method != trocco::http_method::post) fail("outcome_unknown after a poll");
                if (!e.may_have_reached_server()) fail("outcome_unknown that says nothing was sent");
                if (e.definition_id() != s.id || !e.trigger_time()) {
                    fail("outcome_unknown without the definition id and the trigger time");
                }
                return;
            case errc::job_failed:
            case errc::job_canceled:
            case errc::job_skipped: {
                if (!waits(s.op)) fail("a job outcome from an operation that does not wait");
                const auto expected = e.kind() == errc::job_failed     ? trocco::job_status::error
                                      : e.kind() == errc::job_canceled ? trocco::job_status::canceled
                                                                       : trocco::job_status::skipped;
                const Job* seen = nullptr;
                if constexpr (std::is_same_v<Job, trocco::job>) seen = e.last_job();
                else seen = e.last_workflow_job();
                const auto answered = last ? parse_as<Job>(*last) : std::nullopt;
                if (!seen || seen->status != expected || !answered || !(*answered == *seen)) {
                    if (last && !*last && last->error().kind() == e.kind()) {
                        fail("a transport error's code was taken as the job's outcome", describe(*last));
                        return;
                    }
                    fail("a job outcome that the last answer does not show", last ? describe(*last) : "no answer");
                }
                if (seen->id != (triggers(s.op) ? o.triggered_id().value_or(-1) : s.id)) {
                    fail("the wait ended with the outcome of another job", describe(*last));
                }
                return;
            }
            default: break;
        }
        // Every other code must be explained by the last answer.
        if (!last) fail("an error without any request", e.to_string());
        if (!*last) {
            const errc got = last->error().kind();
            const bool contract = in_transport_contract(got);
            // A code outside the transport contract may come out as transport_failure (the safe reading).
            if (got != e.kind() && !(!contract && e.kind() == errc::transport_failure)) {
                fail("the error does not match the last transport error", e.to_string() + " after " + describe(*last));
            }
            return;
        }
        const int status = (*last)->status;
        if (is_http_kind(e.kind())) {
            if (e.http_status() != status || e.kind() != trocco::errc_for_status(status)) {
                fail("an HTTP error that the last answer does not show", e.to_string() + " after " + describe(*last));
            }
            return;
        }
        if (e.kind() == errc::protocol_error && trocco::is_success_status(status)) return;
        fail("an error code the last answer does not explain", e.to_string() + " after " + describe(*last));
    }

    // A value.
    if (invalid) fail("invalid arguments gave a value");
    if (stopped) fail("a value although a stop was requested (the transport canceled a call)");
    if (!last || !*last) fail("a value without a readable last answer");
    const auto answered = parse_as<Job>(*last);
    if (!answered || !(*answered == *r)) fail("the value is not the last answer", describe(*last));
    if (waits(s.op) && r->status != trocco::job_status::succeeded) fail("a wait succeeded without `succeeded`");
    const std::int64_t asked = triggers(s.op) ? o.triggered_id().value_or(-1) : s.id;
    if (polls(s.op) && r->id != asked) {
        fail("the answer about another job was taken as the job's", describe(*last));
    }
    if (waits(s.op) && s.callback != callback_kind::none) {
        if (!o.last_notified || !std::holds_alternative<Job>(*o.last_notified) ||
            !(std::get<Job>(*o.last_notified) == *r)) {
            fail("on_status_change did not report the final job");
        }
    }
}

template <class Job>
trocco::task<trocco::result<Job>> start_operation(trocco::client<scripted_transport>& c, const scenario& s,
                                                  trocco::wait_options options, std::stop_token stop) {
    trocco::run_job_request run_job{.job_definition_id = s.id, .context_time = s.context_time, .time_zone = s.time_zone,
                                    .custom_variables = s.custom_variables};
    trocco::run_workflow_request run_workflow{.workflow_definition_id = s.id, .context_time = s.context_time,
                                              .time_zone = s.time_zone};
    if constexpr (std::is_same_v<Job, trocco::job>) {
        switch (s.op) {
            case operation::run_and_wait_job: return c.run_and_wait(std::move(run_job), std::move(options));
            case operation::wait_job: return c.wait_job(s.id, std::move(options));
            case operation::get_job: return c.get_job(s.id, stop);
            default: return c.run_job(std::move(run_job), stop);
        }
    } else {
        switch (s.op) {
            case operation::run_and_wait_workflow: return c.run_and_wait(std::move(run_workflow), std::move(options));
            case operation::wait_workflow_job: return c.wait_workflow_job(s.id, std::move(options));
            case operation::get_workflow_job: return c.get_workflow_job(s.id, stop);
            default: return c.run_workflow(std::move(run_workflow), stop);
        }
    }
}

template <class Job>
void play(const scenario& s) {
    scripted_transport transport{s.deferred ? scripted_transport::completion::deferred
                                            : scripted_transport::completion::immediate,
                                 s.wall_start};
    std::vector<step> answers = s.steps;
    answers.push_back({trocco::http_response{401, {}, R"({"message":"the fuzz script is exhausted"})"}, milliseconds{0}});
    observer o{s, transport, answers};
    for (std::size_t i = 0; i <= answers.size(); ++i) {
        // One step more than there are answers: its hook fails the target, so the transport refuses to go on.
        trocco::testing::scripted_step scripted{
            .outcome = i < answers.size() ? answers[i].outcome : trocco::result<trocco::http_response>(trocco::http_response{}),
            .latency = i < answers.size() ? answers[i].latency : milliseconds{0},
            .on_send = [&o, i] { o.on_send(i); }};
        transport.push_step(std::move(scripted));
    }
    transport.on_sleep([&o](milliseconds delay) { o.on_sleep(delay); });

    std::uint64_t random_state = s.random_seed;
    trocco::client_options options{.api_key = std::string(api_key), .base_url = std::string(base_url),
                                   .retry = s.retry, .random = [&s, &random_state] { return draw_random(s, random_state); }};
    trocco::client client{transport, std::move(options)};

    trocco::wait_options wait = s.wait;
    wait.stop_token = o.stop.get_token();
    if (s.on_triggered) {
        wait.on_triggered = [&o](std::int64_t id) {
            o.triggered.push_back(id);
            o.sends_at_trigger_callback = o.sends.size();
        };
    }
    const auto record = [&o](const auto& j) {
        if (!o.notified.empty() && o.notified.back() == j.raw_status) fail("on_status_change without a change");
        o.notified.push_back(j.raw_status);
        o.last_notified = j;
    };
    switch (s.callback) {
        case callback_kind::none: break;
        case callback_kind::generic: wait.on_status_change = record; break;
        case callback_kind::job_only: wait.on_status_change = [record](const trocco::job& j) { record(j); }; break;
        case callback_kind::workflow_only:
            wait.on_status_change = [record](const trocco::workflow_job& j) { record(j); };
            break;
    }
    if (s.stop == -1) o.stop.request_stop();

    if (verbose()) std::fprintf(stderr, "trocco fuzz client: operation %d, %s mode, %zu answers, stop %d\n",
                                static_cast<int>(s.op), s.deferred ? "deferred" : "immediate", s.steps.size(), s.stop);
    trocco::result<Job> r = trocco::error{errc::invalid_argument, "not run"};
    try {
        r = run_task(transport, s.deferred, start_operation<Job>(client, s, std::move(wait), o.stop.get_token()));
    } catch (const std::exception& e) {
        fail("an exception escaped the client", e.what());
    } catch (...) {
        fail("an exception escaped the client");
    }
    if (verbose()) {
        std::fprintf(stderr, "  result: %s\n", r ? ("job " + std::to_string(r->id) + " " + r->raw_status).c_str()
                                                 : r.error().to_string().c_str());
    }
    if (triggers(s.op) && waits(s.op) && s.on_triggered) {
        const bool polled = std::any_of(o.sends.begin(), o.sends.end(),
                                        [](const sent& x) { return x.method == trocco::http_method::get; });
        if (polled && o.triggered.size() != 1) fail("on_triggered was not called exactly once before polling");
        if (o.triggered.size() > 1) fail("on_triggered called more than once");
    }
    if (!triggers(s.op) && !o.triggered.empty()) fail("on_triggered called by an operation that started nothing");
    check_result(r, o, transport);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const scenario s = decode_scenario(in);
    if (is_workflow(s.op)) {
        play<trocco::workflow_job>(s);
    } else {
        play<trocco::job>(s);
    }
    return 0;
}
