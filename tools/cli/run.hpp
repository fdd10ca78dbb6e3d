// tools/cli/run.hpp - carrying out a parsed command with a trocco::client, over whichever transport main() chose.
// One body for every job kind: execute() picks the model type from the command's job_kind once, and
// execute_kind<Job> serves transfer jobs, workflow jobs and datamart jobs alike (job_traits, any_job). The
// request and option builders are pure (unit-tested); the coroutines are execute*, plan_polls and the lists.
//
// Coroutine hygiene for g++ 12: parameters by value (pointers to the client and the printer, which main() keeps
// alive until the task is done), one co_await per statement into a named local.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <trocco/client.hpp>
#include <trocco/job.hpp>
#include <trocco/job_kind.hpp>
#include <trocco/list_sequence.hpp>
#include <trocco/poll_schedule.hpp>
#include <trocco/requests.hpp>
#include <trocco/result.hpp>
#include <trocco/retry_policy.hpp>
#include <trocco/task.hpp>
#include <trocco/wait_options.hpp>

#include "command_line.hpp"
#include "output.hpp"
#include "poll_history.hpp"
#include "progress_printer.hpp"

namespace trocco::cli {

/// What a command needs besides the client: where it shows progress, the state directory (resolved: --state-dir
/// or the default; empty when there is none), and the stop token (a signal).
struct run_context {
    progress_printer* progress = nullptr;
    std::string state_dir;
    std::stop_token stop;
    /// Lists without --json: prints one item's line at once (so that a long list shows as its pages arrive, in
    /// bounded memory). Empty: the items are collected in the outcome (--json prints them as one array, or nothing
    /// when the list fails part way).
    std::function<void(const std::string& line)> print_line = {};
};

/// The wait options of a command: --poll-interval gives a fixed schedule, else `planned` (history-informed, or
/// the library's default); --wait-timeout the overall timeout, else the library's 24 hours; --reconcile and
/// --idempotency-key as given. The confirmation of a workflow's `error` keeps the library's spacing (2 polls,
/// 10 s apart) whatever the poll interval: it must outlast the moment between `error` and an automatic retry.
inline wait_options make_wait_options(const command_line& cmd, std::stop_token stop, poll_schedule planned = {}) {
    wait_options options;
    options.poll = cmd.poll_interval ? poll_schedule::fixed(*cmd.poll_interval) : std::move(planned);
    if (cmd.wait_timeout) options.timeout = *cmd.wait_timeout;
    options.reconcile = cmd.reconcile;
    if (cmd.idempotency_key) options.idempotency_key = *cmd.idempotency_key;
    options.stop_token = std::move(stop);
    return options;
}

/// The run request of a command, for the model `Job`: the definition id, context time and zone, and the custom
/// variables and memo where the kind takes them.
template <class Job>
typename job_traits<Job>::run_request make_run_request(const command_line& cmd) {
    typename job_traits<Job>::run_request request;
    if constexpr (std::is_same_v<Job, trocco::job>) {
        request.job_definition_id = cmd.id;
        request.custom_variables = cmd.variables;
    } else if constexpr (std::is_same_v<Job, workflow_job>) {
        request.workflow_definition_id = cmd.id;
    } else {
        request.datamart_definition_id = cmd.id;
        request.custom_variables = cmd.variables;
        request.memo = cmd.memo;
    }
    request.context_time = cmd.context_time;
    request.time_zone = cmd.time_zone;
    return request;
}

/// The query of `job list`: --since, --until, --time-zone; pages of up to 100 (fewer with a smaller --limit).
inline job_history_query make_history_query(const command_line& cmd) {
    job_history_query query;
    query.start_time = cmd.since;
    query.end_time = cmd.until;
    query.time_zone = cmd.time_zone;
    query.page_size = static_cast<int>(std::min<std::int64_t>(cmd.limit.value_or(100), 100));
    return query;
}

inline definition_query make_definition_query(const command_line& cmd) {
    definition_query query;
    query.name = cmd.name;
    query.page_size = static_cast<int>(std::min<std::int64_t>(cmd.limit.value_or(100), 100));
    return query;
}

/// A command's outcome from the client's result: the job, or the error plus the last job it carries.
template <class Job>
command_outcome outcome_of(result<Job> r) {
    command_outcome outcome;
    if (r) {
        outcome.job = any_job{std::move(*r)};
        return outcome;
    }
    trocco::error e = std::move(r).error();
    if (const auto* j = e.last_job()) outcome.job = any_job{*j};
    if (const auto* w = e.last_workflow_job()) outcome.job = any_job{*w};
    outcome.failure = std::move(e);
    return outcome;
}

/// The poll schedule of a transfer job's wait when no --poll-interval is given: planned from the definition's
/// recent run times (poll_history.hpp), cached in the state directory. Never fails: without history (or when it
/// cannot be read) the library's default schedule, with a note in `notes` saying why.
template <class Transport>
task<poll_schedule> plan_polls(client<Transport>* c, std::int64_t definition_id, std::string state_dir,
                               std::stop_token stop, std::vector<std::string>* notes) {
    const timestamp now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    std::optional<run_history> cached;
    if (!state_dir.empty()) cached = read_cache(state_dir, definition_id);
    if (cached && is_fresh(*cached, now)) co_return poll_schedule::from_history(cached->durations);

    job_history_query query;
    query.start_time = history_start_time(now);
    query.time_zone = "Etc/UTC";
    query.page_size = 100;
    auto history = job_history(*c, definition_id, query, stop);
    std::vector<trocco::job> jobs;
    for (int page = 0; page < history_pages; ++page) {
        auto items = co_await history.next_page();
        if (!items) {
            if (items.error().kind() == errc::canceled) co_return poll_schedule{};  // a signal: the wait says so
            notes->push_back("could not read the job history of definition " + std::to_string(definition_id) +
                             " to plan the polls (" + error_line(items.error()) + "); polling on " +
                             (cached ? "the run times cached earlier" : "the default schedule"));
            co_return cached ? poll_schedule::from_history(cached->durations) : poll_schedule{};
        }
        if (!*items) break;
        for (auto& j : **items) jobs.push_back(std::move(j));
    }
    run_history fresh{definition_id, now, durations_of(std::move(jobs), now)};
    if (!state_dir.empty() && !write_cache(state_dir, fresh)) {
        notes->push_back("could not write the run-time cache " + history_cache_path(state_dir, definition_id));
    }
    co_return poll_schedule::from_history(fresh.durations);
}

/// get, wait, run and run --wait for one job kind.
template <class Job, class Transport>
task<command_outcome> execute_kind(client<Transport>* c, client<Transport>* planner, command_line cmd,
                                   run_context ctx) {
    constexpr job_kind kind = job_traits<Job>::kind;
    std::vector<std::string> notes;
    if constexpr (kind != job_kind::datamart) {
        if (cmd.what() == verb::get) {
            if constexpr (kind == job_kind::transfer) {
                auto read = co_await c->get_job(cmd.id, ctx.stop);
                co_return outcome_of(std::move(read));
            } else {
                auto read = co_await c->get_workflow_job(cmd.id, ctx.stop);
                co_return outcome_of(std::move(read));
            }
        }
    }
    if (!cmd.waits()) {
        auto request = make_run_request<Job>(cmd);
        if constexpr (kind == job_kind::transfer) {
            auto started = co_await c->run_job(std::move(request), ctx.stop);
            co_return outcome_of(std::move(started));
        } else if constexpr (kind == job_kind::workflow) {
            auto started = co_await c->run_workflow(std::move(request), ctx.stop);
            co_return outcome_of(std::move(started));
        } else {
            auto started = co_await c->run_datamart_job(std::move(request), ctx.stop);
            co_return outcome_of(std::move(started));
        }
    }
    if constexpr (kind == job_kind::datamart) {
        co_return command_outcome{};  // the parser refuses --wait for datamart runs: trocco cannot be asked
    } else {
        // History-informed polling: transfer jobs only (trocco lists no workflow jobs).
        poll_schedule planned;
        std::int64_t definition_id = cmd.what() == verb::run ? cmd.id : 0;
        if (kind == job_kind::transfer && !cmd.poll_interval) {
            if (definition_id == 0) {
                auto first = co_await planner->get_job(cmd.id, ctx.stop);
                if (first) definition_id = detail::definition_of(*first);
            }
            if (definition_id != 0) {
                auto schedule = co_await plan_polls(planner, definition_id, ctx.state_dir, ctx.stop, &notes);
                planned = std::move(schedule);
            }
        }
        wait_options options = make_wait_options(cmd, ctx.stop, std::move(planned));
        progress_printer* progress = ctx.progress;
        progress->begin(kind, cmd.what() == verb::run ? cmd.id : 0, cmd.what() == verb::wait ? cmd.id : 0);
        options.observer = [progress](const wait_event& e) { progress->on_event(e); };
        command_outcome outcome;
        if (cmd.what() == verb::wait) {
            if constexpr (kind == job_kind::transfer) {
                auto done = co_await c->wait_job(cmd.id, std::move(options));
                outcome = outcome_of(std::move(done));
            } else {
                auto done = co_await c->wait_workflow_job(cmd.id, std::move(options));
                outcome = outcome_of(std::move(done));
            }
        } else {
            auto request = make_run_request<Job>(cmd);
            auto done = co_await c->run_and_wait(std::move(request), std::move(options));
            outcome = outcome_of(std::move(done));
        }
        progress->finish();
        outcome.notes = std::move(notes);
        co_return outcome;
    }
}

/// Takes one item of a list: printed at once when `ctx` says so, else kept in `items`.
template <class Item>
void take(Item item, std::vector<Item>& items, const run_context& ctx) {
    if (ctx.print_line) {
        ctx.print_line(list_line(item));
    } else {
        items.push_back(std::move(item));
    }
}

/// `job list` and `definitions list`: every page (or until --limit items), in trocco's order.
template <class Transport>
task<command_outcome> execute_list(client<Transport>* c, command_line cmd, run_context ctx) {
    command_outcome outcome;
    const auto limit = static_cast<std::size_t>(cmd.limit.value_or(INT64_MAX));
    std::size_t taken = 0;
    if (cmd.command == command_id::job_list) {
        auto history = job_history(*c, cmd.id, make_history_query(cmd), ctx.stop);
        for (; taken < limit; ++taken) {
            auto next = co_await history.next();
            if (!next) {
                outcome.failure = std::move(next).error();
                break;
            }
            if (!*next) break;
            take(std::move(**next), outcome.jobs, ctx);
        }
        co_return outcome;
    }
    auto list = definitions(*c, cmd.list_kind, make_definition_query(cmd), ctx.stop);
    for (; taken < limit; ++taken) {
        auto next = co_await list.next();
        if (!next) {
            outcome.failure = std::move(next).error();
            break;
        }
        if (!*next) break;
        take(std::move(**next), outcome.definitions, ctx);
    }
    co_return outcome;
}

/// The retry policy of the reads that plan the polls (planning_client_options): two attempts, short backoff, so
/// that a failing history read delays the run by little before it falls back to the default schedule.
inline retry_policy planning_retry() {
    retry_policy r;
    r.max_attempts = 2;
    r.initial_backoff = std::chrono::milliseconds{200};
    r.max_backoff = std::chrono::seconds{1};
    r.max_server_wait = std::chrono::seconds{2};
    return r;
}

/// Carries out `cmd` with `c`; `planner` (a client of the same transport and key, with planning_retry()) reads
/// the history that plans the polls. Both and `ctx.progress` must outlive the task. Stopping `ctx.stop` ends a
/// request or a wait promptly with errc::canceled (a started job keeps running on trocco).
template <class Transport>
task<command_outcome> execute(client<Transport>* c, client<Transport>* planner, command_line cmd, run_context ctx) {
    if (cmd.what() == verb::list) {
        auto listed = co_await execute_list(c, std::move(cmd), std::move(ctx));
        co_return listed;
    }
    switch (cmd.kind()) {
        case job_kind::transfer: {
            auto done = co_await execute_kind<trocco::job>(c, planner, std::move(cmd), std::move(ctx));
            co_return done;
        }
        case job_kind::workflow: {
            auto done = co_await execute_kind<workflow_job>(c, planner, std::move(cmd), std::move(ctx));
            co_return done;
        }
        case job_kind::datamart: break;
    }
    auto done = co_await execute_kind<datamart_job>(c, planner, std::move(cmd), std::move(ctx));
    co_return done;
}

}  // namespace trocco::cli
