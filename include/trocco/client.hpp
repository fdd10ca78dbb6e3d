// trocco/client.hpp - client<Transport>: start trocco jobs and workflows and wait for them to finish.
//
//     trocco::client client{transport, {.api_key = key}};
//     trocco::result<trocco::job> done = co_await client.run_and_wait({.job_definition_id = 42});
//
// The client is a short driver of the sans-I/O core: wait_machine decides every step (requests, retries, polls,
// deadlines), the transport does the I/O, and the optional rate budget and idempotency store are consulted where
// the machine says so. One coroutine frame per operation.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>

#include "detail/client_support.hpp"
#include "http.hpp"
#include "idempotency_store.hpp"
#include "job.hpp"
#include "job_kind.hpp"
#include "rate_budget.hpp"
#include "request_builder.hpp"
#include "requests.hpp"
#include "result.hpp"
#include "retry_policy.hpp"
#include "task.hpp"
#include "transport.hpp"
#include "wait_machine.hpp"
#include "wait_options.hpp"

namespace trocco {

/// Settings of a client. `client_options{.api_key = key}` gives the documented defaults for the rest.
struct client_options {
    /// The trocco API key, sent only in the Authorization header and never put in an error message or an event.
    std::string api_key = {};
    /// https://trocco.io (Japan); other regions: https://in.trocco.io, https://kr.trocco.io.
    std::string base_url = "https://trocco.io";
    /// How a failed request is retried (see retry_policy.hpp for the rules and defaults).
    retry_policy retry = {};
    /// Uniform random numbers in [0, 1) for the backoff and polling jitter. Empty: a built-in generator seeded
    /// from std::random_device. Set it to make delays reproducible in tests. It may be called from any thread the
    /// transport resumes on, so it must be thread-safe if those are several.
    std::function<double()> random = {};
    /// Receives every event of every operation of this client (events.hpp). Empty: none.
    event_observer observer = {};
    /// The account's rate budget, shared by every client of the account (in_process_budget.hpp). Empty: each
    /// request goes when its wait wants it, and a 429 is handled as it comes.
    std::shared_ptr<rate_budget> budget = {};
    /// Where wait_options::idempotency_key records runs (file_idempotency_store.hpp). Needed only with a key.
    std::shared_ptr<trocco::idempotency_store> idempotency_store = {};
};

/// Starts jobs and workflows on trocco and waits for them, over any trocco::transport.
///
/// Lifetimes: the client keeps a reference to `transport`, which must outlive the client and every task the
/// client returned. The client copies its options; tasks take their arguments by value, so nothing the caller
/// passed needs to stay alive. A task must not outlive the client that made it. Tasks are lazy: nothing is sent
/// until one is awaited, and the timeout of a wait counts from then.
///
/// Threads: one client may run many operations at once (its state is read-only but for an atomic jitter source).
/// Each task resumes where its transport resumes it (the asio transport: its executor; the curl transport: its
/// worker thread, or the thread in its run()); callbacks of wait_options and observers run there too.
///
/// Errors: every operation returns result<...>; nothing throws except what a user callback throws (which
/// propagates out of the co_await) and std::bad_alloc. No error message contains the API key.
///
/// Cancellation: the std::stop_token of an operation (wait_options::stop_token for waits) ends it promptly, during
/// a sleep or a request, with errc::canceled; trocco has no API to cancel a job, so a started job keeps running.
template <class Transport>
class client {
    static_assert(detail::check_transport<Transport>());

public:
    /// A bad api_key or base_url is not thrown: every operation then returns that errc::invalid_argument error.
    client(Transport& transport, client_options options)
        : transport_(transport),
          builder_(request_builder::create(options.base_url, options.api_key)),
          options_(std::move(options)) {}

    /// Starts a transfer job. Result: the job as the trigger answered it (status usually `queued`).
    /// Errors: invalid_argument; the API's errors (unauthorized, forbidden, not_found, bad_request,
    /// rate_limited after retries); connect_failed (after retries: no job was started); outcome_unknown (the
    /// request may have reached trocco: a job may or may not have been started; do not blindly rerun), carrying
    /// definition_id() and trigger_time(); canceled (may_have_reached_server() tells whether a job may have
    /// been started). Never sends the POST a second time once it may have reached the server.
    task<result<job>> run_job(run_job_request request, std::stop_token stop = {}) {
        return run_only<job>(build([&](const request_builder& b) { return b.run_job(request); }),
                             request.job_definition_id, std::move(stop));
    }

