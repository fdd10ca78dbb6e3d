// trocco/testing/fake_server.hpp - a fake trocco API server over loopback, for tests, demos and users' own
// integration tests. Header-only; Boost.Asio + Boost.Beast (Boost >= 1.74), OpenSSL for HTTPS.
//
//     trocco::testing::fake_server server;                  // owns an io_context and one thread
//     server.set_job_outcome(42, trocco::testing::scripted_outcome::error);
//     // point a client at server.base_url() with api_key "fake-api-key"
//     // ... server.requests(), server.count_requests("POST", "/api/jobs"), server.connections_accepted()
//
// What it serves (bodies and field names as trocco's API):
//   POST /api/jobs?job_definition_id=N            -> 200 {id, job_definition_id, job_definition_name, status,
//                                                          created_at}
//   GET  /api/jobs/{id}                            -> 200 the same, plus started_at / finished_at once set
//   POST /api/pipeline_jobs?pipeline_definition_id=N -> 200 {id, pipeline_definition_id, name, status, created_at,
//                                                          started_at, finished_at, context_time} (null until set)
//   GET  /api/pipeline_jobs/{id}                   -> 200 the same
// Every request needs `Authorization: Token <api_key>` (else 401 {"message":"Unauthorized"}). An unknown path or
// job id gives 404 {"message":"Not found"}; a missing definition id 400 and an invalid one 422, with trocco's
// {"message":…, "errors":[{"attribute":…, "message":…}]} body; so does a bad context_time, time_zone or
// custom_variables entry (400). The definition id may also come in the body, as Rails merges parameters.
//
// Run parameters are accepted as a JSON object ({"context_time", "time_zone", "custom_variables":[{name,
// value}]}) or form-encoded as on trocco's 2022 API page (context_time=…&custom_variables[][name]=…&
// custom_variables[][value]=…; also custom_variables[0][name]=…), and kept per job: job_run_parameters().
//
// Jobs move queued -> setting_up -> executing -> outcome, each step lasting `status_duration` of wall time from
// the job's creation (the status is computed when asked: no timers). Timestamps are RFC 3339 in JST, as trocco
// sends them ("2025-06-01T09:00:12.000+09:00"): created_at at creation, started_at when setting_up begins,
// finished_at when a finished status (succeeded, error, canceled, skipped) begins.
//
// Connections are HTTP/1.1 keep-alive (Connection: close honoured); idle ones are closed after
// `keep_alive_timeout`. Every response carries X-Rate-Limit-Limit/Remaining/Reset (3,500 calls per 10 minutes;
// the fake never limits by itself: use fault::kind::rate_limited).
//
// Threads: every public member function is thread-safe. Handlers run on per-connection strands of the executor,
// so the executor may be run by several threads; its execution context must outlive the server. Destroying the server (or stop()) closes the listening socket
// and every connection, with requests in flight or delayed answers pending. With the owned io_context the
// destructor joins its thread; do not destroy the server from one of its own handlers.
#pragma once

#include <utility>  // first: Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <nlohmann/json.hpp>

#include <trocco/context_time.hpp>
#include <trocco/detail/calendar.hpp>
#include <trocco/http.hpp>
#include <trocco/http_status.hpp>
#include <trocco/job_status.hpp>
#include <trocco/requests.hpp>
#include <trocco/timestamp.hpp>

namespace trocco::testing {

/// How a job of a given definition ends. Every outcome goes queued -> setting_up -> executing first.
enum class scripted_outcome {
    succeeded,
    error,
    canceled,
    skipped,
    /// queued -> setting_up -> executing -> error -> retry_waiting -> queued -> setting_up -> executing ->
    /// succeeded: a workflow's automatic retry (on a transfer job it plays the same sequence).
    error_then_retry,
};

/// A misbehaviour to inject. Each applies to the next `times` requests that match `method` and `path_prefix`
/// (then it is used up). Per request the first matching `delay` fault and the first matching fault of any other
/// kind both apply (a delayed 503 is two faults).
struct fault {
    enum class kind {
        delay,              // answer `delay` later (timer; other connections are served meanwhile)
        http_status,        // answer `status` with `body` (default {"message":"<reason>"}); the request is not processed
        rate_limited,       // 429 with Retry-After and X-Rate-Limit-*; the request is not processed
        close_before_read,  // when a request starts arriving, close the connection without reading it: nothing is
                            // recorded or processed (the request line is peeked only to match the fault)
        close_after_read,   // read, record and process the request (a POST creates its job), then close
                            // without answering: the client cannot know whether the job started
        truncated_body,     // process; answer 200 with a Content-Length larger than the body sent, then close
        malformed_json,     // process; answer 200 with the first half of the JSON body (not valid JSON)
        unknown_status,     // process; answer normally but with the job's status replaced by `status_text`
    };
    kind what = kind::http_status;
    std::optional<http_method> method = std::nullopt;  // match only this method (nullopt: any)
    std::string path_prefix = {};                      // match targets ("/api/jobs?job_definition_id=1") starting
                                                       // with this ("": any)
    int times = 1;                                     // matching requests it applies to; < 0: every one, forever
    int status = 503;                                  // http_status
    std::optional<std::string> body = std::nullopt;    // http_status: the body ("" for none); nullopt: trocco-shaped
    std::chrono::milliseconds delay{0};                // delay
    int retry_after_seconds = 1;                       // rate_limited: Retry-After, and Reset = now + this
    std::string status_text = "paused";                // unknown_status
};

struct fake_server_options {
    std::string api_key = "fake-api-key";
    std::string host = "127.0.0.1";  // an IP address (or a name, resolved once at start)
    std::uint16_t port = 0;          // 0: a free port, see port()
    /// How long each of queued, setting_up, executing (and error, retry_waiting for error_then_retry) lasts.
    /// Zero: a GET sees the outcome at once (the POST answer still says queued).
    std::chrono::milliseconds status_duration{100};
    /// An idle keep-alive connection is closed after this long without a request.
    std::chrono::milliseconds keep_alive_timeout{30'000};
    /// TLS: when both are set (PEM text; see test_certificates.hpp) the server speaks HTTPS only.
    std::string tls_certificate_chain_pem = {};
    std::string tls_private_key_pem = {};
};

/// A request as the server read it.
struct recorded_request {
    std::string method = {};                // "GET", "POST", ...
    std::string target = {};                // path and query: "/api/jobs?job_definition_id=42"
    std::vector<http_header> headers = {};  // in the order received
    std::string body = {};
    std::size_t connection_id = 0;       // 1 for the first connection accepted, 2 for the next, ...
    std::chrono::steady_clock::time_point received_at{};
};

/// The run parameters a POST carried, as the server understood them.
struct run_parameters {
    std::optional<std::string> context_time = std::nullopt;
    std::optional<std::string> time_zone = std::nullopt;
    std::vector<custom_variable> custom_variables = {};

