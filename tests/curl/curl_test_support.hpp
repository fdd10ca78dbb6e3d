// tests/curl/curl_test_support.hpp - what the curl transport's test files share: driving its awaitables from a test,
// building requests, checking errors. The loopback server and the task helpers are the shared ones of tests/support.
#pragma once

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
#include "support/tasks.hpp"
#include "support/transport_calls.hpp"
#include "support/text.hpp"

namespace curl_tests {

using namespace std::chrono_literals;
using test_support::clock_type;
using test_support::contains;
using test_support::loopback_server;
using test_support::received_request;
using test_support::reply;
using test_support::script;
using test_support::task_group;
using test_support::as_task;
using test_support::describe;
using test_support::get;
using test_support::is_error;
using test_support::post;
using test_support::since;
using test_support::temp_file;
using test_support::response_result;

inline response_result send_sync(trocco::curl::transport& t, trocco::http_request request, std::stop_token stop = {}) {
    return trocco::sync_wait(as_task(t.send(std::move(request), std::move(stop))));
}

inline trocco::result<void> sleep_sync(trocco::curl::transport& t, std::chrono::milliseconds delay,
                                       std::stop_token stop = {}) {
    return trocco::sync_wait(as_task(t.sleep_for(delay, std::move(stop))));
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
