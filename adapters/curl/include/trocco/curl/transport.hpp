// trocco/curl/transport.hpp - trocco::curl::transport: the Transport concept on libcurl.
//
// HTTP and HTTPS through one curl multi handle, driven by one worker thread that the transport owns: many
// requests in flight at once, connection reuse for GETs, per-request timeouts, a response-size limit, TLS
// verified by default (the system trust store, plus an optional CA file), the usual proxy environment variables
// (http_proxy, https_proxy, no_proxy, ...) honoured exactly as libcurl does, sleeps served by the same thread, and
// prompt cancellation through std::stop_token.
//
// Where things run. send() and sleep_for() may be awaited from any thread: the operation is queued under a mutex
// and the worker is woken (curl_multi_wakeup). Every completion then resumes the awaiting coroutine
//   - by default, on the worker thread: the client's coroutine continues there, and so do the callbacks of
//     wait_options (on_triggered, on_status_change) and whatever the caller does after its co_await. Code
//     running there must not block for long (it holds up every transfer and timer of this transport), must not
//     wait synchronously for another operation of this same transport (sync_wait inside a completion would
//     wait forever), and must not destroy the transport (the destructor joins the worker thread; doing that
//     on the worker itself terminates the program). All completions of one transport run one after the
//     other on that one thread; data the caller shares between them and its other threads needs the usual
//     synchronisation. trocco::sync_wait works as is: the worker makes progress on its own;
//   - with transport_options::post set, on whatever that function hands the resumption to (an executor, an event
//     loop, a queue the caller drains): the worker calls `post(f)` and never runs `f` itself.
//
// The POST that starts a job is never resent. libcurl silently sends a request again when a reused keep-alive
// connection turns out dead after the request went out; for a trigger that could start a second job. So every
// POST goes on a connection of its own (CURLOPT_FRESH_CONNECT) that is closed afterwards (CURLOPT_FORBID_REUSE).
// GETs reuse connections (and may be resent by libcurl in that case, which is harmless for a read).
//
// Lifetimes. The request is moved into the awaitable; the caller keeps nothing alive. Destroying the transport
// stops the worker: every pending send or sleep completes with errc::canceled (resumed as above, before the
// destructor returns when `post` is not set), then every easy handle and the multi handle are cleaned up. A
// trocco::client stops at once on a canceled result and does not touch the transport again.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <coroutine>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <curl/curl.h>

#include <trocco/detail/text.hpp>
#include <trocco/error.hpp>
#include <trocco/http.hpp>
#include <trocco/result.hpp>
#include <trocco/url.hpp>

#if LIBCURL_VERSION_NUM < 0x075000
#error "trocco::curl needs libcurl 7.80.0 or newer (curl_multi_poll, curl_multi_wakeup, CURLOPT_PREREQFUNCTION)"
#endif