    friend bool operator==(const run_parameters&, const run_parameters&) = default;
};

namespace detail {

namespace net = boost::asio;
namespace beast = boost::beast;

// ---- text helpers -------------------------------------------------------------------------------------------

inline int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// Decodes %XX (a malformed escape is kept as is) and, for form data, '+' as a space.
inline std::string percent_decode(std::string_view text, bool plus_is_space = true) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%' && i + 2 < text.size()) {
            const int hi = hex_value(text[i + 1]);
            const int lo = hex_value(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += (c == '+' && plus_is_space) ? ' ' : c;
    }
    return out;
}

/// Splits "a=1&b=2" (application/x-www-form-urlencoded, or a query string) into decoded pairs, in order.
inline std::vector<std::pair<std::string, std::string>> parse_form(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> pairs;
    while (!text.empty()) {
        const auto amp = text.find('&');
        const std::string_view item = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
        if (item.empty()) continue;
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            pairs.emplace_back(percent_decode(item), std::string{});
        } else {
            pairs.emplace_back(percent_decode(item.substr(0, eq)), percent_decode(item.substr(eq + 1)));
        }
    }
    return pairs;
}

/// "2025-06-01T09:00:12.000+09:00": an instant in Japan time, as trocco formats its timestamps.
inline std::string format_jst(timestamp t) {
    const auto f = trocco::detail::to_calendar_fields(t + std::chrono::minutes{jst_offset});
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03d+09:00", f.year, f.month, f.day, f.hour,
                  f.minute, f.second, f.millisecond);
    return buffer;
}

/// UTC offsets of the time zones the fake understands for a workflow's context_time.
inline std::optional<std::chrono::minutes> known_zone_offset(std::string_view zone) noexcept {
    using std::chrono::minutes;
    if (zone == "Asia/Tokyo" || zone == "Japan" || zone == "Asia/Seoul") return minutes{9 * 60};
    if (zone == "Etc/UTC" || zone == "UTC" || zone == "Etc/GMT" || zone == "GMT" || zone == "Etc/Universal") {
        return minutes{0};
    }
    if (zone == "Asia/Kolkata" || zone == "Asia/Calcutta") return minutes{5 * 60 + 30};
    if (zone == "Asia/Singapore" || zone == "Asia/Shanghai" || zone == "Asia/Taipei") return minutes{8 * 60};
    return std::nullopt;
}

inline std::vector<std::string_view> status_sequence(scripted_outcome outcome) {
    switch (outcome) {
        case scripted_outcome::succeeded: return {"queued", "setting_up", "executing", "succeeded"};
        case scripted_outcome::error: return {"queued", "setting_up", "executing", "error"};
        case scripted_outcome::canceled: return {"queued", "setting_up", "executing", "canceled"};
        case scripted_outcome::skipped: return {"queued", "setting_up", "executing", "skipped"};
        case scripted_outcome::error_then_retry:
            return {"queued",        "setting_up", "executing", "error",    "retry_waiting",
                    "queued",        "setting_up", "executing", "succeeded"};
    }
    return {"queued"};
}

