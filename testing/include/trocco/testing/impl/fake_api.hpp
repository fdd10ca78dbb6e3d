// trocco/testing/impl/fake_api.hpp - the bodies of fake_api's routing and state changes. Included by
// fake_api.hpp; not meant to be included alone.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <trocco/context_time.hpp>
#include <trocco/http.hpp>
#include <trocco/http_status.hpp>
#include <trocco/testing/detail/fault_effects.hpp>
#include <trocco/testing/detail/job_record.hpp>
#include <trocco/testing/detail/json_text.hpp>
#include <trocco/testing/detail/listing.hpp>
#include <trocco/testing/detail/run_body.hpp>
#include <trocco/testing/detail/text_codec.hpp>

namespace trocco::testing {

namespace detail {

inline bool fault_matches(const fault& f, std::string_view method, std::string_view target) noexcept {
    if (f.method && to_string(*f.method) != method) return false;
    return target.starts_with(f.path_prefix);
}

constexpr bool is_connection_fault(fault::kind k) noexcept {
    return k == fault::kind::close_before_read || k == fault::kind::reset_before_read;
}

inline std::string_view query_of(std::string_view target) noexcept {
    const auto question = target.find('?');
    return question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
}

inline json render_definition(job_kind kind, const definition& d) {
    json j;
    j["id"] = d.id;
    j["name"] = d.name;
    j["description"] = d.description ? json(*d.description) : json(nullptr);
    if (kind == job_kind::datamart) j["data_warehouse_type"] = "bigquery";  // a field clients may not know
    j["created_at"] = format_jst(d.created_at);
    j["updated_at"] = format_jst(d.updated_at);
    if (!d.labels.empty()) {  // trocco leaves out empty arrays
        j["labels"] = json::array();
        for (const auto& l : d.labels) j["labels"].push_back({{"id", l.id}, {"name", l.name}});
    }
    return j;
}

}  // namespace detail

inline void fake_api::add_definition(job_kind kind, definition d) {
    if (d.id <= 0) throw std::invalid_argument("fake_api::add_definition: the definition id must be positive");
    std::lock_guard lock(mutex_);
    const auto id = d.id;
    definitions_[index(kind)][id] = std::move(d);
}

inline std::int64_t fake_api::seed_job(seeded_job job) {
    if (job.job_definition_id <= 0) throw std::invalid_argument("fake_api::seed_job: job_definition_id must be positive");
    if (job.id && *job.id <= 0) throw std::invalid_argument("fake_api::seed_job: the id must be positive");
    std::lock_guard lock(mutex_);
    auto& jobs = jobs_[index(job_kind::transfer)];
    auto& next = next_id_[index(job_kind::transfer)];
    const auto id = job.id.value_or(next);
    if (jobs.contains(id)) throw std::invalid_argument(detail::cat("fake_api::seed_job: job id ", std::to_string(id), " is taken"));
    next = std::max(next, id + 1);
    detail::job_record r;
    r.kind = job_kind::transfer;
    r.id = id;
    r.definition_id = job.job_definition_id;
    r.name = name_of(job_kind::transfer, job.job_definition_id);
    r.created_at = job.created_at;
    r.seeded = std::move(job);
    jobs.emplace(id, std::move(r));
    return id;
}

inline std::size_t fake_api::count_requests(std::string_view method, std::string_view target_prefix) const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(requests_.begin(), requests_.end(), [&](const auto& r) {
        return (method.empty() || r.method == method) && std::string_view(r.target).starts_with(target_prefix);
    }));
}

inline std::vector<std::int64_t> fake_api::job_ids(job_kind kind) const {
    std::lock_guard lock(mutex_);
    std::vector<std::int64_t> ids;
    for (const auto& entry : jobs_[index(kind)]) ids.push_back(entry.first);
    return ids;
}

inline std::optional<run_parameters> fake_api::run_parameters_of(job_kind kind, std::int64_t job_id) const {
    std::lock_guard lock(mutex_);
    const auto& jobs = jobs_[index(kind)];
    const auto it = jobs.find(job_id);
    if (it == jobs.end() || it->second.seeded) return std::nullopt;
    return it->second.parameters;
}

template <class Pred>
std::optional<fault> fake_api::take_fault(Pred pred) {
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
        if (!pred(*it)) continue;
        fault taken = *it;
        if (it->times > 0 && --it->times == 0) faults_.erase(it);
        return taken;
    }
    return std::nullopt;
}

inline connection_fault fake_api::take_connection_fault(std::string_view method, std::string_view target) {
    std::lock_guard lock(mutex_);
    const auto taken = take_fault([&](const fault& f) {
        if (!detail::is_connection_fault(f.what)) return false;
        if (method.empty()) return !f.method && f.path_prefix.empty();
        return detail::fault_matches(f, method, target);
    });
    if (!taken) return connection_fault::none;
    return taken->what == fault::kind::reset_before_read ? connection_fault::reset : connection_fault::close;
}

