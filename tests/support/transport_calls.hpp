// tests/support/transport_calls.hpp - what the transport test programs (asio, curl, conformance) share for calling a
// transport directly: its awaitables as tasks, plain requests, checking and describing results, and a temporary CA
// file (temp_files.hpp).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <trocco/http.hpp>
#include <trocco/result.hpp>
#include <trocco/task.hpp>
#include <trocco/transport.hpp>

#include "temp_files.hpp"

namespace test_support {

using response_result = trocco::result<trocco::http_response>;
using clock_type = std::chrono::steady_clock;

/// co_awaits `a` inside a task, so that sync_wait and task_group can run a transport's awaitable.
template <class Awaitable>
trocco::task<std::remove_cvref_t<trocco::await_result_t<Awaitable>>> as_task(Awaitable a) {
    auto outcome = co_await std::move(a);
    co_return outcome;
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

}  // namespace test_support