/// Compact JSON text; invalid UTF-8 (from a client's bytes or a definition name) becomes U+FFFD instead of throwing.
inline std::string to_json_text(const nlohmann::ordered_json& j) {
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

inline std::string message_body(std::string_view message) {
    nlohmann::ordered_json j;
    j["message"] = message;
    return to_json_text(j);
}

inline std::string validation_body(std::string_view attribute, std::string_view message) {
    nlohmann::ordered_json j;
    j["message"] = "Bad request. Please check your request payload";
    j["errors"] = nlohmann::ordered_json::array({{{"attribute", attribute}, {"message", message}}});
    return to_json_text(j);
}

// ---- the server's state: jobs, scripts, faults, recorded requests -------------------------------------------

struct incoming_request {
    std::string method;
    std::string target;
    std::vector<http_header> headers;
    std::string body;
    bool keep_alive = true;
};

enum class reply_action { respond, close_without_answer, truncate_then_close };

struct reply_plan {
    int status = 200;
    std::vector<http_header> headers;
    std::string body;
    reply_action action = reply_action::respond;
    bool keep_alive = true;
    std::chrono::milliseconds delay{0};
};

struct job_record {
    std::int64_t id = 0;
    std::int64_t definition_id = 0;
    std::string name;
    scripted_outcome outcome = scripted_outcome::succeeded;
    std::chrono::steady_clock::time_point created_steady;
    timestamp created_at;
    run_parameters parameters;
};

class server_state {
public:
    explicit server_state(fake_server_options options)
        : options_(std::move(options)),
          window_reset_(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) +
                        std::chrono::minutes{10}) {}

    const fake_server_options& options() const noexcept { return options_; }

    std::size_t note_connection() {
        std::lock_guard lock(mutex_);
        return ++connections_;
    }
    std::size_t connections_accepted() const {
        std::lock_guard lock(mutex_);
        return connections_;
    }

    void set_job_outcome(std::int64_t definition_id, scripted_outcome outcome) {
        std::lock_guard lock(mutex_);
        job_outcomes_[definition_id] = outcome;
    }
    void set_workflow_outcome(std::int64_t definition_id, scripted_outcome outcome) {
        std::lock_guard lock(mutex_);
        pipeline_outcomes_[definition_id] = outcome;
    }
    void set_job_definition_name(std::int64_t definition_id, std::string name) {
        std::lock_guard lock(mutex_);
        job_names_[definition_id] = std::move(name);
    }
    void set_workflow_definition_name(std::int64_t definition_id, std::string name) {
        std::lock_guard lock(mutex_);
        pipeline_names_[definition_id] = std::move(name);
    }

    void inject(fault f) {
        if (f.times == 0) return;
        std::lock_guard lock(mutex_);
        faults_.push_back(std::move(f));
    }
    std::size_t pending_faults() const {
        std::lock_guard lock(mutex_);
        return faults_.size();
    }
    void clear_faults() {
        std::lock_guard lock(mutex_);
        faults_.clear();
    }

    std::vector<recorded_request> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    void clear_requests() {
        std::lock_guard lock(mutex_);
        requests_.clear();
    }
    std::size_t count_requests(std::string_view method, std::string_view target_prefix) const {
        std::lock_guard lock(mutex_);
        return static_cast<std::size_t>(std::count_if(requests_.begin(), requests_.end(), [&](const auto& r) {
            return (method.empty() || r.method == method) && std::string_view(r.target).starts_with(target_prefix);
        }));
    }

    std::vector<std::int64_t> job_ids(bool pipeline) const {
        std::lock_guard lock(mutex_);
        std::vector<std::int64_t> ids;
        for (const auto& [id, record] : pipeline ? pipeline_jobs_ : jobs_) ids.push_back(id);
        return ids;
    }
    std::optional<run_parameters> parameters(bool pipeline, std::int64_t id) const {
        std::lock_guard lock(mutex_);
        const auto& jobs = pipeline ? pipeline_jobs_ : jobs_;
        const auto it = jobs.find(id);
        if (it == jobs.end()) return std::nullopt;
        return it->second.parameters;
    }

    /// Consumes a close_before_read fault matching the request line peeked from the first bytes (method and
    /// target empty when the line has not arrived whole: then only faults without a filter match).
    bool take_close_before_read(std::string_view method, std::string_view target) {
        std::lock_guard lock(mutex_);
        return take_fault([&](const fault& f) {
                   if (f.what != fault::kind::close_before_read) return false;
                   if (method.empty()) return !f.method && f.path_prefix.empty();
                   return matches(f, method, target);
               }).has_value();
    }

    /// Records the request, applies faults, and decides the answer.
    reply_plan handle(incoming_request request, std::size_t connection_id) {
        std::lock_guard lock(mutex_);
        const auto now_steady = std::chrono::steady_clock::now();
        requests_.push_back(recorded_request{request.method, request.target, request.headers, request.body,
                                             connection_id, now_steady});

        reply_plan plan;
        plan.keep_alive = request.keep_alive;
        const auto delay = take_fault([&](const fault& f) {
            return f.what == fault::kind::delay && matches(f, request.method, request.target);
        });
        if (delay) plan.delay = delay->delay;
        const auto other = take_fault([&](const fault& f) {
            return f.what != fault::kind::delay && f.what != fault::kind::close_before_read &&
                   matches(f, request.method, request.target);
        });

        const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
        const auto reset = rate_window(std::chrono::floor<std::chrono::seconds>(now));
        const auto add_rate_headers = [&](reply_plan& p, std::int64_t remaining, std::chrono::sys_seconds at) {
            p.headers.push_back({"X-Rate-Limit-Limit", std::to_string(rate_limit)});
            p.headers.push_back({"X-Rate-Limit-Remaining", std::to_string(remaining)});
            p.headers.push_back({"X-Rate-Limit-Reset", std::to_string(at.time_since_epoch().count())});
        };

        if (other && other->what == fault::kind::http_status) {
            plan.status = other->status;
            plan.body = other->body ? *other->body : message_body(status_line(other->status));
            add_rate_headers(plan, std::max<std::int64_t>(0, rate_limit - window_calls_), reset);
            return plan;
        }
        if (other && other->what == fault::kind::rate_limited) {
            const std::chrono::seconds wait{std::max(0, other->retry_after_seconds)};
            plan.status = 429;
            plan.body = message_body("Rate limit exceeded. Please retry later");
            plan.headers.push_back({"Retry-After", std::to_string(wait.count())});
            add_rate_headers(plan, 0, std::chrono::floor<std::chrono::seconds>(now) + wait);
            return plan;
        }

        const std::optional<std::string> status_override =
            other && other->what == fault::kind::unknown_status ? std::optional(other->status_text) : std::nullopt;
        route(request, plan, status_override, now, now_steady);
        add_rate_headers(plan, std::max<std::int64_t>(0, rate_limit - window_calls_), reset);

        if (other) {
            switch (other->what) {
                case fault::kind::close_after_read: plan.action = reply_action::close_without_answer; break;
                case fault::kind::truncated_body:
                    plan.status = 200;
                    plan.action = reply_action::truncate_then_close;
                    break;
                case fault::kind::malformed_json:
                    plan.status = 200;
                    plan.body = plan.body.substr(0, std::max<std::size_t>(1, plan.body.size() / 2));
                    break;
                default: break;
            }
        }
        return plan;
    }

private:
    static constexpr std::int64_t rate_limit = 3500;

    static bool matches(const fault& f, std::string_view method, std::string_view target) {
        if (f.method && to_string(*f.method) != method) return false;
        return target.starts_with(f.path_prefix);
    }

    template <class Pred>
    std::optional<fault> take_fault(Pred pred) {
        for (auto it = faults_.begin(); it != faults_.end(); ++it) {
            if (!pred(*it)) continue;
            fault taken = *it;
            if (it->times > 0 && --it->times == 0) faults_.erase(it);
            return taken;
        }
        return std::nullopt;
    }

    /// Counts this call in the current 10-minute window and returns the window's end.
    std::chrono::sys_seconds rate_window(std::chrono::sys_seconds now) {
        if (now >= window_reset_) {
            window_reset_ = now + std::chrono::minutes{10};
            window_calls_ = 0;
        }
        ++window_calls_;
        return window_reset_;
    }

    void route(const incoming_request& request, reply_plan& plan, const std::optional<std::string>& status_override,
               timestamp now, std::chrono::steady_clock::time_point now_steady) {
        const auto authorization = find_header(request.headers, "Authorization");
        if (!authorization || *authorization != "Token " + options_.api_key) {
            plan.status = 401;
            plan.body = message_body("Unauthorized");
            return;
        }
        const std::string_view target = request.target;
        const auto question = target.find('?');
        const std::string_view path = target.substr(0, question);
        const std::string_view query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);

        if (request.method == "POST" && path == "/api/jobs") {
            return create_job(false, query, request, plan, status_override, now, now_steady);
        }
        if (request.method == "POST" && path == "/api/pipeline_jobs") {
            return create_job(true, query, request, plan, status_override, now, now_steady);
        }
        if (request.method == "GET" && (path.starts_with("/api/jobs/") || path.starts_with("/api/pipeline_jobs/"))) {
            const bool pipeline = path.starts_with("/api/pipeline_jobs/");
            const auto id = parse_id(path.substr(pipeline ? 19 : 10));
            const auto& jobs = pipeline ? pipeline_jobs_ : jobs_;
            const auto it = id ? jobs.find(*id) : jobs.end();
            if (it == jobs.end()) {
                plan.status = 404;
                plan.body = message_body("Not found");
                return;
            }
            plan.status = 200;
            plan.body = render(pipeline, it->second, now_steady - it->second.created_steady, status_override);
            return;
        }
        plan.status = 404;
        plan.body = message_body("Not found");
    }

    /// A positive decimal int64, nothing else.
    static std::optional<std::int64_t> parse_id(std::string_view text) noexcept {
        if (text.empty() || text.size() > 18) return std::nullopt;
        std::int64_t value = 0;
        for (char c : text) {
            if (c < '0' || c > '9') return std::nullopt;
            value = value * 10 + (c - '0');
        }
        if (value <= 0) return std::nullopt;
        return value;
    }

    struct parsed_parameters {
        std::optional<std::string> definition_id;  // from the body, when given there
        run_parameters run;
        std::string error_attribute;  // empty: fine
        std::string error_message;
    };

    static bool is_form(const incoming_request& request) {
        const auto* type = find_header(request.headers, "Content-Type");
        if (type) {
            std::string lower;
            for (char c : *type) lower += trocco::detail::ascii_lower(c);
            if (lower.starts_with("application/x-www-form-urlencoded")) return true;
            if (lower.starts_with("application/json")) return false;
        }
        // No or another content type: JSON if it looks like JSON, else form data (what `curl -d` sends).
        const auto first = request.body.find_first_not_of(" \t\r\n");
        return first != std::string::npos && request.body[first] != '{';
    }

    static void parse_form_body(std::string_view body, std::string_view id_field, parsed_parameters& out) {
        struct entry {
            std::optional<std::string> name, value;
        };
        std::vector<entry> entries;
        std::map<std::string, std::size_t> by_index;  // custom_variables[N][...]
        for (auto& [key, value] : parse_form(body)) {
            if (key == id_field) {
                out.definition_id = value;
            } else if (key == "context_time") {
                if (!value.empty()) out.run.context_time = value;
            } else if (key == "time_zone") {
                out.run.time_zone = value;
            } else if (key.starts_with("custom_variables[")) {
                const auto close = key.find(']');
                const std::string index = key.substr(17, close == std::string::npos ? 0 : close - 17);
                const std::string_view field = close == std::string::npos ? std::string_view{} : std::string_view(key).substr(close + 1);
                if (field != "[name]" && field != "[value]") {
                    out.error_attribute = "custom_variables";
                    out.error_message = "has an unknown field " + key;
                    return;
                }
                const bool is_name = field == "[name]";
                std::size_t slot;
                if (index.empty()) {  // Rails: a key already set in the last hash starts a new one
                    if (entries.empty() || (is_name ? entries.back().name : entries.back().value)) entries.emplace_back();
                    slot = entries.size() - 1;
                } else {
                    const auto [it, added] = by_index.try_emplace(index, entries.size());
                    if (added) entries.emplace_back();
                    slot = it->second;
                }
                (is_name ? entries[slot].name : entries[slot].value) = std::move(value);
            }
            // other keys are ignored, as Rails ignores unpermitted parameters
        }
        for (auto& e : entries) {
            if (!e.name || e.name->empty()) {
                out.error_attribute = "custom_variables";
                out.error_message = "name must be given";
                return;
            }
            out.run.custom_variables.push_back({std::move(*e.name), e.value.value_or("")});
        }
    }

    static void parse_json_body(std::string_view body, std::string_view id_field, parsed_parameters& out) {
        const auto json = nlohmann::json::parse(body, nullptr, false);
        if (json.is_discarded() || !json.is_object()) {
            out.error_attribute = "body";
            out.error_message = "is not a JSON object";
            return;
        }
        if (const auto it = json.find(id_field); it != json.end() && !it->is_null()) {
            out.definition_id = it->is_string() ? it->get<std::string>() : it->dump();
        }
        if (const auto it = json.find("context_time"); it != json.end() && !it->is_null()) {
            if (!it->is_string()) {
                out.error_attribute = "context_time";
                out.error_message = "must be a string";
                return;
            }
            if (!it->get_ref<const std::string&>().empty()) out.run.context_time = it->get<std::string>();
        }
        if (const auto it = json.find("time_zone"); it != json.end() && !it->is_null()) {
            if (!it->is_string()) {
                out.error_attribute = "time_zone";
                out.error_message = "must be a string";
                return;
            }
            out.run.time_zone = it->get<std::string>();
        }
        if (const auto it = json.find("custom_variables"); it != json.end() && !it->is_null()) {
            if (!it->is_array()) {
                out.error_attribute = "custom_variables";
                out.error_message = "must be an array";
                return;
            }
            for (const auto& v : *it) {
                const auto name = v.is_object() ? v.find("name") : v.end();
                const auto value = v.is_object() ? v.find("value") : v.end();
                if (!v.is_object() || name == v.end() || !name->is_string() || name->get_ref<const std::string&>().empty() ||
                    (value != v.end() && !value->is_string() && !value->is_null())) {
                    out.error_attribute = "custom_variables";
                    out.error_message = "must be objects with a string name and a string value";
                    return;
                }
                out.run.custom_variables.push_back(
                    {name->get<std::string>(), value != v.end() && value->is_string() ? value->get<std::string>() : ""});
            }
        }
    }

    void create_job(bool pipeline, std::string_view query, const incoming_request& request, reply_plan& plan,
                    const std::optional<std::string>& status_override, timestamp now,
                    std::chrono::steady_clock::time_point now_steady) {
        const std::string_view id_field = pipeline ? "pipeline_definition_id" : "job_definition_id";
        parsed_parameters parsed;
        if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
            // no body: nothing but the query
        } else if (is_form(request)) {
            parse_form_body(request.body, id_field, parsed);
        } else {
            parse_json_body(request.body, id_field, parsed);
        }
        std::optional<std::string> id_text;
        for (auto& [key, value] : parse_form(query)) {
            if (key == id_field) id_text = std::move(value);
        }
        if (!id_text) id_text = parsed.definition_id;

        const auto fail = [&](int status, std::string_view attribute, std::string_view message) {
            plan.status = status;
            plan.body = validation_body(attribute, message);
        };
        if (!id_text || id_text->empty()) return fail(400, id_field, "is required");
        const auto definition_id = parse_id(*id_text);
        if (!definition_id) return fail(422, id_field, "must be a positive integer");
        if (!parsed.error_attribute.empty()) return fail(400, parsed.error_attribute, parsed.error_message);
        if (parsed.run.context_time && !is_valid_context_time(*parsed.run.context_time)) {
            return fail(400, "context_time", "must be in the form YYYY-MM-DD HH:MM:SS");
        }
        if (parsed.run.time_zone && parsed.run.time_zone->empty()) return fail(400, "time_zone", "must not be empty");

        job_record record;
        record.id = pipeline ? next_pipeline_job_id_++ : next_job_id_++;
        record.definition_id = *definition_id;
        const auto& outcomes = pipeline ? pipeline_outcomes_ : job_outcomes_;
        const auto outcome = outcomes.find(*definition_id);
        record.outcome = outcome == outcomes.end() ? scripted_outcome::succeeded : outcome->second;
        const auto& names = pipeline ? pipeline_names_ : job_names_;
        const auto name = names.find(*definition_id);
        record.name = name != names.end() ? name->second
                                          : (pipeline ? "fake_pipeline_definition_" : "fake_job_definition_") +
                                                std::to_string(*definition_id);
        record.created_steady = now_steady;
        record.created_at = now;
        record.parameters = std::move(parsed.run);
        auto& jobs = pipeline ? pipeline_jobs_ : jobs_;
        const auto& stored = jobs.emplace(record.id, std::move(record)).first->second;
        plan.status = 200;
        plan.body = render(pipeline, stored, std::nullopt, status_override);
    }

    /// The job as JSON after `elapsed` since its creation (nullopt: the POST answer, always the first status).
    std::string render(bool pipeline, const job_record& r, std::optional<std::chrono::steady_clock::duration> elapsed,
                       const std::optional<std::string>& status_override) const {
        const auto sequence = status_sequence(r.outcome);
        const auto step = options_.status_duration;
        std::size_t index = 0;
        if (elapsed) {
            index = step.count() <= 0 ? sequence.size() - 1
                                      : static_cast<std::size_t>(std::max<std::int64_t>(0, *elapsed / step));
            index = std::min(index, sequence.size() - 1);
        }
        const auto status = sequence[index];
        std::optional<timestamp> started, finished;
        if (index >= 1) started = r.created_at + step;
        if (is_terminal(parse_job_status(status))) {
            finished = r.created_at + step * static_cast<std::int64_t>(index);
        }

        nlohmann::ordered_json j;
        j["id"] = r.id;
        j[pipeline ? "pipeline_definition_id" : "job_definition_id"] = r.definition_id;
        j[pipeline ? "name" : "job_definition_name"] = r.name;
        j["status"] = status_override ? *status_override : std::string(status);
        j["created_at"] = format_jst(r.created_at);
        if (pipeline) {
            j["started_at"] = started ? nlohmann::ordered_json(format_jst(*started)) : nlohmann::ordered_json(nullptr);
            j["finished_at"] = finished ? nlohmann::ordered_json(format_jst(*finished)) : nlohmann::ordered_json(nullptr);
            j["context_time"] = workflow_context_time(r);
        } else {
            if (started) j["started_at"] = format_jst(*started);
            if (finished) j["finished_at"] = format_jst(*finished);
        }
        return to_json_text(j);
    }

    /// The given context_time read in its time zone, as an RFC 3339 JST timestamp; the creation time when none
    /// was given; the text as given when the time zone is not one the fake knows.
    static std::string workflow_context_time(const job_record& r) {
        const auto& p = r.parameters;
        if (!p.context_time) return format_jst(std::chrono::floor<std::chrono::seconds>(r.created_at));
        const auto offset = known_zone_offset(p.time_zone.value_or("Asia/Tokyo"));
        const auto civil = trocco::detail::parse_civil_time(*p.context_time);
        if (!offset || !civil) return *p.context_time;
        const auto instant = std::chrono::sys_days{civil->date} + civil->time_of_day - *offset;
        return format_jst(std::chrono::time_point_cast<std::chrono::milliseconds>(instant));
    }

    const fake_server_options options_;
    mutable std::mutex mutex_;
    std::size_t connections_ = 0;
    std::vector<recorded_request> requests_;
    std::vector<fault> faults_;
    std::map<std::int64_t, scripted_outcome> job_outcomes_, pipeline_outcomes_;
    std::map<std::int64_t, std::string> job_names_, pipeline_names_;
    std::map<std::int64_t, job_record> jobs_, pipeline_jobs_;
    std::int64_t next_job_id_ = 100001;           // transfer and workflow job ids differ, so that mixing them up
    std::int64_t next_pipeline_job_id_ = 200001;  // gives a 404 instead of passing by chance
    std::chrono::sys_seconds window_reset_;
    std::int64_t window_calls_ = 0;
};