/// Counts this call in the current rate-limit window and returns the window's end.
inline std::chrono::sys_seconds fake_api::count_call(std::chrono::sys_seconds now) {
    if (!window_end_ || now >= *window_end_) {
        window_end_ = now + options_.rate_limit.window;
        window_calls_ = 0;
    }
    ++window_calls_;
    return *window_end_;
}

inline reply_plan fake_api::handle(incoming_request request, timestamp now) {
    std::lock_guard lock(mutex_);
    requests_.push_back(recorded_request{request.method, request.target, request.headers, request.body,
                                         request.connection_id, request.received_at});
    reply_plan plan;
    plan.keep_alive = request.keep_alive;
    const auto delay = take_fault([&](const fault& f) {
        return f.what == fault::kind::delay && detail::fault_matches(f, request.method, request.target);
    });
    if (delay) plan.delay = delay->delay;
    const auto other = take_fault([&](const fault& f) {
        return f.what != fault::kind::delay && !detail::is_connection_fault(f.what) &&
               detail::fault_matches(f, request.method, request.target);
    });

    const auto seconds = std::chrono::floor<std::chrono::seconds>(now);
    const auto reset = count_call(seconds);
    const auto limit = options_.rate_limit.limit;
    if (other && other->what == fault::kind::http_status) {
        plan.status = other->status;
        plan.body = other->body ? *other->body : detail::message_body(status_line(other->status));
        detail::add_rate_limit_headers(plan, limit, limit - window_calls_, reset);
        return plan;
    }
    if (other && other->what == fault::kind::rate_limited) {
        detail::plan_rate_limited(*other, plan, seconds, limit);
        return plan;
    }
    if (options_.rate_limit.enforce && window_calls_ > limit) {
        plan.status = 429;
        // As trocco: the X-Rate-Limit-* headers say when to come back; no Retry-After.
        plan.body = detail::message_body("Rate limit exceeded. Please retry later");
        detail::add_rate_limit_headers(plan, limit, 0, reset);
        return plan;
    }

    route(request, plan, now);
    detail::add_rate_limit_headers(plan, limit, limit - window_calls_, reset);
    if (other) {
        const auto cursor = detail::query_value(detail::parse_form(detail::query_of(request.target)), "cursor");
        detail::apply_answer_fault(*other, cursor, plan);
    }
    return plan;
}

inline void fake_api::route(const incoming_request& request, reply_plan& plan, timestamp now) {
    const auto* authorization = find_header(request.headers, "Authorization");
    if (!authorization || *authorization != detail::cat("Token ", options_.api_key)) {
        plan.status = 401;
        plan.body = detail::message_body("Unauthorized");
        return;
    }
    const std::string_view target = request.target;
    const std::string_view path = target.substr(0, target.find('?'));
    const std::string_view query = detail::query_of(target);
    const auto rest = [&](std::string_view prefix) { return path.substr(prefix.size()); };

    if (request.method == "POST") {
        if (path == "/api/jobs") return create_job(job_kind::transfer, query, request, plan, now);
        if (path == "/api/pipeline_jobs") return create_job(job_kind::workflow, query, request, plan, now);
        if (path == "/api/datamart_jobs") return create_job(job_kind::datamart, query, request, plan, now);
    } else if (request.method == "GET") {
        if (path.starts_with("/api/jobs/")) return show_job(job_kind::transfer, rest("/api/jobs/"), plan, now);
        if (path.starts_with("/api/pipeline_jobs/")) {
            return show_job(job_kind::workflow, rest("/api/pipeline_jobs/"), plan, now);
        }
        if (path == "/api/job_definitions") return list_definitions(job_kind::transfer, query, plan);
        if (path == "/api/pipeline_definitions") return list_definitions(job_kind::workflow, query, plan);
        if (path == "/api/datamart_definitions") return list_definitions(job_kind::datamart, query, plan);
        if (path.starts_with("/api/job_definitions/") && path.ends_with("/jobs")) {
            const auto middle = rest("/api/job_definitions/");
            return list_jobs(middle.substr(0, middle.size() - 5), query, plan, now);
        }
    }
    plan.status = 404;
    plan.body = detail::message_body("Not found");
}