namespace trocco::curl {

/// Settings of a transport. Every default is documented here.
struct transport_options {
    /// DNS resolution, TCP connect and TLS handshake together (CURLOPT_CONNECTTIMEOUT_MS): 10 s. A failure or
    /// timeout in this phase is errc::connect_failed: nothing was sent. 0 means libcurl's default (300 s).
    std::chrono::milliseconds connect_timeout = std::chrono::seconds{10};
    /// The whole request, connect included, until the last byte of the response (CURLOPT_TIMEOUT_MS): 60 s.
    /// Passing it after the request was sent gives errc::transport_failure. 0 means no limit.
    std::chrono::milliseconds request_timeout = std::chrono::seconds{60};
    /// A larger response body fails with errc::transport_failure ("response too large"): 4 MiB. The response
    /// headers are limited separately, to 64 KiB in all.
    std::size_t max_response_bytes = 4 * 1024 * 1024;
    /// A PEM file of the CAs to trust, e.g. a company or test CA. It replaces the system trust store (the same
    /// in both adapters): only the CAs in the file are trusted (CURLOPT_CAINFO, and no CA directory). Empty:
    /// libcurl's default trust store, the system's. A file that cannot be read makes every HTTPS send fail with
    /// errc::connect_failed. A proxy's own certificate (https_proxy=https://...) is verified against the system
    /// store either way.
    std::string ca_file = {};
    /// Turns off certificate and host name verification (CURLOPT_SSL_VERIFYPEER/VERIFYHOST = 0). For a throwaway
    /// test server only: never in production.
    bool insecure_skip_tls_verification = false;
    /// Most connections open at once over all hosts (CURLMOPT_MAX_TOTAL_CONNECTIONS): 0, no limit. Transfers
    /// beyond it wait inside libcurl for a free connection, and their request_timeout runs meanwhile.
    std::size_t max_connections = 0;
    /// Most connections open at once to one host (CURLMOPT_MAX_HOST_CONNECTIONS): 0, no limit.
    std::size_t max_connections_per_host = 0;
    /// How many idle connections the connection cache keeps for reuse (CURLMOPT_MAXCONNECTS): 0 means libcurl's
    /// default, which grows with the number of transfers in flight (4 per transfer).
    std::size_t connection_cache_size = 0;
    /// Empty (the default): completions resume their coroutines on the worker thread. Set: the worker calls
    /// `post(f)` for each completion instead, and `f()` resumes the coroutine wherever `post` runs it. `post`
    /// is called on the worker thread and must not throw (that terminates the program); it must eventually run
    /// every `f` it accepts (a dropped `f` leaves its coroutine suspended forever), normally on another thread
    /// (running `f` inline gives the default behaviour back). During the transport's destruction it still
    /// receives the canceled completions; they may run after the transport is gone, which a client handles.
    std::function<void(std::function<void()>)> post = {};
};

namespace detail {

using clock = std::chrono::steady_clock;

/// Response headers beyond this many bytes (all header lines together) fail as "response too large".
inline constexpr std::size_t max_header_bytes = 64 * 1024;

class engine;
class operation;

/// The stop callback of one pending operation: asks the worker to cancel it. Runs on whatever thread requests
/// the stop (inline in the registration when the stop was already requested).
struct canceller {
    engine* owner;
    std::weak_ptr<operation> op;
    void operator()() noexcept;
};

/// What a pending send or sleep shares between the awaiting coroutine and the worker.
class operation {
public:
    enum class kind { send, sleep };

    explicit operation(kind k) noexcept : kind_(k) {}
    virtual ~operation() = default;
    operation(const operation&) = delete;
    operation& operator=(const operation&) = delete;

    kind what() const noexcept { return kind_; }
    /// Sets the outcome to an error. Called by the worker, or by the awaiter before the operation was queued.
    virtual void set_error(error e) = 0;

    /// Set by the awaiter before the operation is queued; taken by the worker when it completes.
    std::coroutine_handle<> continuation;
    /// Set by the awaiter before the operation is queued; reset by the worker before the resumption.
    std::optional<std::stop_callback<canceller>> stop_registration;
    /// Set by the stop callback; read by the worker when it starts the operation (a stop requested before the
    /// start must not be lost).
    std::atomic<bool> cancel_requested{false};

private:
    kind kind_;
};

class send_operation final : public operation {
public:
    explicit send_operation(http_request r) : operation(kind::send), request(std::move(r)) {}
    ~send_operation() override { release(); }

    void set_error(error e) override { outcome.emplace(std::move(e)); }

    /// The easy handle and the header list; on the worker (or after the worker is gone).
    void release() noexcept {
        if (easy != nullptr) curl_easy_cleanup(std::exchange(easy, nullptr));
        if (header_list != nullptr) curl_slist_free_all(std::exchange(header_list, nullptr));
    }

    http_request request;
    std::optional<result<http_response>> outcome;

    // Worker-only while the transfer runs. libcurl keeps pointers into `request` (URL, body) and `error_buffer`.
    CURL* easy = nullptr;
    curl_slist* header_list = nullptr;
    char error_buffer[CURL_ERROR_SIZE] = {};
    http_response response;
    std::size_t max_body = 0;
    std::size_t header_bytes = 0;
    bool too_large = false;
    /// Set by the CURLOPT_PREREQFUNCTION callback, which libcurl calls once the connection (TLS included) is
    /// ready and just before it writes the request: until then no byte of the request can have left.
    bool request_may_have_left = false;
};

class sleep_operation final : public operation {
public:
    using timer_queue = std::multimap<clock::time_point, std::shared_ptr<sleep_operation>>;

    explicit sleep_operation(std::chrono::milliseconds d) noexcept : operation(kind::sleep), delay(d) {}

    void set_error(error e) override { outcome.emplace(std::move(e)); }

