// tests/asio/asio_test_support.hpp - what the asio transport's test files share: a transport on an io_context run
// by a thread of its own (so that a test can act, and time things, while operations are in flight), building
// requests, checking errors. The loopback server, the DNS shim and the task helpers are the shared ones of
// tests/support.
#pragma once

#include <utility>  // first: Boost 1.74's asio headers use std::exchange without including <utility>

#include <chrono>
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
#include "support/transport_calls.hpp"
#include "support/unaccepting_listener.hpp"
#include "support/text.hpp"

namespace asio_tests {

using namespace std::chrono_literals;
// The shared test support (tests/support): loopback server, tasks, transport calls, text.
using namespace test_support;

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

/// Sends `request` and waits (at most a minute) for the result.
inline response_result send_sync(trocco::asio::transport& t, trocco::http_request request, std::stop_token stop = {}) {
    task_group<response_result> one;
    one.start(as_task(t.send(std::move(request), std::move(stop))));
    REQUIRE(one.wait_all(60s));
    REQUIRE(one.result(0).has_value());
    return std::move(*one.result(0));
}

}  // namespace asio_tests
