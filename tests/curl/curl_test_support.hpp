// tests/curl/curl_test_support.hpp - what the curl transport's test files share: driving its awaitables from a test,
// building requests, checking errors. The loopback server and the task helpers are the shared ones of tests/support.
#pragma once

#include <atomic>
#include <chrono>
#include <stop_token>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <trocco/curl.hpp>
#include <trocco/sync_wait.hpp>
#include <trocco/task.hpp>
#include <trocco/transport.hpp>

#include "../catch.hpp"
#include "support/loopback_server.hpp"
#include "support/refused_port.hpp"
#include "support/tasks.hpp"
#include "support/transport_calls.hpp"
#include "support/unaccepting_listener.hpp"
#include "support/text.hpp"

namespace curl_tests {

using namespace std::chrono_literals;
// The shared test support (tests/support): loopback server, tasks, transport calls, text.
using namespace test_support;

inline response_result send_sync(trocco::curl::transport& t, trocco::http_request request, std::stop_token stop = {}) {
    return trocco::sync_wait(as_task(t.send(std::move(request), std::move(stop))));
}

inline trocco::result<void> sleep_sync(trocco::curl::transport& t, std::chrono::milliseconds delay,
                                       std::stop_token stop = {}) {
    return trocco::sync_wait(as_task(t.sleep_for(delay, std::move(stop))));
}

/// A loopback server's handler for one run of a job: POST /api/jobs?job_definition_id=42 starts job 7 ("queued");
/// GET /api/jobs/7 answers "executing" until the `succeeded_at`-th GET, "succeeded" from then on (`polls` counts
/// the GETs); anything else is a 404.
inline auto job_seven_handler(std::atomic<int>& polls, int succeeded_at) {
    return [&polls, succeeded_at](const received_request& r) {
        if (r.method == "POST" && r.target == "/api/jobs?job_definition_id=42") {
            return reply{200, "OK", {{"Content-Type", "application/json"}},
                         R"({"id":7,"job_definition_id":42,"status":"queued"})"};
        }
        if (r.method == "GET" && r.target == "/api/jobs/7") {
            const char* status = ++polls < succeeded_at ? "executing" : "succeeded";
            return reply{200, "OK", {{"Content-Type", "application/json"}},
                         std::string(R"({"id":7,"job_definition_id":42,"status":")") + status + R"("})"};
        }
        return reply{404, "Not Found", {}, R"({"error":"no such route"})"};
    };
}

/// The request headers but Host and Content-Length, in order.
inline test_support::header_list custom_headers(const received_request& r) {
    test_support::header_list out;
    for (const auto& h : r.headers) {
        if (!trocco::detail::iequals(h.first, "Host") && !trocco::detail::iequals(h.first, "Content-Length")) {
            out.push_back(h);
        }
    }
    return out;
}

}  // namespace curl_tests