    std::chrono::milliseconds delay;
    clock::time_point due{};  // set when awaited: the sleep is measured from the co_await
    std::optional<result<void>> outcome;

    // Worker-only.
    timer_queue::iterator timer{};
    bool scheduled = false;
};

inline error canceled_error(std::string_view what) { return error{errc::canceled, std::string(what)}; }

/// errc::canceled for a send, marked with_nothing_sent() when no byte of its request can have left the process.
inline error canceled_send(std::string_view what, bool request_may_have_left) {
    std::string message(what);
    message += request_may_have_left ? " (the request may have reached the server)" : " (nothing was sent)";
    error e{errc::canceled, std::move(message)};
    if (!request_may_have_left) e.with_nothing_sent();
    return e;
}

/// errc::canceled for an operation that never started: for a send, nothing was sent.
inline error canceled_unstarted(const operation& op, std::string_view what) {
    return op.what() == operation::kind::send ? canceled_send(what, false) : canceled_error(what);
}

inline constexpr std::string_view destroyed_message = "the curl transport was destroyed";

/// `text` without trailing CR, LF and spaces (libcurl's error buffer ends with a newline).
inline std::string trimmed(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
        text.remove_suffix(1);
    }
    return std::string(text);
}

inline std::string_view trim_ows(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

inline long clamp_long(std::size_t n) noexcept {
    return n > static_cast<std::size_t>(LONG_MAX) ? LONG_MAX : static_cast<long>(n);
}

inline long milliseconds_option(std::chrono::milliseconds d) noexcept {
    if (d.count() <= 0) return 0;
    return d.count() > LONG_MAX ? LONG_MAX : static_cast<long>(d.count());
}

/// CURLOPT_WRITEFUNCTION: appends to the body, up to the limit. Returning less than given aborts the transfer
/// (CURLE_WRITE_ERROR).
inline std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) noexcept {
    auto* op = static_cast<send_operation*>(user);
    const std::size_t bytes = size * count;
    if (bytes > op->max_body - std::min(op->max_body, op->response.body.size())) {
        op->too_large = true;
        return 0;
    }
    try {
        op->response.body.append(data, bytes);
    } catch (...) {
        return 0;  // out of memory: CURLE_WRITE_ERROR
    }
    return bytes;
}

/// CURLOPT_HEADERFUNCTION: one header line at a time (status lines and the blank line included). A status line
/// starts a new response (a 100 Continue, a proxy's CONNECT answer): the headers kept are the final response's.
inline std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) noexcept {
    auto* op = static_cast<send_operation*>(user);
    const std::size_t bytes = size * count;
    op->header_bytes += bytes;
    if (op->header_bytes > max_header_bytes) {
        op->too_large = true;
        return 0;
    }
    std::string_view line(data, bytes);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    auto& headers = op->response.headers;
    try {
        if (line.empty()) {
            // The end of one response's headers.
        } else if (line.substr(0, 5) == "HTTP/") {
            headers.clear();
        } else if ((line.front() == ' ' || line.front() == '\t') && !headers.empty()) {
            // An obsolete folded continuation line: part of the previous header's value.
            const auto more = trim_ows(line);
            if (!more.empty()) {
                if (!headers.back().value.empty()) headers.back().value += ' ';
                headers.back().value.append(more);
            }
        } else if (const auto colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
            headers.push_back({std::string(trim_ows(line.substr(0, colon))), std::string(trim_ows(line.substr(colon + 1)))});
        }
    } catch (...) {
        return 0;  // out of memory: CURLE_WRITE_ERROR
    }
    return bytes;
}

/// CURLOPT_PREREQFUNCTION: the connection is ready and libcurl is about to write the request.
inline int on_request_start(void* user, char*, char*, int, int) noexcept {
    static_cast<send_operation*>(user)->request_may_have_left = true;
    return CURL_PREREQFUNC_OK;
}

/// Whether a failed transfer certainly sent no byte of the request, so that any request (the POST that starts a
/// job included) may be sent again: the failure is errc::connect_failed, else errc::transport_failure. libcurl
/// calls the pre-request callback after DNS, connect, proxy tunnel and TLS handshake, right before it writes the
/// request; whatever failed before that (a timeout included) failed before any byte of the request left. After
/// it, any failure may follow a partly or wholly sent request (for a GET on a reused connection that turned out
/// dead, libcurl's own resend on a fresh one included).
inline bool nothing_sent(const send_operation& op) noexcept { return !op.request_may_have_left; }

