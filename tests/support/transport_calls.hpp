// tests/support/transport_calls.hpp - what the transport test programs (asio, curl, conformance) share for calling a
// transport directly: its awaitables as tasks, plain requests, checking and describing results, and a temporary CA
// file.
#pragma once

#include <stdlib.h>  // mkstemp
#include <unistd.h>  // write, close

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <trocco/http.hpp>
#include <trocco/result.hpp>
#include <trocco/task.hpp>
#include <trocco/transport.hpp>

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

/// A temporary file with the given contents (in $TMPDIR or /tmp), removed on destruction: a CA file.
class temp_file {
public:
    explicit temp_file(std::string_view contents) {
        const char* dir = std::getenv("TMPDIR");
        std::string pattern = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/trocco-test-XXXXXX";
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

}  // namespace test_support