// ---- networking ---------------------------------------------------------------------------------------------

inline constexpr std::chrono::seconds io_timeout{30};  // reading the rest of a request, writing an answer, TLS
inline constexpr std::uint64_t max_request_body = 1024 * 1024;

/// The bytes of an answer. `declared_length` larger than the body gives a truncated answer.
inline std::string serialize(const reply_plan& plan, bool truncate) {
    std::string body = plan.body;
    const std::size_t declared = body.size() + (truncate ? std::max<std::size_t>(16, body.size()) : 0);
    std::string out = "HTTP/1.1 " + std::to_string(plan.status);
    const auto reason = reason_phrase(plan.status);
    out.append(" ").append(reason.empty() ? std::string_view("Unknown") : reason).append("\r\n");
    out += "Server: trocco-fake-server\r\n";
    if (!plan.body.empty()) out += "Content-Type: application/json; charset=utf-8\r\n";
    out += "Content-Length: " + std::to_string(declared) + "\r\n";
    out += (plan.keep_alive && !truncate) ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    for (const auto& h : plan.headers) out.append(h.name).append(": ").append(h.value).append("\r\n");
    out += "\r\n";
    out += body;
    return out;
}

struct session_base {
    virtual ~session_base() = default;
    /// Closes the connection from any thread (posted to the session's strand).
    virtual void close_from_server() = 0;
};