    /// Starts a workflow. Result and errors as for run_job.
    task<result<workflow_job>> run_workflow(run_workflow_request request, std::stop_token stop = {}) {
        return run_only<workflow_job>(build([&](const request_builder& b) { return b.run_workflow(request); }),
                                      request.workflow_definition_id, std::move(stop));
    }

    /// Starts a datamart job. Result and errors as for run_job. trocco has no endpoint to read a datamart job
    /// again, so there is no waiting on one: run the datamart inside a workflow and wait for the workflow.
    task<result<datamart_job>> run_datamart_job(run_datamart_job_request request, std::stop_token stop = {}) {
        return run_only<datamart_job>(build([&](const request_builder& b) { return b.run_datamart_job(request); }),
                                      request.datamart_definition_id, std::move(stop));
    }

    /// Reads a transfer job once (transient failures retried per the retry policy; an answer about another job
    /// is a protocol_error, retried). Errors carry the job id.
    task<result<job>> get_job(std::int64_t job_id, std::stop_token stop = {}) {
        return drive<job>(machine_or_error([&](const wait_context& c) {
            return wait_machine::read_once(c, job_kind::transfer, job_id, std::move(stop));
        }));
    }

    /// Reads a workflow job once; as get_job.
    task<result<workflow_job>> get_workflow_job(std::int64_t workflow_job_id, std::stop_token stop = {}) {
        return drive<workflow_job>(machine_or_error([&](const wait_context& c) {
            return wait_machine::read_once(c, job_kind::workflow, workflow_job_id, std::move(stop));
        }));
    }

    /// Starts a transfer job and waits until it finishes.
    /// Result: the finished job, when it `succeeded`.
    /// Errors: those of run_job, before a job id is known; afterwards every error carries job_id():
    ///   job_failed / job_canceled / job_skipped - the job ended so; last_job() is the final job;
    ///   wait_timeout - options.timeout passed; last_job() is the last job seen; it keeps running on trocco;
    ///   canceled - options.stop_token was triggered; the job keeps running on trocco;
    ///   unauthorized, forbidden, not_found, server_error, connect_failed, transport_failure, protocol_error -
    ///   polling failed (after the retry policy's retries); the job may still be running;
    ///   store_failure - the idempotency store failed before anything was sent.
    /// With options.reconcile, an unknown trigger outcome is looked into (see wait_options); with
    /// options.idempotency_key, a rerun re-attaches instead of starting another job.
    /// Resumes on the transport's completion context.
    task<result<job>> run_and_wait(run_job_request request, wait_options options = {}) {
        auto post = build([&](const request_builder& b) { return b.run_job(request); });
        return run_and_wait_impl<job>(std::move(post), request.job_definition_id, std::move(options));
    }

    /// Starts a workflow and waits until it finishes; as run_and_wait for transfer jobs. A workflow's `error`
    /// is final only once confirmed (wait_options::error_confirmations), since an automatic retry may follow.
    task<result<workflow_job>> run_and_wait(run_workflow_request request, wait_options options = {}) {
        auto post = build([&](const request_builder& b) { return b.run_workflow(request); });
        return run_and_wait_impl<workflow_job>(std::move(post), request.workflow_definition_id, std::move(options));
    }

    /// Re-attaches to a transfer job started earlier (by another process, or before a crash) and waits until it
    /// finishes. It polls at once, then on options.poll. Result and errors as for run_and_wait.
    task<result<job>> wait_job(std::int64_t job_id, wait_options options = {}) {
        return drive<job>(machine_or_error([&](const wait_context& c) {
            return wait_machine::attach(c, job_kind::transfer, job_id, std::move(options));
        }));
    }