/// Header names and values go into the request as they are: CR, LF or NUL in them would forge other headers.
inline std::optional<error> check_request(const http_request& request) {
    for (const auto& h : request.headers) {
        const bool bad_name = h.name.empty() || h.name.find_first_of(std::string_view(":\r\n\0 \t", 6)) != std::string::npos;
        const bool bad_value = h.value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos;
        if (bad_name || bad_value) {
            return error{errc::invalid_argument, "request header \"" + trimmed(std::string_view(h.name).substr(0, 64)) +
                                                     "\" has a malformed name or value (control characters?)"};
        }
    }
    if (request.method == http_method::get && !request.body.empty()) {
        return error{errc::invalid_argument, "a GET request cannot carry a body"};
    }
    return std::nullopt;
}

/// The one multi handle, its worker thread, and the queues other threads fill.
class engine {
public:
    explicit engine(transport_options options) : options_(std::move(options)) {
        multi_ = curl_multi_init();
        if (multi_ == nullptr) throw std::runtime_error("trocco::curl::transport: curl_multi_init failed");
        if (options_.max_connections > 0) {
            curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, clamp_long(options_.max_connections));
        }
        if (options_.max_connections_per_host > 0) {
            curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, clamp_long(options_.max_connections_per_host));
        }
        if (options_.connection_cache_size > 0) {
            curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, clamp_long(options_.connection_cache_size));
        }
        try {
            worker_ = std::thread([this] { run(); });
        } catch (...) {
            curl_multi_cleanup(multi_);
            throw;
        }
    }

    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    ~engine() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
            curl_multi_wakeup(multi_);
        }
        if (worker_.get_id() == std::this_thread::get_id()) {
            // Joining itself is impossible, and detaching would leave a thread running on freed state.
            std::fputs("trocco::curl::transport destroyed on its own worker thread (from a completion); destroy it "
                       "from another thread, or set transport_options::post\n",
                       stderr);
            std::terminate();
        }
        worker_.join();
        // Every operation was completed by the worker before it returned, so no stop callback can still use the
        // multi handle.
        curl_multi_cleanup(multi_);
    }

    /// Any thread. Queues `op` for the worker; false (and `op` completed with errc::canceled, not resumed) when
    /// the transport is being destroyed.
    bool submit(std::shared_ptr<operation> op) {
        std::lock_guard lock(mutex_);
        if (closed_) {
            op->set_error(canceled_unstarted(*op, destroyed_message));
            return false;
        }
        starts_.push_back(std::move(op));
        curl_multi_wakeup(multi_);  // under the lock: the destructor cannot clean up the handle meanwhile
        return true;
    }

    /// Any thread (a stop callback). Asks the worker to cancel `op`.
    void request_cancel(std::shared_ptr<operation> op) noexcept {
        op->cancel_requested.store(true, std::memory_order_release);
        std::lock_guard lock(mutex_);
        if (closed_) return;  // the shutdown completes every operation anyway
        try {
            cancels_.push_back(std::move(op));
        } catch (...) {
            // Out of memory: the flag still cancels an operation not yet started; a running one then ends
            // by its own timeout.
        }
        curl_multi_wakeup(multi_);
    }

    std::thread::id worker_id() const noexcept { return worker_.get_id(); }
    const transport_options& options() const noexcept { return options_; }

