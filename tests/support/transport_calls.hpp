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

#include "../catch.hpp"
#include "loopback_server.hpp"
#include "temp_files.hpp"
#include "text.hpp"

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

/// A GET and a POST to `server` that must both fail before any request reached it (a refused handshake):
/// connect_failed, never marked as maybe sent, the message naming `why`. `send(request)` sends one and returns its
/// result.
template <class Send>
void check_handshake_refused(Send send, const loopback_server& server, std::string_view why) {
    for (const auto method : {trocco::http_method::get, trocco::http_method::post}) {
        const auto r = method == trocco::http_method::get ? send(get(server.url("/api/jobs/7")))
                                                           : send(post(server.url("/api/jobs?job_definition_id=42"), "{}"));
        INFO(describe(r));
        REQUIRE(is_error(r, trocco::errc::connect_failed));
        CHECK_FALSE(r.error().may_have_reached_server());
        CHECK(contains(r.error().message(), why));
    }
    CHECK(server.requests().empty());
}

}  // namespace test_support
