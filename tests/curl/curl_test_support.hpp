// tests/curl/curl_test_support.hpp - what the curl transport's test files share: driving its awaitables from a test,
// building requests, checking errors. The loopback server and the task helpers are the shared ones of tests/support.
#pragma once

#include <stdlib.h>  // mkstemp
#include <unistd.h>  // write, close

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
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
#include "support/text.hpp"

namespace curl_tests {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using test_support::contains;
using test_support::loopback_server;
using test_support::received_request;
using test_support::reply;
using test_support::script;
using test_support::task_group;
using response_result = trocco::result<trocco::http_response>;

/// co_awaits `a` inside a task, so that sync_wait and task_group can run a transport's awaitable.
template <class Awaitable>
trocco::task<std::remove_cvref_t<trocco::await_result_t<Awaitable>>> as_task(Awaitable a) {
    auto outcome = co_await std::move(a);
    co_return outcome;
}

inline response_result send_sync(trocco::curl::transport& t, trocco::http_request request, std::stop_token stop = {}) {
    return trocco::sync_wait(as_task(t.send(std::move(request), std::move(stop))));
}

inline trocco::result<void> sleep_sync(trocco::curl::transport& t, std::chrono::milliseconds delay,
                                       std::stop_token stop = {}) {
    return trocco::sync_wait(as_task(t.sleep_for(delay, std::move(stop))));
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

/// A temporary file with the given contents (in $TMPDIR or /tmp), removed on destruction: a CA file.
class temp_file {
public:
    explicit temp_file(std::string_view contents) {
        const char* dir = std::getenv("TMPDIR");
        std::string pattern = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/trocco-curl-test-XXXXXX";
        const int fd = ::mkstemp(pattern.data());
        if (fd < 0) throw std::runtime_error("mkstemp failed");
        path_ = pattern;
        std::size_t written = 0;
        while (written < contents.size()) {
            const auto n = ::write(fd, contents.data() + written, contents.size() - written);
            if (n <= 0) break;
            written += static_cast<std::size_t>(n);
        }
        ::close(fd);
        if (written != contents.size()) throw std::runtime_error("cannot write " + path_);
    }
    ~temp_file() { std::remove(path_.c_str()); }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;

    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

}  // namespace curl_tests