template <class Stream>
class session final : public session_base, public std::enable_shared_from_this<session<Stream>> {
public:
    static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

    session(std::shared_ptr<server_state> state, net::ip::tcp::socket socket,
            std::shared_ptr<net::ssl::context> tls, std::size_t id)
        : state_(std::move(state)), tls_(std::move(tls)), stream_(make_stream(std::move(socket), tls_.get())),
          timer_(stream_.get_executor()), id_(id) {}

    void start() {
        net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->on_start(); });
    }

    void close_from_server() override {
        net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close_now(); });
    }

private:
    static Stream make_stream(net::ip::tcp::socket socket, net::ssl::context* tls) {
        if constexpr (is_tls) {
            return Stream(std::move(socket), *tls);
        } else {
            (void)tls;
            return Stream(std::move(socket));
        }
    }

    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

    void on_start() {
        if (closed_) return;
        if constexpr (is_tls) {
            lowest().expires_after(io_timeout);
            stream_.async_handshake(net::ssl::stream_base::server,
                                    [self = this->shared_from_this()](beast::error_code ec) {
                                        if (ec) return self->close_now();
                                        self->read_next();
                                    });
        } else {
            read_next();
        }
    }

    /// Waits for the first bytes of the next request (up to keep_alive_timeout), so that close_before_read can
    /// act when a request arrives rather than when the previous answer was written.
    void read_next() {
        if (closed_) return;
        if (buffer_.size() > 0) return on_first_bytes({}, 0);
        lowest().expires_after(state_->options().keep_alive_timeout);
        stream_.async_read_some(buffer_.prepare(4096),
                                [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                                    self->on_first_bytes(ec, n);
                                });
    }

    void on_first_bytes(beast::error_code ec, std::size_t n) {
        if (ec || closed_) return close_now();
        buffer_.commit(n);
        // Peek at the request line, if it has arrived whole, to match close_before_read faults.
        const auto data = buffer_.data();
        const std::string_view head(static_cast<const char*>(data.data()), data.size());
        std::string_view method, target;
        if (const auto eol = head.find("\r\n"); eol != std::string_view::npos) {
            const std::string_view line = head.substr(0, eol);
            const auto sp1 = line.find(' ');
            const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
            if (sp2 != std::string_view::npos) {
                method = line.substr(0, sp1);
                target = line.substr(sp1 + 1, sp2 - sp1 - 1);
            }
        }
        if (state_->take_close_before_read(method, target)) return close_now();

        parser_.emplace();
        parser_->body_limit(max_request_body);
        lowest().expires_after(io_timeout);
        beast::http::async_read(stream_, buffer_, *parser_,
                                [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                                    self->on_read(ec);
                                });
    }

    void on_read(beast::error_code ec) {
        if (ec || closed_) return close_now();
        auto& message = parser_->get();
        incoming_request request;
        request.method = std::string(message.method_string());
        request.target = std::string(message.target());
        for (const auto& field : message) {
            request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
        }
        request.body = std::move(message.body());
        request.keep_alive = message.keep_alive();
        parser_.reset();

        try {
            plan_ = state_->handle(std::move(request), id_);
        } catch (const std::exception& e) {  // a bug in the fake, not the client's fault: say so, keep serving
            plan_ = reply_plan{};
            plan_.status = 500;
            plan_.body = message_body(std::string("fake_server internal error: ") + e.what());
            plan_.keep_alive = false;
        }
        if (plan_.delay.count() > 0) {
            lowest().expires_never();
            timer_.expires_after(plan_.delay);
            timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
                if (ec || self->closed_) return;
                self->answer();
            });
        } else {
            answer();
        }
    }

    void answer() {
        if (plan_.action == reply_action::close_without_answer) return close_now();
        const bool truncate = plan_.action == reply_action::truncate_then_close;
        out_ = serialize(plan_, truncate);
        lowest().expires_after(io_timeout);
        net::async_write(stream_, net::buffer(out_),
                         [self = this->shared_from_this(), truncate](beast::error_code ec, std::size_t) {
                             if (ec || truncate) return self->close_now();
                             if (!self->plan_.keep_alive) return self->close_gracefully();
                             self->read_next();
                         });
    }

    void close_gracefully() {
        if (closed_) return;
        if constexpr (is_tls) {
            lowest().expires_after(std::chrono::seconds{2});
            stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close_now(); });
        } else {
            beast::error_code ignored;
            lowest().socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
            close_now();
        }
    }

    void close_now() {
        if (closed_) return;
        closed_ = true;
        timer_.cancel();
        lowest().close();
    }

    std::shared_ptr<server_state> state_;
    std::shared_ptr<net::ssl::context> tls_;  // kept alive as long as the stream that uses it
    Stream stream_;
    net::steady_timer timer_;
    std::size_t id_;
    beast::flat_buffer buffer_;
    std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
    reply_plan plan_;
    std::string out_;
    bool closed_ = false;
};

