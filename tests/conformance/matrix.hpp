// tests/conformance/matrix.hpp - the fault matrix (docs/fault-matrix.md) as data: each row is one fault, each of
// its cells one column of it, run against one transport:
//
//   trigger  run_and_wait of a transfer job, the fault on the job-starting POST;
//   read     get_job of an existing job, the fault on `read_times` GETs (-1: every one, so the retries run out);
//   wait     run_and_wait, the fault on the first `wait_times` GETs (the polls of the wait).
//
// Every cell has its own fake server (so that faults never meet another cell's requests) and its own client; all
// cells of a matrix share one transport and run at once, so a matrix takes as long as its slowest cell.
#pragma once

#include "harness.hpp"
#include "support/unaccepting_listener.hpp"

#include <deque>

namespace conformance::matrix {

/// What one cell must end with. Counts of -1 are not checked.
struct expectation {
    std::optional<errc> failure = std::nullopt;  // nullopt: the operation succeeds
    int posts = -1;                              // POST requests the server read
    int gets = -1;                               // GET requests the server read
    int jobs = -1;                               // transfer jobs the server holds (seeded ones included)
    std::optional<int> http_status = std::nullopt;     // the error's HTTP status
    std::optional<bool> may_have_reached = std::nullopt;  // error::may_have_reached_server()
    std::string message_part = {};               // a part of the error's message
    std::chrono::milliseconds at_least{0};       // how long the operation took, at least...
    std::chrono::milliseconds at_most{15'000};   // ...and at most (times `slowdown`)
    /// Further checks of a success (the job returned).
    std::function<void(const trocco::job&)> on_success = {};
    /// A failure carries the id of the job the server created (its only one).
    bool names_the_job = false;
    /// Non-empty: the cell is expected to fail today, because of the bug named here (see docs/fault-matrix.md).
    /// Such cells run only in the matrix's "[!shouldfail]" case, so that the regular cases stay green and the
    /// known-bug case turns red (passes unexpectedly) once the bug is fixed.
    std::string known_bug = {};
};

/// Which cells of the rows added a matrix runs.
enum class cells { regular, known_bugs };

/// Where a row's requests go, when not to the row's fake server as it is.
enum class target {
    server,          // the row's fake server
    closed_port,     // 127.0.0.1 at a port where a connect is refused (test_support::refused_loopback_port)
    dns_name,        // `dns_name` (a tests/support/dns_shim.cpp name) at the fake server's port
    full_backlog,    // a listening socket whose accept queue is full: the SYN is never answered
};

/// How many times slower than a plain build the timing of the cells allows for: a sanitizer build runs several
/// times slower, and with every cell of a part at once on a loaded 2-core machine a loopback answer there can
/// take a good part of a second.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr int slowdown = 3;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr int slowdown = 3;
#else
inline constexpr int slowdown = 1;
#endif
#else
inline constexpr int slowdown = 1;
#endif

/// The connect and the read timeout of every cell: short enough that the cells that wait for them finish in a few
/// seconds, long enough for a TLS handshake and an answer with every cell running at once.
inline constexpr std::chrono::milliseconds cell_timeout = 1000ms * slowdown;

/// A DNS shim name whose lookup stalls three cell timeouts, then resolves to 127.0.0.1.
inline std::string stalling_name() { return "sleep-" + std::to_string(3 * cell_timeout.count()) + ".ok.invalid"; }

/// The transport settings of both matrix parts.
inline transport_config matrix_transport(std::string ca_pem = {}) {
    transport_config config;
    config.connect_timeout = cell_timeout;
    config.read_timeout = cell_timeout;
    config.ca_pem = std::move(ca_pem);
    return config;
}

/// One fault and its cells.
struct row {
    std::string name;
    std::optional<fault> inject = std::nullopt;  // the method is set per column
    int read_times = -1;
    int wait_times = 1;
    target where = target::server;
    std::string dns_name = {};
    fake_server_options server = server_options();
    /// Requests a stop this long after the start (a std::stop_token given to the operation).
    std::optional<std::chrono::milliseconds> stop_after = std::nullopt;
    int attempts = 3;  // retry_policy::max_attempts
    std::optional<expectation> trigger = std::nullopt, read = std::nullopt, wait = std::nullopt;
};

/// The cells of several rows, run against the transport of one harness.
template <class H>
class matrix {
public:
    explicit matrix(const transport_config& config, cells which = cells::regular) : h_(config), which_(which) {}

    void add(const row& r) {
        if (r.trigger && wanted(*r.trigger)) add_cell(r, "trigger", *r.trigger, trocco::http_method::post, 1, false);
        if (r.read && wanted(*r.read)) add_cell(r, "read", *r.read, trocco::http_method::get, r.read_times, true);
        if (r.wait && wanted(*r.wait)) add_cell(r, "wait", *r.wait, trocco::http_method::get, r.wait_times, false);
    }