private:
    void run() noexcept {
        std::vector<std::shared_ptr<operation>> starts;
        std::vector<std::shared_ptr<operation>> cancels;
        for (;;) {
            bool closing = false;
            {
                std::lock_guard lock(mutex_);
                starts.swap(starts_);
                cancels.swap(cancels_);
                closing = closed_;
            }
            if (closing) {
                shutdown(starts);
                return;
            }
            for (auto& op : starts) start(std::move(op));
            starts.clear();
            for (auto& op : cancels) cancel(std::move(op));
            cancels.clear();

            int running = 0;
            curl_multi_perform(multi_, &running);
            reap_transfers();
            fire_timers();

            // Returns at the next due timer, at libcurl's own next timeout, on socket activity, or at a wakeup.
            if (curl_multi_poll(multi_, nullptr, 0, poll_timeout_ms(), nullptr) != CURLM_OK) {
                std::this_thread::sleep_for(std::chrono::milliseconds{1});  // never spin on a broken poll
            }
        }
    }

    /// Resumes the coroutine waiting on `op`, whose outcome is set, here or through options_.post.
    void finish(std::shared_ptr<operation> op) noexcept {
        op->stop_registration.reset();  // waits for a stop callback running on another thread: it only queues
        const auto continuation = std::exchange(op->continuation, {});
        op.reset();  // the awaiter keeps its own reference until its coroutine is done with it
        if (options_.post) {
            options_.post([continuation] { continuation.resume(); });
        } else {
            continuation.resume();
        }
    }

    void fail(std::shared_ptr<operation> op, error e) noexcept {
        op->set_error(std::move(e));
        finish(std::move(op));
    }

    void start(std::shared_ptr<operation> op) noexcept {
        if (op->cancel_requested.load(std::memory_order_acquire)) {
            const auto what = op->what() == operation::kind::send ? "send canceled" : "sleep canceled";
            return fail(std::move(op), canceled_unstarted(*op, what));
        }
        if (op->what() == operation::kind::sleep) {
            auto sleep = std::static_pointer_cast<sleep_operation>(std::move(op));
            const auto due = sleep->due;
            auto* raw = sleep.get();
            raw->timer = timers_.emplace(due, std::move(sleep));
            raw->scheduled = true;
            return;
        }
        start_transfer(std::static_pointer_cast<send_operation>(std::move(op)));
    }

    void start_transfer(std::shared_ptr<send_operation> op) noexcept {
        if (auto url = parse_url(op->request.url); !url) return fail(std::move(op), std::move(url).error());
        if (auto bad = check_request(op->request)) return fail(std::move(op), std::move(*bad));
        // Each failure below happens before libcurl saw the request: nothing was sent.
        const auto setup_failed = [&](std::string_view why) {
            op->release();
            auto e = error{errc::connect_failed, describe(*op, why)}.with_nothing_sent();
            fail(std::move(op), std::move(e));
        };
        op->easy = curl_easy_init();
        if (op->easy == nullptr) return setup_failed("curl_easy_init failed");
        if (const CURLcode code = configure(*op); code != CURLE_OK) {
            return setup_failed(std::string("cannot set up the transfer: ") + curl_easy_strerror(code));
        }
        CURL* easy = op->easy;
        try {
            transfers_.emplace(easy, op);
        } catch (...) {
            return setup_failed("out of memory");
        }
        if (const CURLMcode code = curl_multi_add_handle(multi_, easy); code != CURLM_OK) {
            transfers_.erase(easy);
            return setup_failed(std::string("cannot start the transfer: ") + curl_multi_strerror(code));
        }
    }

    /// Every option of one transfer; the first failure is returned.
    CURLcode configure(send_operation& op) noexcept {
        CURL* easy = op.easy;
        CURLcode code = CURLE_OK;
        const auto set = [&](CURLoption option, auto value) {
            if (code == CURLE_OK) code = curl_easy_setopt(easy, option, value);
        };
        const http_request& request = op.request;
        set(CURLOPT_ERRORBUFFER, op.error_buffer);
        set(CURLOPT_URL, request.url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
        set(CURLOPT_PROTOCOLS_STR, "http,https");
#else
        set(CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
        set(CURLOPT_NOSIGNAL, 1L);  // no SIGALRM-based DNS timeouts: unsafe with threads
        set(CURLOPT_FOLLOWLOCATION, 0L);
        set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds_option(options_.connect_timeout));
        set(CURLOPT_TIMEOUT_MS, milliseconds_option(options_.request_timeout));
        set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
        set(CURLOPT_WRITEFUNCTION, static_cast<curl_write_callback>(&on_body));
        set(CURLOPT_WRITEDATA, static_cast<void*>(&op));
        set(CURLOPT_HEADERFUNCTION, static_cast<curl_write_callback>(&on_header));
        set(CURLOPT_HEADERDATA, static_cast<void*>(&op));
        set(CURLOPT_PREREQFUNCTION, static_cast<curl_prereq_callback>(&on_request_start));
        set(CURLOPT_PREREQDATA, static_cast<void*>(&op));
#if LIBCURL_VERSION_NUM >= 0x075700
        // Removing a handle mid-lookup (a stop, a timeout, the transport's destruction) would otherwise make libcurl
        // join its resolver thread, stalling the worker and every transfer and timer of this transport until
        // getaddrinfo returns (seconds, for a stuck resolver). With this the thread is left to finish on its own.
        set(CURLOPT_QUICK_EXIT, 1L);
#endif
        op.max_body = options_.max_response_bytes;
        // A declared Content-Length beyond the limit fails before the body is read (CURLE_FILESIZE_EXCEEDED).
        set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(std::min<std::size_t>(
                                           options_.max_response_bytes, static_cast<std::size_t>(LLONG_MAX))));
        const bool verify = !options_.insecure_skip_tls_verification;
        set(CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
        set(CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
        if (!options_.ca_file.empty()) {
            // The file replaces the system trust store: CURLOPT_CAINFO replaces only libcurl's CA bundle, and a
            // libcurl built with a CA directory as well (Debian's: /etc/ssl/certs) would still trust every CA in it.
            set(CURLOPT_CAINFO, options_.ca_file.c_str());
            set(CURLOPT_CAPATH, static_cast<const char*>(nullptr));
        }

        if (request.method == http_method::post) {
            set(CURLOPT_POST, 1L);
            set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
            set(CURLOPT_POSTFIELDS, request.body.data());
            // Never on a reused connection, never kept for reuse: libcurl's silent resend on a dead reused
            // connection must not apply to the POST that starts a job.
            set(CURLOPT_FRESH_CONNECT, 1L);
            set(CURLOPT_FORBID_REUSE, 1L);
        } else {
            set(CURLOPT_HTTPGET, 1L);
        }
        if (code != CURLE_OK) return code;

        // The request's headers exactly; an empty "Name:" removes a header libcurl would add by itself.
        const auto has = [&](std::string_view name) { return find_header(request.headers, name) != nullptr; };
        try {
            std::vector<std::string> lines;
            for (const auto& h : request.headers) {
                // "Name;" is libcurl's spelling of a header with an empty value ("Name:" would remove it).
                lines.push_back(h.value.empty() ? h.name + ";" : h.name + ": " + h.value);
            }
            if (!has("Accept")) lines.emplace_back("Accept:");  // libcurl's "Accept: */*"
            if (request.method == http_method::post) {
                if (!has("Content-Type")) lines.emplace_back("Content-Type:");  // libcurl's form encoding
                if (!has("Expect")) lines.emplace_back("Expect:");              // libcurl's "100-continue"
            }
            for (const auto& line : lines) {
                curl_slist* next = curl_slist_append(op.header_list, line.c_str());
                if (next == nullptr) return CURLE_OUT_OF_MEMORY;
                op.header_list = next;
            }
        } catch (...) {
            return CURLE_OUT_OF_MEMORY;
        }
        if (op.header_list != nullptr) set(CURLOPT_HTTPHEADER, op.header_list);
        return code;
    }

    static std::string describe(const send_operation& op, std::string_view what) {
        std::string text(to_string(op.request.method));
        text += ' ';
        text += op.request.url;
        text += ": ";
        text += what;
        return text;
    }

    /// The outcome of a finished transfer. Its easy handle is still valid.
    static result<http_response> outcome_of(send_operation& op, CURLcode code) {
        if (code == CURLE_OK) {
            long status = 0;
            curl_easy_getinfo(op.easy, CURLINFO_RESPONSE_CODE, &status);
            op.response.status = static_cast<int>(status);
            return std::move(op.response);
        }
        if (op.too_large || code == CURLE_FILESIZE_EXCEEDED) {
            const bool headers = op.header_bytes > max_header_bytes;
            return error{errc::transport_failure,
                         describe(op, "response too large (limit " +
                                          std::to_string(headers ? max_header_bytes : op.max_body) + " bytes of " +
                                          (headers ? "headers)" : "body)"))};
        }
        std::string why = curl_easy_strerror(code);
        if (const std::string detail = trimmed(op.error_buffer); !detail.empty() && detail != why) {
            why += " (" + detail + ")";
        }
        if (nothing_sent(op)) return error{errc::connect_failed, describe(op, why)}.with_nothing_sent();
        return error{errc::transport_failure, describe(op, why)};
    }

    void reap_transfers() noexcept {
        int left = 0;
        while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
            if (message->msg != CURLMSG_DONE) continue;
            CURL* easy = message->easy_handle;
            const CURLcode code = message->data.result;  // `message` dies with curl_multi_remove_handle
            const auto it = transfers_.find(easy);
            if (it == transfers_.end()) continue;
            auto op = std::move(it->second);
            transfers_.erase(it);
            curl_multi_remove_handle(multi_, easy);
            try {
                op->outcome.emplace(outcome_of(*op, code));
            } catch (...) {
                op->outcome.emplace(error{errc::transport_failure, "out of memory reading the response"});
            }
            op->release();
            finish(std::move(op));
        }
    }

    void cancel(std::shared_ptr<operation> op) noexcept {
        if (op->what() == operation::kind::sleep) {
            auto sleep = std::static_pointer_cast<sleep_operation>(std::move(op));
            if (!sleep->scheduled) return;  // already completed (or not started: start() sees the flag)
            sleep->scheduled = false;
            timers_.erase(sleep->timer);
            return fail(std::move(sleep), canceled_error("sleep canceled"));
        }
        auto send = std::static_pointer_cast<send_operation>(std::move(op));
        if (send->easy == nullptr) return;  // already completed (or not started)
        const auto it = transfers_.find(send->easy);
        if (it == transfers_.end()) return;
        transfers_.erase(it);
        curl_multi_remove_handle(multi_, send->easy);
        const bool may_have_left = send->request_may_have_left;
        send->release();
        fail(std::move(send), canceled_send("send canceled", may_have_left));
    }

    void fire_timers() noexcept {
        const auto now = clock::now();
        while (!timers_.empty() && timers_.begin()->first <= now) {
            auto sleep = std::move(timers_.begin()->second);
            timers_.erase(timers_.begin());
            sleep->scheduled = false;
            sleep->outcome.emplace();
            finish(std::move(sleep));
        }
    }

    int poll_timeout_ms() const noexcept {
        constexpr std::chrono::milliseconds idle{10'000};  // wakeups end it early anyway
        if (timers_.empty()) return static_cast<int>(idle.count());
        const auto wait = timers_.begin()->first - clock::now();
        if (wait <= clock::duration::zero()) return 0;
        // Rounded up: waking a little early would only loop once more.
        return static_cast<int>(std::min(std::chrono::ceil<std::chrono::milliseconds>(wait), idle).count());
    }

    /// On the worker, once closed_ is set: completes everything with errc::canceled.
    void shutdown(std::vector<std::shared_ptr<operation>>& never_started) noexcept {
        for (auto& op : never_started) {
            auto e = canceled_unstarted(*op, destroyed_message);
            fail(std::move(op), std::move(e));
        }
        never_started.clear();
        auto transfers = std::move(transfers_);
        transfers_.clear();
        for (auto& [easy, op] : transfers) {
            curl_multi_remove_handle(multi_, easy);
            const bool may_have_left = op->request_may_have_left;
            op->release();
            fail(std::move(op), canceled_send(destroyed_message, may_have_left));
        }
        auto timers = std::move(timers_);
        timers_.clear();
        for (auto& [due, sleep] : timers) {
            sleep->scheduled = false;
            fail(std::move(sleep), canceled_error(destroyed_message));
        }
        // Nothing can be queued any more (closed_ is set); drop the cancel requests' references.
        std::lock_guard lock(mutex_);
        cancels_.clear();
        starts_.clear();
    }

    transport_options options_;
    CURLM* multi_ = nullptr;

    std::mutex mutex_;
    bool closed_ = false;                           // guarded by mutex_
    std::vector<std::shared_ptr<operation>> starts_;   // guarded by mutex_
    std::vector<std::shared_ptr<operation>> cancels_;  // guarded by mutex_

    // Worker-only.
    std::unordered_map<CURL*, std::shared_ptr<send_operation>> transfers_;
    sleep_operation::timer_queue timers_;

    std::thread worker_;  // last: started when everything above exists
};

inline void canceller::operator()() noexcept {
    if (auto pending = op.lock()) owner->request_cancel(std::move(pending));
}

/// The awaitable of send() and sleep_for(). Nothing happens until it is awaited; a stop already requested then
/// completes it at once with errc::canceled, without suspending.
template <class Op, class Result>
class operation_awaiter {
public:
    operation_awaiter(engine& owner, std::shared_ptr<Op> op, std::stop_token stop) noexcept
        : owner_(&owner), op_(std::move(op)), stop_(std::move(stop)) {}
    operation_awaiter(operation_awaiter&&) noexcept = default;
    operation_awaiter& operator=(operation_awaiter&&) noexcept = default;
    operation_awaiter(const operation_awaiter&) = delete;
    operation_awaiter& operator=(const operation_awaiter&) = delete;

    bool await_ready() {
        if (!stop_.stop_requested()) return false;
        op_->set_error(canceled_unstarted(*op_, op_->what() == operation::kind::send ? "send canceled" : "sleep canceled"));
        return true;
    }

    bool await_suspend(std::coroutine_handle<> awaiting) {
        if constexpr (std::is_same_v<Op, sleep_operation>) op_->due = clock::now() + op_->delay;
        op_->continuation = awaiting;
        if (stop_.stop_possible()) {
            op_->stop_registration.emplace(stop_, canceller{owner_, std::weak_ptr<operation>(op_)});
        }
        // Once queued, the operation may complete and this coroutine resume (even end) on the worker before
        // submit() returns: nothing of *this may be touched after a successful submit.
        if (owner_->submit(op_)) return true;
        op_->stop_registration.reset();
        op_->continuation = {};
        return false;  // the transport is being destroyed: completed with errc::canceled, no suspension
    }

    Result await_resume() { return std::move(*op_->outcome); }

private:
    engine* owner_;
    std::shared_ptr<Op> op_;
    std::stop_token stop_;
};

}  // namespace detail