    /// Re-attaches to a workflow job; as wait_job.
    task<result<workflow_job>> wait_workflow_job(std::int64_t workflow_job_id, wait_options options = {}) {
        return drive<workflow_job>(machine_or_error([&](const wait_context& c) {
            return wait_machine::attach(c, job_kind::workflow, workflow_job_id, std::move(options));
        }));
    }

    /// Reads one page of a transfer definition's job history (GET /api/job_definitions/{id}/jobs), with retries.
    /// `cursor`: the previous page's next_cursor, empty for the first. See job_history() for the whole sequence.
    task<result<list_page<job>>> job_history_page(std::int64_t job_definition_id, job_history_query query,
                                                  std::string cursor = {}, std::stop_token stop = {}) {
        auto request = build([&](const request_builder& b) { return b.job_history(job_definition_id, query, cursor); });
        return fetch_page<job>(std::move(request), detail::history_page_parser{}, std::move(stop));
    }

    /// Reads one page of a definition list, with retries.
    task<result<list_page<definition_summary>>> definitions_page(job_kind kind, definition_query query,
                                                                 std::string cursor = {}, std::stop_token stop = {}) {
        auto request = build([&](const request_builder& b) { return b.definitions(kind, query, cursor); });
        return fetch_page<definition_summary>(std::move(request), detail::definitions_page_parser{kind},
                                              std::move(stop));
    }

    /// The transport this client sends through.
    Transport& transport() noexcept { return transport_; }

private:
    template <class Build>
    result<http_request> build(Build&& b) const {
        if (!builder_) return builder_.error();
        return b(*builder_);
    }

    wait_context context(bool recording = false) {
        wait_context c;
        c.builder = builder_ ? &*builder_ : nullptr;
        c.retry = &options_.retry;
        c.random = &detail::call_random;
        c.random_state = &random_;
        c.observer = options_.observer ? &options_.observer : nullptr;
        c.budgeted = static_cast<bool>(options_.budget);
        c.recording = recording;
        return c;
    }

    template <class Make>
    wait_machine machine_or_error(Make&& make) {
        if (!builder_) return wait_machine::failed(context(), builder_.error());
        return make(context());
    }

    template <class Job>
    task<result<Job>> run_only(result<http_request> post, std::int64_t definition_id, std::stop_token stop) {
        if (!post) return drive<Job>(wait_machine::failed(context(), std::move(post).error()));
        return drive<Job>(wait_machine::trigger_only(context(), job_traits<Job>::kind, std::move(*post), definition_id,
                                                     std::move(stop)));
    }

    template <class Job>
    task<result<Job>> run_and_wait_impl(result<http_request> post, std::int64_t definition_id, wait_options options) {
        if (!post) return drive<Job>(wait_machine::failed(context(), std::move(post).error()));
        if (!options.idempotency_key.empty()) {
            return drive_once<Job>(std::move(*post), definition_id, std::move(options));
        }
        return drive<Job>(wait_machine::trigger_and_wait(context(), job_traits<Job>::kind, std::move(*post),
                                                         definition_id, std::move(options)));
    }