/// The listening socket and the open sessions. Shared with the handlers in flight, so that the fake_server
/// object may go away (in the caller's-executor mode) while they finish.
class server_core : public std::enable_shared_from_this<server_core> {
public:
    server_core(net::any_io_executor executor, fake_server_options options)
        : executor_(executor), acceptor_(net::make_strand(executor)), retry_timer_(acceptor_.get_executor()) {
        if (options.tls_certificate_chain_pem.empty() != options.tls_private_key_pem.empty()) {
            throw std::invalid_argument(
                "fake_server: set both tls_certificate_chain_pem and tls_private_key_pem, or neither");
        }
        if (!options.tls_certificate_chain_pem.empty()) {
            tls_ = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
            tls_->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                              net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                              net::ssl::context::no_tlsv1_1);
            tls_->use_certificate_chain(net::buffer(options.tls_certificate_chain_pem));
            tls_->use_private_key(net::buffer(options.tls_private_key_pem), net::ssl::context::pem);
        }

        net::ip::tcp::endpoint endpoint;
        beast::error_code ec;
        const auto address = net::ip::make_address(options.host, ec);
        if (!ec) {
            endpoint = {address, options.port};
        } else {
            net::ip::tcp::resolver resolver(executor);
            const auto results = resolver.resolve(options.host, std::to_string(options.port));
            if (results.empty()) throw std::runtime_error("fake_server: cannot resolve " + options.host);
            endpoint = results.begin()->endpoint();
        }
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind(endpoint);
        acceptor_.listen(net::socket_base::max_listen_connections);
        port_ = acceptor_.local_endpoint().port();