/// A trocco::transport over libcurl. See the top of this header for threads, resumption and lifetimes.
///
/// Neither copyable nor movable (the worker thread works on the object's own state); share one transport
/// between clients and waits: every transport owns a thread, a multi handle and a connection cache.
class transport {
public:
    /// Creates the multi handle and starts the worker thread. Throws std::runtime_error when libcurl cannot create
    /// a multi handle, std::system_error when the thread cannot start. Does not call curl_global_init (see
    /// trocco/curl/global_init.hpp).
    explicit transport(transport_options options = {}) : engine_(std::move(options)) {}

    /// Stops the worker: every pending send and sleep completes with errc::canceled first. Must not run on the
    /// worker thread itself (that is, inside a completion resumed there): the program would terminate.
    ~transport() = default;

    transport(const transport&) = delete;
    transport& operator=(const transport&) = delete;

    /// Sends `request` and reads the whole response; the contract is that of trocco/transport.hpp. Gives
    /// result<http_response>: any HTTP status is a response (the final one: an interim 100 Continue is skipped;
    /// redirects are not followed); errors:
    ///   connect_failed     DNS, connect or TLS handshake failed or timed out, or the CA file is unreadable:
    ///                      nothing was sent;
    ///   transport_failure  anything after that (reset while writing or reading, request_timeout passed after the
    ///                      request was sent, no or a malformed answer, "response too large");
    ///   invalid_argument   the URL is not http(s)://..., a header contains CR/LF/NUL, or a GET has a body;
    ///   canceled          `stop` was requested (the transfer is removed at once) or the transport was destroyed.
    /// Messages are "<METHOD> <url>: <libcurl's description> (<libcurl's details>)". Headers are sent as given,
    /// plus Host and (for a POST) Content-Length; libcurl's own Accept, Content-Type and Expect: 100-continue
    /// are suppressed unless the request names them. A POST goes on a new connection closed afterwards.
    auto send(http_request request, std::stop_token stop) {
        return detail::operation_awaiter<detail::send_operation, result<http_response>>(
            engine_, std::make_shared<detail::send_operation>(std::move(request)), std::move(stop));
    }

    /// Completes after `delay` (at least, on now()'s clock, counted from the co_await), or with errc::canceled
    /// promptly when `stop` is requested or the transport is destroyed. Served by the worker's timer queue.
    auto sleep_for(std::chrono::milliseconds delay, std::stop_token stop) {
        return detail::operation_awaiter<detail::sleep_operation, result<void>>(
            engine_, std::make_shared<detail::sleep_operation>(delay), std::move(stop));
    }

    /// std::chrono::steady_clock::now().
    std::chrono::steady_clock::time_point now() const { return std::chrono::steady_clock::now(); }

    /// The worker thread, where completions resume unless transport_options::post is set.
    std::thread::id worker_thread_id() const noexcept { return engine_.worker_id(); }

    /// The options the transport was made with.
    const transport_options& options() const noexcept { return engine_.options(); }

private:
    detail::engine engine_;
};

}  // namespace trocco::curl
