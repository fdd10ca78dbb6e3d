// tests/asio/asio_test_support.hpp - what the asio transport's test files share: a transport on an io_context run
// by a thread of its own (so that a test can act, and time things, while operations are in flight), building
// requests, checking errors. The loopback server, the DNS shim and the task helpers are the shared ones of
// tests/support.
#pragma once

#include <utility>  // first: Boost 1.74's asio headers use std::exchange without including <utility>

#include <unistd.h>  // getpid

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <trocco/asio.hpp>
#include <trocco/task.hpp>
#include <trocco/transport.hpp>

#include "../catch.hpp"
#include "support/loopback_server.hpp"
#include "support/tasks.hpp"
#include "support/text.hpp"

namespace asio_tests {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using test_support::contains;
using test_support::loopback_server;
using test_support::received_request;
using test_support::reply;
using test_support::script;
using test_support::task_group;
using response_result = trocco::result<trocco::http_response>;

/// Bounds for "promptly" (about 100 ms asked for; slack for sanitizer builds on a loaded 2-core machine), well below
/// the stalls and delays the tests use.
constexpr auto prompt = 500ms;

/// A trocco::asio::transport on an io_context that a thread of the rig runs until the rig is destroyed. Operations
/// started from the test's thread (task_group, send_sync) complete on that thread.
class rig {
public:
    explicit rig(trocco::asio::transport_options options = {})
        : transport_(std::make_unique<trocco::asio::transport>(io_.get_executor(), std::move(options))),
          runner_([this] { io_.run(); }) {}
    ~rig() {
        destroy_transport();
        work_.reset();  // run() returns once the aborted operations have completed
        runner_.join();
    }
    rig(const rig&) = delete;
    rig& operator=(const rig&) = delete;

    trocco::asio::transport& transport() { return *transport_; }
    /// Destroys the transport now, from this thread, with whatever is in flight.
    void destroy_transport() { transport_.reset(); }

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
    std::unique_ptr<trocco::asio::transport> transport_;
    std::thread runner_;  // last: started once the members above exist
};

/// co_awaits `a` inside a task, so that task_group can run a transport's awaitable.
template <class Awaitable>
trocco::task<std::remove_cvref_t<trocco::await_result_t<Awaitable>>> as_task(Awaitable a) {
    auto outcome = co_await std::move(a);
    co_return outcome;
}

/// Sends `request` and waits (at most a minute) for the result.
inline response_result send_sync(trocco::asio::transport& t, trocco::http_request request, std::stop_token stop = {}) {
    task_group<response_result> one;
    one.start(as_task(t.send(std::move(request), std::move(stop))));
    REQUIRE(one.wait_all(60s));
    REQUIRE(one.result(0).has_value());
    return std::move(*one.result(0));
}

inline trocco::http_request get(std::string url, std::vector<trocco::http_header> headers = {}) {
    return {trocco::http_method::get, std::move(url), std::move(headers), {}};
}

inline trocco::http_request post(std::string url, std::string body, std::vector<trocco::http_header> headers = {}) {
    return {trocco::http_method::post, std::move(url), std::move(headers), std::move(body)};
}

inline bool is_error(const response_result& r, trocco::errc code) { return !r.has_value() && r.error().kind() == code; }

inline std::chrono::milliseconds since(clock_type::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
}

/// A description of a result for INFO(): "HTTP 200" or the error's one line.
inline std::string describe(const response_result& r) {
    return r ? "HTTP " + std::to_string(r->status) : r.error().to_string();
}

/// A file holding `contents` under /tmp, removed on destruction (a CA file).
class temp_file {
public:
    explicit temp_file(std::string_view contents, std::string_view name = "ca.pem")
        : path_("/tmp/trocco-asio-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter()) + "-" +
                std::string(name)) {
        std::ofstream out(path_, std::ios::binary);
        out << contents;
        REQUIRE(out.good());
    }
    ~temp_file() { std::remove(path_.c_str()); }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;

    const std::string& path() const noexcept { return path_; }

private:
    static int& counter() {
        static int n = 0;
        return n;
    }
    std::string path_;
};

}  // namespace asio_tests