    /// Starts every cell at once, then checks each.
    void run() {
        for (auto& c : cells_) c.start();
        std::vector<std::unique_ptr<delayed_stop>> stoppers;
        for (auto& c : cells_) {
            if (c.stop_after) stoppers.push_back(std::make_unique<delayed_stop>(c.stop, *c.stop_after));
        }
        h_.join();
        stoppers.clear();
        for (const auto& c : cells_) check(c);
    }

private:
    struct cell {
        std::string name;
        expectation expect;
        std::unique_ptr<fake_server> server;
        std::unique_ptr<client_for<H>> client;
        std::unique_ptr<test_support::unaccepting_listener> backlog;
        std::stop_source stop;
        std::optional<std::chrono::milliseconds> stop_after;
        std::int64_t read_job_id = 0;  // read cells: the seeded job asked for
        std::function<void()> start;   // spawns the cell's operation (curl: it starts at once)
        std::optional<trocco::result<trocco::job>> outcome;
        std::chrono::steady_clock::duration elapsed{};
    };

    bool wanted(const expectation& e) const { return e.known_bug.empty() == (which_ == cells::regular); }

    static trocco::task<trocco::result<trocco::job>> timed(trocco::task<trocco::result<trocco::job>> t,
                                                           std::chrono::steady_clock::duration* elapsed) {
        const auto start = std::chrono::steady_clock::now();
        auto r = co_await std::move(t);
        *elapsed = since(start);
        co_return r;
    }

    void add_cell(const row& r, std::string_view column, const expectation& e, trocco::http_method method,
                  int times, bool read) {
        auto& c = cells_.emplace_back();
        c.name = std::string(H::name) + ": " + r.name + " / " + std::string(column);
        c.expect = e;
        c.server = std::make_unique<fake_server>(r.server);
        c.stop_after = r.stop_after;
        if (r.inject) {
            auto f = *r.inject;
            f.method = method;
            f.times = times;
            c.server->inject(std::move(f));
        }
        auto options = client_options_for(*c.server);
        options.retry.max_attempts = r.attempts;
        const std::string port = std::to_string(c.server->port());
        switch (r.where) {
            case target::server: break;
            case target::closed_port:
                options.base_url = "http://127.0.0.1:" + std::to_string(test_support::refused_loopback_port());
                break;
            case target::dns_name: options.base_url = "http://" + r.dns_name + ":" + port; break;
            case target::full_backlog:
                c.backlog = std::make_unique<test_support::unaccepting_listener>();
                options.base_url = "http://127.0.0.1:" + std::to_string(c.backlog->port());
                break;
        }
        c.client = std::make_unique<client_for<H>>(h_.transport(), options);
        const std::stop_token token = c.stop_after ? c.stop.get_token() : std::stop_token{};
        if (read) {
            c.read_job_id = c.server->seed_job({.job_definition_id = 9, .status = "succeeded"});
            c.start = [this, &c, token] {
                h_.spawn(timed(c.client->get_job(c.read_job_id, token), &c.elapsed), c.outcome);
            };
        } else {
            c.start = [this, &c, token] {
                auto wait = fast_wait();
                wait.stop_token = token;
                h_.spawn(timed(c.client->run_and_wait(trocco::run_job_request{.job_definition_id = 9}, std::move(wait)),
                               &c.elapsed),
                         c.outcome);
            };
        }
    }

    static void check(const cell& c) {
        const auto& e = c.expect;
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(c.elapsed).count();
        if (!e.known_bug.empty()) WARN(c.name << ": expected to fail: " << e.known_bug);
        INFO(c.name << " (took " << ms << " ms; the server read " << c.server->count_requests("POST") << " POST, "
                    << c.server->count_requests("GET") << " GET)");
        REQUIRE(c.outcome.has_value());
        const auto& r = *c.outcome;
        if (e.failure) {
            INFO((r ? std::string("succeeded, status ") + r->raw_status : r.error().to_string()));
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().kind() == *e.failure);
            if (e.http_status) CHECK(r.error().http_status() == *e.http_status);
            if (e.may_have_reached) CHECK(r.error().may_have_reached_server() == *e.may_have_reached);
            if (!e.message_part.empty()) CHECK(contains(r.error().message(), e.message_part));
            if (e.names_the_job) {
                REQUIRE(c.server->job_ids().size() == 1);
                CHECK(r.error().job_id() == c.server->job_ids().front());
            }
        } else {
            INFO((r ? std::string("succeeded") : r.error().to_string()));
            REQUIRE(r.has_value());
            if (c.read_job_id != 0) {
                CHECK(r->id == c.read_job_id);
            } else {
                CHECK(r->status == trocco::job_status::succeeded);
            }
            if (e.on_success) e.on_success(*r);
        }
        if (e.posts >= 0) CHECK(c.server->count_requests("POST") == static_cast<std::size_t>(e.posts));
        if (e.gets >= 0) CHECK(c.server->count_requests("GET") == static_cast<std::size_t>(e.gets));
        if (e.jobs >= 0) CHECK(c.server->job_ids().size() == static_cast<std::size_t>(e.jobs));
        CHECK(ms >= e.at_least.count());
        CHECK(ms <= e.at_most.count() * slowdown);
    }

    H h_;
    cells which_;
    std::deque<cell> cells_;  // a deque: the spawned tasks write into cells by reference
};

}  // namespace conformance::matrix

/// The names the cell tables are written in, for `using namespace conformance::matrix_vocabulary;` in the
/// matrix's test files (the whole of conformance::matrix would clash with its class `matrix`).
namespace conformance::matrix_vocabulary {
using matrix::cell_timeout;
using matrix::expectation;
using matrix::matrix_transport;
using matrix::row;
using matrix::target;
}  // namespace conformance::matrix_vocabulary