inline void fake_api::create_job(job_kind kind, std::string_view query, const incoming_request& request,
                                 reply_plan& plan, timestamp now) {
    const std::string_view id_field = detail::definition_id_field(kind);
    auto parsed = detail::parse_run_body(request, id_field);
    auto id_text = detail::query_value(detail::parse_form(query), id_field);
    if (!id_text) id_text = parsed.definition_id;

    const auto fail = [&](int status, std::string_view attribute, std::string_view message) {
        plan.status = status;
        plan.body = detail::validation_body(attribute, message);
    };
    if (!id_text || id_text->empty()) return fail(400, id_field, "is required");
    const auto definition_id = detail::parse_id(*id_text);
    if (!definition_id) return fail(422, id_field, "must be a positive integer");
    if (!parsed.error_attribute.empty()) return fail(400, parsed.error_attribute, parsed.error_message);
    if (parsed.run.context_time && !is_valid_context_time(*parsed.run.context_time)) {
        return fail(400, "context_time", "must be in the form YYYY-MM-DD HH:MM:SS");
    }
    if (parsed.run.time_zone && parsed.run.time_zone->empty()) return fail(400, "time_zone", "must not be empty");

    detail::job_record record;
    record.kind = kind;
    record.id = next_id_[index(kind)]++;
    record.definition_id = *definition_id;
    const auto& outcomes = outcomes_[index(kind)];
    const auto outcome = outcomes.find(*definition_id);
    record.outcome = outcome == outcomes.end() ? scripted_outcome::succeeded : outcome->second;
    record.name = name_of(kind, *definition_id);
    record.created_at = now;
    record.parameters = std::move(parsed.run);
    const auto& stored = jobs_[index(kind)].emplace(record.id, std::move(record)).first->second;
    plan.status = 200;
    plan.body = detail::to_json_text(detail::render_job(stored, std::nullopt, options_.status_duration));
}

inline void fake_api::show_job(job_kind kind, std::string_view id_text, reply_plan& plan, timestamp now) const {
    const auto& jobs = jobs_[index(kind)];
    const auto id = detail::parse_id(id_text);
    const auto it = id ? jobs.find(*id) : jobs.end();
    if (it == jobs.end()) {
        plan.status = 404;
        plan.body = detail::message_body("Not found");
        return;
    }
    plan.status = 200;
    plan.body = detail::to_json_text(detail::render_job(it->second, now, options_.status_duration));
}

inline void fake_api::list_jobs(std::string_view definition_id_text, std::string_view query, reply_plan& plan,
                                timestamp now) const {
    const auto definition_id = detail::parse_id(definition_id_text);
    if (!definition_id) {
        plan.status = 404;
        plan.body = detail::message_body("Not found");
        return;
    }
    const auto pairs = detail::parse_form(query);
    detail::list_query q;
    auto error = detail::parse_list_query(pairs, 100, false, q);
    if (!error) error = detail::parse_history_filters(pairs, q);
    if (error) {
        plan.status = 400;
        plan.body = detail::validation_body(error->attribute, error->message);
        return;
    }
    const auto& jobs = jobs_[index(job_kind::transfer)];
    std::vector<std::int64_t> ids;
    for (const auto& [id, r] : jobs) {
        if (r.definition_id != *definition_id) continue;
        if (q.created_from && r.created_at < *q.created_from) continue;
        if (q.created_before && r.created_at >= *q.created_before) continue;
        ids.push_back(id);
    }
    const auto page = detail::make_page(ids, q, [&](std::int64_t id) {
        return detail::render_job(jobs.at(id), now, options_.status_duration);
    });
    plan.status = 200;
    plan.body = detail::to_json_text(page);
}

inline void fake_api::list_definitions(job_kind kind, std::string_view query, reply_plan& plan) const {
    detail::list_query q;
    // trocco documents a name filter for transfer and datamart definitions, not for workflows.
    if (const auto error = detail::parse_list_query(detail::parse_form(query), 200, kind != job_kind::workflow, q)) {
        plan.status = 400;
        plan.body = detail::validation_body(error->attribute, error->message);
        return;
    }
    const auto& definitions = definitions_[index(kind)];
    std::vector<std::int64_t> ids;
    for (const auto& [id, d] : definitions) {
        if (!q.name || detail::icontains(d.name, *q.name)) ids.push_back(id);
    }
    const auto page = detail::make_page(ids, q, [&](std::int64_t id) {
        return detail::render_definition(kind, definitions.at(id));
    });
    plan.status = 200;
    plan.body = detail::to_json_text(page);
}

inline std::string fake_api::name_of(job_kind kind, std::int64_t definition_id) const {
    const auto& registered = definitions_[index(kind)];
    if (const auto it = registered.find(definition_id); it != registered.end()) return it->second.name;
    const auto& names = names_[index(kind)];
    if (const auto it = names.find(definition_id); it != names.end()) return it->second;
    static constexpr std::string_view prefixes[] = {"fake_job_definition_", "fake_pipeline_definition_",
                                                    "fake_datamart_definition_"};
    return std::string(prefixes[index(kind)]) + std::to_string(definition_id);
}

}  // namespace trocco::testing