    /// Runs a machine to its end: the one coroutine of an operation. `on_done(machine)` turns the finished machine
    /// into the result, or gives nullopt when it asked the machine to go on (a page that could not be read).
    template <class Result, class OnDone>
    task<Result> run_machine(wait_machine m, OnDone on_done, idempotency_session* session = nullptr,
                             idempotency_record* record = nullptr) {
        m.start(now(), wall());
        for (;;) {
            wait_step& step = m.next();
            switch (step.what) {
                case wait_step::kind::send: {
                    auto outcome = co_await transport_.send(std::move(step.request), m.stop_token());
                    if (options_.budget) options_.budget->on_answer(detail::budget_answer_of(outcome, now(), wall()));
                    m.on_answer(std::move(outcome), now(), wall());
                    break;
                }
                case wait_step::kind::sleep: {
                    const auto delay = detail::saturating_until(now(), step.until);
                    auto slept = co_await transport_.sleep_for(delay, m.stop_token());
                    m.on_slept(std::move(slept), now());
                    break;
                }
                case wait_step::kind::acquire: {
                    const budget_request ask{step.role, now(), wall(), m.job_id(),
                                             static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&m))};
                    auto allowed = co_await options_.budget->acquire(ask);
                    m.on_budget(allowed, now());
                    break;
                }
                case wait_step::kind::record: {
                    auto saved = co_await detail::save_job_id(session, record, step.job_id);
                    m.on_recorded(std::move(saved), now());
                    break;
                }
                case wait_step::kind::done: {
                    std::optional<Result> finished = on_done(m);
                    if (finished) co_return std::move(*finished);
                    break;
                }
            }
        }
    }

    template <class Job>
    task<result<Job>> drive(wait_machine m, idempotency_session* session = nullptr,
                            idempotency_record* record = nullptr) {
        return run_machine<result<Job>>(
            std::move(m),
            [this](wait_machine& done) { return std::optional(redact(detail::typed_result<Job>(done.take_result()))); },
            session, record);
    }

    /// run_and_wait with an idempotency key: take the key, then attach, reconcile or trigger as its record says.
    template <class Job>
    task<result<Job>> drive_once(http_request post, std::int64_t definition_id, wait_options options) {
        constexpr job_kind kind = job_traits<Job>::kind;
        if (!options_.idempotency_store) {
            co_return error{errc::invalid_argument,
                            "wait_options.idempotency_key needs client_options.idempotency_store"};
        }
        auto opened = co_await options_.idempotency_store->open(options.idempotency_key);
        if (!opened) co_return std::move(opened).error();
        std::unique_ptr<idempotency_session> session = std::move(*opened);
        const auto plan = detail::plan_from_record(session->record(), kind, definition_id, options.idempotency_key);
        if (!plan) co_return plan.error();
        idempotency_record record{options.idempotency_key, kind, definition_id, plan->trigger_time, 0};
        if (plan->job_id != 0) {
            auto done = co_await drive<Job>(
                wait_machine::attach(context(), kind, plan->job_id, std::move(options), definition_id, true));
            co_return done;
        }
        if (plan->reconcile) {
            auto done = co_await drive<Job>(wait_machine::reconcile_and_wait(context(true), kind, definition_id,
                                                                            plan->trigger_time, std::move(options)),
                                            session.get(), &record);
            co_return done;
        }
        record.trigger_time = wall();
        auto saved = co_await session->save(record);
        if (!saved) co_return std::move(saved).error().prefix_message("nothing was sent: ");
        auto done = co_await drive<Job>(
            wait_machine::trigger_and_wait(context(true), kind, std::move(post), definition_id, std::move(options)),
            session.get(), &record);
        co_return done;
    }

    template <class Item, class Parse>
    task<result<list_page<Item>>> fetch_page(result<http_request> request, Parse parse, std::stop_token stop) {
        if (!request) return drive_page<Item>(wait_machine::failed(context(), std::move(request).error()), parse);
        return drive_page<Item>(wait_machine::fetch(context(), std::move(*request), std::move(stop)), parse);
    }

    template <class Item, class Parse>
    task<result<list_page<Item>>> drive_page(wait_machine m, Parse parse) {
        using page_result = result<list_page<Item>>;
        return run_machine<page_result>(std::move(m), [this, parse](wait_machine& done) -> std::optional<page_result> {
            auto answer = done.take_response();
            if (!answer) return redact(page_result(std::move(answer).error()));
            page_result page = parse(*answer);
            if (!page && page.error().kind() == errc::protocol_error && done.reject(page.error(), now(), wall())) {
                return std::nullopt;  // sent again
            }
            return redact(std::move(page));
        });
    }

    std::chrono::steady_clock::time_point now() const { return transport_.now(); }
    std::chrono::system_clock::time_point wall() const { return detail::system_now(transport_); }

    /// The API key must not leave the client inside an error: a server may echo it in a message.
    template <class T>
    result<T> redact(result<T> r) const {
        if (r || !builder_) return r;
        auto e = std::move(r).error();
        std::string clean = builder_->redact(e.message());
        return std::move(e).with_message(std::move(clean));
    }

    Transport& transport_;
    result<request_builder> builder_;
    client_options options_;
    detail::random_source random_{options_.random};
};

}  // namespace trocco
