// virtual_transport.hpp - a Transport with a virtual clock for the benchmarks (parts c and e): trocco's
// job endpoints answered from a table of job durations, so that thousands of concurrent waits of hours run in
// a second. Single-threaded.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <trocco/http.hpp>
#include <trocco/result.hpp>

// The virtual clock of trocco-testing's simulated_trocco; by path, as bench_polling does not depend on trocco-testing.
#include <trocco/testing/virtual_clock.hpp>

namespace trocco_bench {

/// A Transport with a virtual clock: sends and sleeps suspend and are completed by run() in due-time order
/// (a send is due at once: zero latency), the clock jumping to each due time. Answers POST /api/jobs and
/// GET /api/jobs/{id} from the job table. Single-threaded; stop tokens are accepted and ignored (nothing stops
/// in this simulation).
class virtual_transport {
public:
    struct job_record {
        std::chrono::milliseconds duration{0};
        std::chrono::steady_clock::time_point ends_at{};
        bool started = false;
        int posts = 0;
        int gets = 0;
    };

    explicit virtual_transport(const std::vector<std::chrono::milliseconds>& durations) {
        jobs_.reserve(durations.size());
        for (const auto d : durations) jobs_.push_back(job_record{d});
    }

    std::chrono::steady_clock::time_point now() const noexcept { return loop_.now(); }
    std::chrono::system_clock::time_point system_now() const noexcept {
        return std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} +
               std::chrono::duration_cast<std::chrono::system_clock::duration>(loop_.now() - loop_.start());
    }
    const std::vector<job_record>& jobs() const noexcept { return jobs_; }

    class send_awaiter final : trocco::testing::virtual_clock::operation {
    public:
        send_awaiter(virtual_transport& t, trocco::http_request r) : t_(t), request_(std::move(r)) {}
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) {
            handle_ = h;
            t_.loop_.schedule(t_.loop_.now(), *this);
        }
        trocco::result<trocco::http_response> await_resume() { return std::move(response_); }

    private:
        void complete() override {
            response_ = t_.answer(request_);
            handle_.resume();
        }
        virtual_transport& t_;
        trocco::http_request request_;
        trocco::http_response response_;
        std::coroutine_handle<> handle_;
    };

    class sleep_awaiter final : trocco::testing::virtual_clock::operation {
    public:
        sleep_awaiter(virtual_transport& t, std::chrono::milliseconds delay) : t_(t), delay_(delay) {}
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) {
            handle_ = h;
            t_.loop_.schedule(t_.loop_.after(delay_), *this);
        }
        trocco::result<void> await_resume() const noexcept { return {}; }

    private:
        void complete() override { handle_.resume(); }
        virtual_transport& t_;
        std::chrono::milliseconds delay_;
        std::coroutine_handle<> handle_;
    };

    send_awaiter send(trocco::http_request request, std::stop_token) { return send_awaiter(*this, std::move(request)); }
    sleep_awaiter sleep_for(std::chrono::milliseconds delay, std::stop_token) { return sleep_awaiter(*this, delay); }

    /// Completes operations in due-time order until none is pending.
    void run() {
        while (loop_.run_one()) {
        }
    }

    /// Completes the operation due first if it is due by `limit`; false if there is none.
    bool run_one(std::chrono::steady_clock::time_point limit) { return loop_.run_one(limit); }

private:
    static std::string job_body(std::int64_t id, std::string_view status) {
        return R"({"id":)" + std::to_string(id) + R"(,"job_definition_id":)" + std::to_string(id) + R"(,"status":")" +
               std::string(status) + R"("})";
    }

    trocco::http_response answer(const trocco::http_request& request) {
        constexpr std::string_view post_prefix = "https://trocco.io/api/jobs?job_definition_id=";
        constexpr std::string_view get_prefix = "https://trocco.io/api/jobs/";
        const std::string_view url = request.url;
        if (request.method == trocco::http_method::post && url.starts_with(post_prefix)) {
            const auto id = std::stoll(std::string(url.substr(post_prefix.size())));
            auto& job = jobs_.at(static_cast<std::size_t>(id - 1));
            if (job.started) throw std::logic_error("job started twice");
            job.started = true;
            ++job.posts;
            job.ends_at = loop_.now() + job.duration;
            return {200, {}, job_body(id, "queued")};
        }
        if (request.method == trocco::http_method::get && url.starts_with(get_prefix)) {
            const auto id = std::stoll(std::string(url.substr(get_prefix.size())));
            auto& job = jobs_.at(static_cast<std::size_t>(id - 1));
            ++job.gets;
            return {200, {}, job_body(id, loop_.now() >= job.ends_at ? "succeeded" : "executing")};
        }
        return {404, {}, R"({"message":"Not found"})"};
    }

    std::vector<job_record> jobs_;
    trocco::testing::virtual_clock loop_;
};

}  // namespace trocco_bench
