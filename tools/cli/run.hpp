// tools/cli/run.hpp - carrying out a parsed command with a trocco::client, over whichever transport main() chose.
// make_wait_options / make_*_request are pure (unit-tested); execute() is the one coroutine.
//
// Coroutine hygiene for g++ 12: parameters by value (a pointer to the client and the progress printer, which
// main() keeps alive until the task is done), one co_await per statement into a named local, requests and
// options built in named locals before the co_await.
#pragma once

#include <stop_token>
#include <utility>

#include <trocco/client.hpp>
#include <trocco/job.hpp>
#include <trocco/requests.hpp>
#include <trocco/result.hpp>
#include <trocco/task.hpp>
#include <trocco/wait_options.hpp>

#include "arguments.hpp"
#include "output.hpp"

namespace trocco::cli {

/// The wait options of a command: --poll-interval gives a fixed schedule, else the library's default schedule;
/// --wait-timeout the overall timeout, else the library's 24 hours. `stop` ends the wait promptly (a signal).
/// The confirmation of a workflow's `error` keeps the library's spacing (2 polls, 10 s apart) whatever the poll
/// interval: it must outlast the moment between `error` and an automatic retry's `retry_waiting`.
inline wait_options make_wait_options(const command_line& cmd, std::stop_token stop) {
    wait_options options;
    if (cmd.poll_interval) options.poll = poll_schedule::fixed(*cmd.poll_interval);
    if (cmd.wait_timeout) options.timeout = *cmd.wait_timeout;
    options.stop_token = std::move(stop);
    return options;
}

inline run_job_request make_run_job_request(const command_line& cmd) {
    run_job_request request;
    request.job_definition_id = cmd.id;
    request.context_time = cmd.context_time;
    request.time_zone = cmd.time_zone;
    request.custom_variables = cmd.variables;
    return request;
}

inline run_workflow_request make_run_workflow_request(const command_line& cmd) {
    run_workflow_request request;
    request.workflow_definition_id = cmd.id;
    request.context_time = cmd.context_time;
    request.time_zone = cmd.time_zone;
    return request;
}

/// A command's outcome from the client's result: the job, or the error plus the last job it carries.
template <class Job>
command_outcome outcome_of(result<Job> r) {
    command_outcome outcome;
    if (r) {
        if constexpr (std::is_same_v<Job, trocco::job>) {
            outcome.job = std::move(*r);
        } else {
            outcome.workflow_job = std::move(*r);
        }
        return outcome;
    }
    trocco::error e = std::move(r).error();
    if (const auto* j = e.last_job()) outcome.job = *j;
    if (const auto* p = e.last_workflow_job()) outcome.workflow_job = *p;
    outcome.failure = std::move(e);
    return outcome;
}

/// Hooks the progress printer into a wait: the id when the trigger answered, a line per status change.
template <class Job>
void attach_progress(wait_options& options, progress_printer* progress) {
    options.on_triggered = [progress](std::int64_t id) { progress->triggered(id); };
    options.on_status_change = [progress](const Job& j) { progress->status_changed(j); };
}

namespace detail {

template <class Transport>
task<command_outcome> execute_job(client<Transport>* c, command_line cmd, progress_printer* progress,
                                  std::stop_token stop) {
    if (cmd.verb == action::get) {
        auto read = co_await c->get_job(cmd.id, stop);
        co_return outcome_of(std::move(read));
    }
    wait_options options = make_wait_options(cmd, stop);
    attach_progress<trocco::job>(options, progress);
    if (cmd.verb == action::wait) {
        auto done = co_await c->wait_job(cmd.id, std::move(options));
        co_return outcome_of(std::move(done));
    }
    run_job_request request = make_run_job_request(cmd);
    if (!cmd.wait) {
        auto started = co_await c->run_job(std::move(request), stop);
        if (started) progress->status_changed(*started);
        co_return outcome_of(std::move(started));
    }
    auto done = co_await c->run_and_wait(std::move(request), std::move(options));
    co_return outcome_of(std::move(done));
}

template <class Transport>
task<command_outcome> execute_pipeline(client<Transport>* c, command_line cmd, progress_printer* progress,
                                       std::stop_token stop) {
    if (cmd.verb == action::get) {
        auto read = co_await c->get_workflow_job(cmd.id, stop);
        co_return outcome_of(std::move(read));
    }
    wait_options options = make_wait_options(cmd, stop);
    attach_progress<trocco::workflow_job>(options, progress);
    if (cmd.verb == action::wait) {
        auto done = co_await c->wait_workflow_job(cmd.id, std::move(options));
        co_return outcome_of(std::move(done));
    }
    run_workflow_request request = make_run_workflow_request(cmd);
    if (!cmd.wait) {
        auto started = co_await c->run_workflow(std::move(request), stop);
        if (started) progress->status_changed(*started);
        co_return outcome_of(std::move(started));
    }
    auto done = co_await c->run_and_wait(std::move(request), std::move(options));
    co_return outcome_of(std::move(done));
}

}  // namespace detail

/// Carries out `cmd` with `c`. `c` and `progress` must outlive the task. Stopping `stop` ends a request or a wait
/// promptly with errc::canceled (the job keeps running on trocco).
template <class Transport>
task<command_outcome> execute(client<Transport>* c, command_line cmd, progress_printer* progress,
                              std::stop_token stop) {
    if (cmd.what == resource::job) {
        auto outcome = co_await detail::execute_job(c, std::move(cmd), progress, std::move(stop));
        co_return outcome;
    }
    auto outcome = co_await detail::execute_pipeline(c, std::move(cmd), progress, std::move(stop));
    co_return outcome;
}

}  // namespace trocco::cli
