// tests/fuzz/client_scenario.hpp - what the whole-client fuzz target plays: one client operation, its options, and
// the transport's answers, all decoded from the fuzz input with FuzzedDataProvider. make_seeds.py writes inputs in
// this encoding: keep the two in step (the order of the Consume calls is the format).
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <trocco/client.hpp>

#include "fuzz_support.hpp"

namespace trocco_fuzz {

/// The key every scenario's client uses. No brackets and no piece of "[redacted]", so a redacted message can never
/// re-form it: finding it in an error is always a leak.
inline constexpr std::string_view api_key = "tra_FUZZ_k3y_9f8e7d6c5b4a";
inline constexpr std::string_view base_url = "https://trocco.io";
/// Answers decoded from one input at most; after them the transport answers 401 and then refuses to go on.
inline constexpr std::size_t max_steps = 48;

enum class operation {
    run_and_wait_job,
    run_and_wait_workflow,
    wait_job,
    wait_workflow_job,
    get_job,
    get_workflow_job,
    run_job,
    run_workflow,
};

constexpr bool is_workflow(operation op) {
    return op == operation::run_and_wait_workflow || op == operation::wait_workflow_job ||
           op == operation::get_workflow_job || op == operation::run_workflow;
}
constexpr bool triggers(operation op) {
    return op == operation::run_and_wait_job || op == operation::run_and_wait_workflow || op == operation::run_job ||
           op == operation::run_workflow;
}
constexpr bool waits(operation op) {
    return op == operation::run_and_wait_job || op == operation::run_and_wait_workflow || op == operation::wait_job ||
           op == operation::wait_workflow_job;
}
constexpr bool polls(operation op) { return waits(op) || op == operation::get_job || op == operation::get_workflow_job; }

/// One answer of the transport to one request.
struct step {
    trocco::result<trocco::http_response> outcome = trocco::http_response{};
    std::chrono::milliseconds latency{0};
};

enum class callback_kind { none, generic, job_only, workflow_only };

struct scenario {
    operation op = operation::get_job;
    bool deferred = false;
    trocco::retry_policy retry;
    int random_style = 0;  // 0: splitmix from random_seed, 1: always 0, 2: always just below 1
    std::uint64_t random_seed = 0;
    std::int64_t id = 1;      // the definition id (trigger operations) or the job id (wait_job, get_job)
    std::int64_t job_id = 1;  // the id the answers speak of: the new job's (triggers) or `id`
    std::optional<std::string> context_time, time_zone;
    std::vector<trocco::custom_variable> custom_variables;
    trocco::wait_options wait;  // without callbacks and stop token (set when run)
    callback_kind callback = callback_kind::none;
    bool on_triggered = false;
    int stop = 0;              // 0: never, -1: before the call, n > 0: at the n-th transport call (sends and sleeps)
    std::chrono::system_clock::time_point wall_start;
    std::vector<step> steps;
};

inline std::chrono::milliseconds draw_ms(FuzzedDataProvider& in, std::int64_t min, std::int64_t max) {
    return std::chrono::milliseconds{in.ConsumeIntegralInRange<std::int64_t>(min, max)};
}

/// A JSON string value of any bytes (invalid UTF-8 replaced, as a server's encoder would not emit it).
inline std::string json_text(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// The body of a job answer: the job asked about, mostly, with any status; sometimes another job or a bad id.
inline std::string draw_job_body(FuzzedDataProvider& in, const scenario& s) {
    static constexpr const char* statuses[] = {"queued",    "setting_up", "executing", "interrupting",
                                               "succeeded", "error",      "canceled",  "skipped",
                                               "retry_waiting", "unknown", "Succeeded", ""};
    nlohmann::json body = nlohmann::json::object();
    switch (in.ConsumeIntegralInRange<int>(0, 5)) {
        case 3: body["id"] = s.job_id + 1; break;  // an answer about another job
        case 4: body["id"] = std::to_string(s.job_id); break;
        case 5: break;
        default: body["id"] = s.job_id; break;
    }
    body[is_workflow(s.op) ? "pipeline_definition_id" : "job_definition_id"] = triggers(s.op) ? s.id : 42;
    body["status"] = in.PickValueInArray(statuses);
    return json_text(body);
}

/// An error body: {"message": ...}, {"error": ...} or a message with details; the text may be long (the client
/// cuts it at 2 KB) and may echo the API key, which must never reach an error message.
inline std::string draw_error_body(FuzzedDataProvider& in) {
    std::string text(in.ConsumeIntegralInRange<std::size_t>(0, 2100), 'x');
    if (in.ConsumeBool()) text += api_key;
    text += in.ConsumeRandomLengthString(64);
    switch (in.ConsumeIntegralInRange<int>(0, 2)) {
        case 0: return json_text({{"message", text}});
        case 1: return json_text({{"error", text}});
        default: return json_text({{"message", "invalid"}, {"errors", {{{"attribute", "name"}, {"message", text}}}}});
    }
}

inline step draw_step(FuzzedDataProvider& in, const scenario& s) {
    step out;
    const auto wall_seconds = std::chrono::floor<std::chrono::seconds>(s.wall_start).time_since_epoch().count();
    switch (in.ConsumeIntegralInRange<int>(0, 4)) {
        case 0: out.outcome = trocco::http_response{200, {}, draw_job_body(in, s)}; break;
        case 1: {
            const int status = draw_status(in);
            auto headers = draw_headers(in, wall_seconds, 3);
            out.outcome = trocco::http_response{status, std::move(headers), draw_job_body(in, s)};
            break;
        }
        case 2: {
            const int status = draw_status(in);
            auto headers = draw_headers(in, wall_seconds, 3);
            out.outcome = trocco::http_response{status, std::move(headers), draw_error_body(in)};
            break;
        }
        case 3: {
            const auto code = static_cast<trocco::errc>(in.ConsumeIntegralInRange<int>(1, 17));
            const bool nothing_sent = in.ConsumeBool();
            std::string message = "fuzzed transport error";
            if (in.ConsumeBool()) message += " echoing " + std::string(api_key);
            trocco::error e{code, std::move(message)};
            if (nothing_sent) e.with_nothing_sent();
            out.outcome = std::move(e);
            break;
        }
        default: {
            const int status = draw_status(in);
            auto headers = draw_headers(in, wall_seconds, 3);
            out.outcome = trocco::http_response{status, std::move(headers), in.ConsumeRandomLengthString(256)};
            break;
        }
    }
    out.latency = draw_ms(in, 0, 60'000);
    return out;
}

inline std::optional<std::string> draw_optional_text(FuzzedDataProvider& in, const char* valid, std::size_t max) {
    switch (in.ConsumeIntegralInRange<int>(0, 2)) {
        case 0: return std::nullopt;
        case 1: return std::string(valid);
        default: return in.ConsumeRandomLengthString(max);
    }
}

inline scenario decode_scenario(FuzzedDataProvider& in) {
    using std::chrono::milliseconds;
    scenario s;
    s.op = static_cast<operation>(in.ConsumeIntegralInRange<int>(0, 7));
    s.deferred = in.ConsumeBool();
    if (!in.ConsumeBool()) {
        s.retry.max_attempts = in.ConsumeIntegralInRange<int>(0, 6);
        s.retry.initial_backoff = draw_ms(in, 0, 30'000);
        s.retry.multiplier = in.ConsumeIntegralInRange<int>(0, 40) / 10.0;
        s.retry.max_backoff = draw_ms(in, 0, 60'000);
        switch (in.ConsumeIntegralInRange<int>(0, 3)) {
            case 0: break;  // the default, 10 minutes
            case 1: s.retry.max_server_wait = draw_ms(in, 0, 3'600'000); break;
            case 2: s.retry.max_server_wait = milliseconds{0}; break;
            default: s.retry.max_server_wait = milliseconds::max(); break;  // "always honour the server"
        }
    }
    s.random_style = in.ConsumeIntegralInRange<int>(0, 2);
    s.random_seed = in.ConsumeIntegral<std::uint64_t>();
    s.id = in.ConsumeIntegralInRange<std::int64_t>(-1, 1'000'000);
    s.job_id = triggers(s.op) ? in.ConsumeIntegralInRange<std::int64_t>(1, 1'000'000) : s.id;
    s.wall_start = std::chrono::system_clock::time_point{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}} +
                   std::chrono::seconds{in.ConsumeIntegralInRange<std::int64_t>(-1'000'000'000, 1'000'000'000)};

    if (triggers(s.op)) {
        s.context_time = draw_optional_text(in, "2024-02-29 23:59:59", 24);
        s.time_zone = draw_optional_text(in, "Asia/Tokyo", 16);
        if (!is_workflow(s.op)) {
            const auto count = in.ConsumeIntegralInRange<int>(0, 2);
            for (int i = 0; i < count; ++i) {
                std::string name = in.ConsumeRandomLengthString(12);
                std::string value = in.ConsumeRandomLengthString(24);
                s.custom_variables.push_back({std::move(name), std::move(value)});
            }
        }
    }
    if (waits(s.op)) {
        auto& w = s.wait;
        w.poll.first_delay = draw_ms(in, -1, 60'000);
        w.poll.growth = in.ConsumeIntegralInRange<int>(0, 30) / 10.0;
        w.poll.max_delay = draw_ms(in, 0, 120'000);
        w.poll.jitter = in.ConsumeIntegralInRange<int>(0, 100) / 100.0;
        switch (in.ConsumeIntegralInRange<int>(0, 2)) {
            case 0: w.timeout = draw_ms(in, -1, 7'200'000); break;
            case 1: w.timeout = milliseconds::max(); break;  // "no limit"
            default: break;                                   // the default, 24 hours
        }
        w.not_found_grace = draw_ms(in, 0, 120'000);
        w.error_confirmations = in.ConsumeIntegralInRange<int>(-1, 4);
        w.error_confirmation_delay = draw_ms(in, 0, 30'000);
        s.callback = static_cast<callback_kind>(in.ConsumeIntegralInRange<int>(0, 3));
        s.on_triggered = in.ConsumeBool();
    }
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
        case 2: s.stop = -1; break;
        case 3: s.stop = in.ConsumeIntegralInRange<int>(1, 2 * static_cast<int>(max_steps)); break;
        default: s.stop = 0; break;
    }
    while (in.remaining_bytes() > 0 && s.steps.size() < max_steps) {
        s.steps.push_back(draw_step(in, s));
    }
    return s;
}

/// Whether the client must reject the scenario's arguments with errc::invalid_argument before sending anything.
inline bool has_invalid_arguments(const scenario& s) {
    using trocco::detail::has_control_char;
    using trocco::detail::is_valid_utf8;
    if (s.id <= 0) return true;
    if (s.retry.max_attempts < 1 || !(s.retry.multiplier >= 1.0)) return true;  // the drawn delays are never negative
    if (triggers(s.op)) {
        if (s.context_time && !trocco::is_valid_context_time(*s.context_time)) return true;
        if (s.time_zone && (s.time_zone->empty() || has_control_char(*s.time_zone) || !is_valid_utf8(*s.time_zone))) {
            return true;
        }
        for (const auto& v : s.custom_variables) {
            if (v.name.empty() || !is_valid_utf8(v.name) || !is_valid_utf8(v.value)) return true;
        }
    }
    if (waits(s.op)) {
        const auto& w = s.wait;
        if (w.timeout <= std::chrono::milliseconds{0} || w.poll.first_delay <= std::chrono::milliseconds{0} ||
            w.poll.growth < 1.0 || w.error_confirmations < 0 ||
            (w.error_confirmations > 0 && w.error_confirmation_delay <= std::chrono::milliseconds{0})) {
            return true;
        }
        if ((s.callback == callback_kind::job_only && is_workflow(s.op)) ||
            (s.callback == callback_kind::workflow_only && !is_workflow(s.op))) {
            return true;
        }
    }
    return false;
}

}  // namespace trocco_fuzz