        const auto ip = acceptor_.local_endpoint().address();
        const std::string host = ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string();
        base_url_ = (tls_ ? "https://" : "http://") + host + ":" + std::to_string(port_);
        state_ = std::make_shared<server_state>(std::move(options));
    }

    void start() {
        net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->accept_next(); });
    }

    void stop() {
        std::vector<std::weak_ptr<session_base>> sessions;
        {
            std::lock_guard lock(sessions_mutex_);
            if (stopped_) return;
            stopped_ = true;
            sessions.swap(sessions_);
        }
        net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
            beast::error_code ignored;
            self->acceptor_.close(ignored);
            self->retry_timer_.cancel();
        });
        for (auto& weak : sessions) {
            if (auto s = weak.lock()) s->close_from_server();
        }
    }

    server_state& state() noexcept { return *state_; }
    std::uint16_t port() const noexcept { return port_; }
    const std::string& base_url() const noexcept { return base_url_; }

private:
    void accept_next() {
        acceptor_.async_accept(net::make_strand(executor_), [self = shared_from_this()](beast::error_code ec,
                                                                                         net::ip::tcp::socket socket) {
            self->on_accept(ec, std::move(socket));
        });
    }

    void on_accept(beast::error_code ec, net::ip::tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
        if (ec) {  // e.g. out of file descriptors: try again a little later rather than spin
            retry_timer_.expires_after(std::chrono::milliseconds{20});
            retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
                if (!wait_ec && self->acceptor_.is_open()) self->accept_next();
            });
            return;
        }
        {
            std::lock_guard lock(sessions_mutex_);
            if (stopped_) return;
            const auto id = state_->note_connection();
            std::shared_ptr<session_base> created;
            if (tls_) {
                auto s = std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(state_, std::move(socket),
                                                                                         tls_, id);
                s->start();
                created = std::move(s);
            } else {
                auto s = std::make_shared<session<beast::tcp_stream>>(state_, std::move(socket), nullptr, id);
                s->start();
                created = std::move(s);
            }
            std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
            sessions_.push_back(created);
        }
        accept_next();
    }

    net::any_io_executor executor_;
    net::ip::tcp::acceptor acceptor_;
    net::steady_timer retry_timer_;           // a pause before accepting again after an error (e.g. EMFILE)
    std::shared_ptr<net::ssl::context> tls_;  // null: plain HTTP
    std::shared_ptr<server_state> state_;
    std::uint16_t port_ = 0;
    std::string base_url_;
    std::mutex sessions_mutex_;
    bool stopped_ = false;
    std::vector<std::weak_ptr<session_base>> sessions_;
};

}  // namespace detail

