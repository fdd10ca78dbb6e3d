// trocco/testing/simulated_trocco.hpp - a simulated trocco account on a virtual clock: a Transport that answers
// the job endpoints from a model (jobs that run for given durations, an account rate limit counted in fixed
// windows with X-Rate-Limit-* headers and 429s, faults drawn per request), so that thousands of concurrent waits of
// hours run in a second. For rehearsing rate budgets, poll schedules and failure handling in users' own tests too.
//
//     trocco::testing::simulated_trocco sim{{.rate_limit = {100, std::chrono::minutes{10}},
//                                            .job_duration = [](std::int64_t) { return std::chrono::minutes{3}; }}};
//     trocco::client c{sim, {.api_key = "k"}};
//     ... start tasks (trocco::detail::start_detached), then sim.run();
//     sim.stats().rate_limited, sim.jobs()
//
// Serves POST /api/jobs?job_definition_id=N (a new job, `queued`), GET /api/jobs/{id} (`queued` for the first
// `queue_time`, then `executing`, then the job's final status once its duration has passed), and the same for
// /api/pipeline_jobs (pipeline_definition_id), and GET /api/job_definitions/{id}/jobs (every job of that
// definition, one page, newest first; the filters are not applied). Sends and sleeps suspend and are completed by run() in due-time
// order, the clock jumping to each due time; a stop request is honoured when the operation comes due.
// Single-threaded.
#pragma once

#include <algorithm>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <trocco/detail/saturate.hpp>
#include <trocco/http.hpp>
#include <trocco/result.hpp>
#include <trocco/sync_wait.hpp>
#include <trocco/task.hpp>
#include <trocco/timestamp.hpp>

#include <trocco/testing/virtual_clock.hpp>

namespace trocco::testing {

/// A misbehaviour for one request, chosen by simulated_trocco_options::fault.
enum class simulated_fault {
    none,
    refuse,              // errc::connect_failed: nothing reached trocco
    drop_before,         // errc::transport_failure, the request never processed (a reset before it was read)
    drop_after,          // errc::transport_failure after trocco processed it (a POST created its job)
    server_error_before, // 503, not processed
    server_error_after,  // 502 after processing (a POST created its job)
    unreadable,          // processed; 200 with a body cut in half
    other_job,           // processed; a GET answered about another job
    rate_limited,        // 429 with a Retry-After of 1 s, not processed
};

struct simulated_trocco_options {
    /// The account's limit: `limit` calls per fixed `window` counted from the first request; 0: no limit. Calls
    /// beyond it get 429 with X-Rate-Limit-Reset; every answer carries X-Rate-Limit-Limit/Remaining/Reset.
    std::int64_t rate_limit = 0;
    std::chrono::milliseconds rate_window = std::chrono::minutes{10};
    /// Virtual time a send takes.
    std::chrono::milliseconds latency{0};
    /// How long a new job of a definition runs (after queue_time). Default: one minute.
    std::function<std::chrono::milliseconds(std::int64_t definition_id)> job_duration = {};
    /// The final status of a new job of a definition. Default: "succeeded".
    std::function<std::string(std::int64_t definition_id)> final_status = {};
    std::chrono::milliseconds queue_time = std::chrono::seconds{2};
    /// The fault for request number `n` (0-based, every request counted). Default: none.
    std::function<simulated_fault(const http_request&, std::size_t n)> fault = {};
    /// What system_now() reads at the start.
    std::chrono::system_clock::time_point wall_start = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1};
};

class simulated_trocco {
public:
    using clock = std::chrono::steady_clock;

    struct job_record {
        std::int64_t id = 0;
        std::int64_t definition_id = 0;
        bool workflow = false;
        clock::time_point created{};
        clock::time_point ends_at{};
        std::string final_status;
        std::size_t gets = 0;
        std::optional<clock::time_point> first_seen_finished;  // the first GET answered with the final status
    };

    struct statistics {
        std::size_t requests = 0;
        std::size_t posts = 0;          // POSTs that reached trocco (processed or not)
        std::size_t rate_limited = 0;   // 429s answered because the account was over its limit
        std::size_t faults = 0;         // faults injected
    };

    explicit simulated_trocco(simulated_trocco_options options = {}) : options_(std::move(options)) {}
    simulated_trocco(const simulated_trocco&) = delete;
    simulated_trocco& operator=(const simulated_trocco&) = delete;

    clock::time_point now() const noexcept { return loop_.now(); }
    std::chrono::system_clock::time_point system_now() const noexcept {
        return trocco::detail::saturating_add(options_.wall_start,
                                              trocco::detail::saturating_until(loop_.start(), loop_.now()));
    }
    /// Time since the start.
    std::chrono::milliseconds elapsed() const noexcept {
        return std::chrono::duration_cast<std::chrono::milliseconds>(loop_.now() - loop_.start());
    }
    const std::vector<job_record>& jobs() const noexcept { return jobs_; }
    const statistics& stats() const noexcept { return stats_; }
    std::size_t pending() const noexcept { return loop_.pending(); }

    class send_awaiter final : virtual_clock::operation {
    public:
        send_awaiter(simulated_trocco& t, http_request r, std::stop_token stop)
            : t_(t), request_(std::move(r)), stop_(std::move(stop)) {}
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) {
            handle_ = h;
            t_.loop_.schedule(t_.loop_.after(t_.options_.latency), *this);
        }
        result<http_response> await_resume() { return std::move(outcome_); }

    private:
        void complete() override {
            if (stop_.stop_requested()) {
                outcome_ = error{errc::canceled, "simulated_trocco: send canceled"};
            } else {
                outcome_ = t_.answer(request_);
            }
            handle_.resume();
        }
        simulated_trocco& t_;
        http_request request_;
        std::stop_token stop_;
        result<http_response> outcome_ = http_response{};
        std::coroutine_handle<> handle_;
    };

    class sleep_awaiter final : virtual_clock::operation {
    public:
        sleep_awaiter(simulated_trocco& t, std::chrono::milliseconds delay, std::stop_token stop)
            : t_(t), delay_(delay), stop_(std::move(stop)) {}
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) {
            handle_ = h;
            t_.loop_.schedule(t_.loop_.after(delay_), *this);
        }
        result<void> await_resume() {
            if (stop_.stop_requested()) return error{errc::canceled, "simulated_trocco: sleep canceled"};
            return {};
        }

    private:
        void complete() override { handle_.resume(); }
        simulated_trocco& t_;
        std::chrono::milliseconds delay_;
        std::stop_token stop_;
        std::coroutine_handle<> handle_;
    };

    send_awaiter send(http_request request, std::stop_token stop) { return {*this, std::move(request), std::move(stop)}; }
    sleep_awaiter sleep_for(std::chrono::milliseconds delay, std::stop_token stop) {
        return {*this, delay, std::move(stop)};
    }

    /// Starts `t`, completes operations until it has finished, and returns its value (or rethrows its exception).
    /// Other tasks started before go on meanwhile. A task that never finishes (it waits on something else) ends
    /// in std::logic_error once nothing is pending.
    template <class T>
    T run(task<T> t) {
        std::optional<trocco::detail::task_outcome<T>> outcome;
        trocco::detail::start_detached(std::move(t),
                                       [&](trocco::detail::task_outcome<T>&& o) noexcept { outcome.emplace(std::move(o)); });
        while (!outcome && loop_.run_one()) {
        }
        if (!outcome) throw std::logic_error("simulated_trocco::run: the task did not finish");
        return trocco::detail::take_outcome<T>(std::move(*outcome));
    }

    /// Starts `t` now; `on_value(value)` is called when it finishes (on this thread, inside run()). An exception the
    /// task throws is rethrown by run().
    template <class T, class OnValue>
    void spawn(task<T> t, OnValue on_value) {
        // Qualified: inside trocco::testing, `detail::` would find trocco::testing::detail whenever a header that opens
        // it (fake_api.hpp, fake_server.hpp) came first.
        trocco::detail::start_detached(std::move(t), [this, on_value = std::move(on_value)](
                                                         trocco::detail::task_outcome<T>&& o) mutable noexcept {
            if (o.index() == 0) {
                if (!failure_) failure_ = std::get<0>(o);
                return;
            }
            try {
                on_value(std::get<1>(std::move(o)));
            } catch (...) {
                if (!failure_) failure_ = std::current_exception();
            }
        });
    }

    /// Completes operations in due-time order until none is pending, or `limit` of virtual time has passed;
    /// returns how many it completed. Rethrows the first exception of a spawned task.
    std::size_t run(std::chrono::milliseconds limit = std::chrono::milliseconds::max()) {
        std::size_t n = 0;
        const auto until = loop_.after(limit);
        while (loop_.run_one(until)) ++n;
        if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
        return n;
    }