/// A fake trocco API server. See the top of this file.
class fake_server {
public:
    /// Serves on `executor` (run it yourself; several threads are fine). Binds at once: port() is valid on
    /// return. Throws boost::system::system_error if the address cannot be bound, std::invalid_argument for half
    /// a TLS configuration.
    explicit fake_server(boost::asio::any_io_executor executor, fake_server_options options = {})
        : core_(std::make_shared<detail::server_core>(std::move(executor), std::move(options))) {
        core_->start();
    }

    /// Serves on its own io_context run by one thread, joined by stop() and the destructor.
    explicit fake_server(fake_server_options options = {})
        : io_(std::make_unique<boost::asio::io_context>(1)),
          core_(std::make_shared<detail::server_core>(io_->get_executor(), std::move(options))) {
        core_->start();
        thread_ = std::thread([io = io_.get()] {
            for (;;) {
                try {
                    io->run();
                    return;
                } catch (...) {  // a test server keeps serving whatever one handler threw
                }
            }
        });
    }

    fake_server(const fake_server&) = delete;
    fake_server& operator=(const fake_server&) = delete;

    ~fake_server() { stop(); }

    /// Closes the listening socket and every connection (idempotent). With the owned io_context, waits for its
    /// thread to finish; on a caller's executor the closing runs there, later.
    void stop() {
        core_->stop();
        if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
    }

    std::uint16_t port() const noexcept { return core_->port(); }
    /// "http://127.0.0.1:PORT", or "https://…" with TLS.
    std::string base_url() const { return core_->base_url(); }
    const std::string& api_key() const noexcept { return core_->state().options().api_key; }

    /// How jobs of a definition end (default: succeeded). Applies to jobs created afterwards.
    void set_job_outcome(std::int64_t job_definition_id, scripted_outcome outcome) {
        core_->state().set_job_outcome(job_definition_id, outcome);
    }
    void set_workflow_outcome(std::int64_t pipeline_definition_id, scripted_outcome outcome) {
        core_->state().set_workflow_outcome(pipeline_definition_id, outcome);
    }
    /// The name reported for a definition (default "fake_job_definition_<id>" / "fake_pipeline_definition_<id>").
    void set_job_definition_name(std::int64_t job_definition_id, std::string name) {
        core_->state().set_job_definition_name(job_definition_id, std::move(name));
    }
    void set_workflow_definition_name(std::int64_t pipeline_definition_id, std::string name) {
        core_->state().set_workflow_definition_name(pipeline_definition_id, std::move(name));
    }

    /// Adds a fault (times == 0: ignored). Faults are matched in the order injected.
    void inject(fault f) { core_->state().inject(std::move(f)); }
    /// Faults not used up yet.
    std::size_t pending_faults() const { return core_->state().pending_faults(); }
    void clear_faults() { core_->state().clear_faults(); }

    /// Every request read so far (a copy).
    std::vector<recorded_request> requests() const { return core_->state().requests(); }
    void clear_requests() { core_->state().clear_requests(); }
    /// Requests whose method is `method` ("" = any) and whose target starts with `target_prefix`.
    std::size_t count_requests(std::string_view method, std::string_view target_prefix = "") const {
        return core_->state().count_requests(method, target_prefix);
    }
    std::size_t connections_accepted() const { return core_->state().connections_accepted(); }

    /// Ids of the jobs created so far, ascending (transfer jobs from 100001, workflow jobs from 200001).
    std::vector<std::int64_t> job_ids() const { return core_->state().job_ids(false); }
    std::vector<std::int64_t> workflow_job_ids() const { return core_->state().job_ids(true); }
    /// What the POST that created a job carried; nullopt for an unknown id.
    std::optional<run_parameters> job_run_parameters(std::int64_t job_id) const {
        return core_->state().parameters(false, job_id);
    }
    std::optional<run_parameters> workflow_job_run_parameters(std::int64_t pipeline_job_id) const {
        return core_->state().parameters(true, pipeline_job_id);
    }
    std::optional<std::vector<custom_variable>> job_custom_variables(std::int64_t job_id) const {
        auto p = job_run_parameters(job_id);
        if (!p) return std::nullopt;
        return std::move(p->custom_variables);
    }

private:
    std::unique_ptr<boost::asio::io_context> io_;  // owned mode only; destroyed after core_
    std::shared_ptr<detail::server_core> core_;
    std::thread thread_;
};

}  // namespace trocco::testing