private:
    static std::optional<std::int64_t> number_after(std::string_view url, std::string_view marker) {
        const auto at = url.find(marker);
        if (at == std::string_view::npos) return std::nullopt;
        std::int64_t value = 0;
        std::size_t i = at + marker.size();
        if (i >= url.size()) return std::nullopt;
        for (; i < url.size() && url[i] >= '0' && url[i] <= '9'; ++i) value = value * 10 + (url[i] - '0');
        return value;
    }

    std::string body_of(const job_record& j, std::string_view status, std::int64_t id) const {
        const auto created = options_.wall_start + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                                       j.created - loop_.start());
        return R"({"id":)" + std::to_string(id) + (j.workflow ? R"(,"pipeline_definition_id":)" : R"(,"job_definition_id":)") +
               std::to_string(j.definition_id) + R"(,"status":")" + std::string(status) + R"(","created_at":")" +
               format_rfc3339(std::chrono::floor<std::chrono::milliseconds>(created)) + R"("})";
    }

    std::string_view status_of(const job_record& j) const {
        if (loop_.now() >= j.ends_at) return j.final_status;
        return loop_.now() < j.created + options_.queue_time ? "queued" : "executing";
    }

    /// Counts the call in the account's window; the headers of the answer, and whether it is over the limit.
    bool count_call(std::vector<http_header>& headers) {
        if (options_.rate_limit <= 0) return false;
        if (!window_start_ || loop_.now() >= *window_start_ + options_.rate_window) {
            window_start_ = loop_.now();
            window_calls_ = 0;
        }
        ++window_calls_;
        const auto reset = system_now() + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                              *window_start_ + options_.rate_window - loop_.now());
        const auto reset_seconds = std::chrono::ceil<std::chrono::seconds>(reset.time_since_epoch()).count();
        headers.push_back({"X-Rate-Limit-Limit", std::to_string(options_.rate_limit)});
        headers.push_back({"X-Rate-Limit-Remaining", std::to_string(std::max<std::int64_t>(0, options_.rate_limit - window_calls_))});
        headers.push_back({"X-Rate-Limit-Reset", std::to_string(reset_seconds)});
        return window_calls_ > options_.rate_limit;
    }

    result<http_response> answer(const http_request& request) {
        const std::size_t n = stats_.requests++;
        const simulated_fault f = options_.fault ? options_.fault(request, n) : simulated_fault::none;
        if (f != simulated_fault::none) ++stats_.faults;
        if (f == simulated_fault::refuse) return error{errc::connect_failed, "simulated_trocco: connection refused"};
        if (f == simulated_fault::drop_before) return error{errc::transport_failure, "simulated_trocco: reset"};
        const bool post = request.method == http_method::post;
        if (post) ++stats_.posts;
        http_response response;
        if (count_call(response.headers)) {
            ++stats_.rate_limited;
            response.status = 429;
            response.body = R"({"message":"Rate limit exceeded"})";
            return response;
        }
        if (f == simulated_fault::rate_limited) {
            response.status = 429;
            response.headers.push_back({"Retry-After", "1"});
            return response;
        }
        if (f == simulated_fault::server_error_before) {
            response.status = 503;
            return response;
        }
        const std::string_view url = request.url;
        const bool workflow = url.find("/api/pipeline_jobs") != std::string_view::npos;
        if (!post && url.find("/api/job_definitions/") != std::string_view::npos) {
            const auto definition = number_after(url, "/api/job_definitions/");
            std::string items;
            for (auto j = jobs_.rbegin(); j != jobs_.rend(); ++j) {
                if (j->workflow || !definition || j->definition_id != *definition) continue;
                items += (items.empty() ? "" : ",") + body_of(*j, status_of(*j), j->id);
            }
            response.status = 200;
            response.body = R"({"items":[)" + items + R"(],"next_cursor":null})";
        } else if (post) {
            const auto definition = number_after(url, workflow ? "pipeline_definition_id=" : "job_definition_id=");
            if (!definition || *definition <= 0) return http_response{400, {}, R"({"message":"no definition"})"};
            job_record j;
            j.id = static_cast<std::int64_t>(jobs_.size()) + 1;
            j.definition_id = *definition;
            j.workflow = workflow;
            j.created = loop_.now();
            const auto duration = options_.job_duration ? options_.job_duration(*definition) : std::chrono::minutes{1};
            j.ends_at = loop_.now() + options_.queue_time + duration;
            j.final_status = options_.final_status ? options_.final_status(*definition) : "succeeded";
            jobs_.push_back(j);
            response.status = 200;
            response.body = body_of(j, "queued", j.id);
        } else {
            const auto id = number_after(url, workflow ? "/api/pipeline_jobs/" : "/api/jobs/");
            if (!id || *id <= 0 || *id > static_cast<std::int64_t>(jobs_.size())) {
                return http_response{404, std::move(response.headers), R"({"message":"Not found"})"};
            }
            auto& j = jobs_[static_cast<std::size_t>(*id - 1)];
            ++j.gets;
            const bool finished = loop_.now() >= j.ends_at;
            if (finished && !j.first_seen_finished && f == simulated_fault::none) j.first_seen_finished = loop_.now();
            response.status = 200;
            response.body = body_of(j, status_of(j), f == simulated_fault::other_job ? j.id + 1000000 : j.id);
        }
        if (f == simulated_fault::drop_after) return error{errc::transport_failure, "simulated_trocco: reset after reading"};
        if (f == simulated_fault::server_error_after) return http_response{502, {}, ""};
        if (f == simulated_fault::unreadable) response.body.resize(response.body.size() / 2);
        return response;
    }

    simulated_trocco_options options_;
    std::vector<job_record> jobs_;
    statistics stats_;
    virtual_clock loop_;
    std::optional<clock::time_point> window_start_;
    std::int64_t window_calls_ = 0;
    std::exception_ptr failure_;
};

}  // namespace trocco::testing
