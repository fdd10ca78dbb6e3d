// trocco/impl/request_builder.ipp - the bodies of request_builder (included by request_builder.hpp in header-only
// mode, compiled once by src/trocco.cpp with TROCCO_SEPARATE_COMPILATION).
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../context_time.hpp"
#include "../detail/json_writer.hpp"
#include "../detail/text.hpp"
#include "../request_builder.hpp"
#include "../url.hpp"
#include "../version.hpp"

namespace trocco {

namespace detail {

inline result<void> check_id(std::int64_t id, std::string_view field) {
    if (id <= 0) {
        return error{errc::invalid_argument, std::string(field) + " must be > 0 (got " + std::to_string(id) + ")"};
    }
    return {};
}

inline result<void> check_time_zone(const std::optional<std::string>& time_zone) {
    if (!time_zone) return {};
    if (time_zone->empty()) return error{errc::invalid_argument, "time_zone must not be empty when set"};
    if (has_control_char(*time_zone) || !is_valid_utf8(*time_zone)) {
        return error{errc::invalid_argument, "time_zone must be valid UTF-8 without control characters"};
    }
    return {};
}

inline result<void> check_time(const std::optional<std::string>& text, std::string_view field) {
    if (text && !is_valid_context_time(*text)) {
        return error{errc::invalid_argument,
                     std::string(field) + " must be \"YYYY-MM-DD HH:MM:SS\" and a real calendar time"};
    }
    return {};
}

inline result<void> check_run_options(const std::optional<std::string>& context_time,
                                      const std::optional<std::string>& time_zone) {
    if (auto ok = check_time(context_time, "context_time"); !ok) return ok;
    return check_time_zone(time_zone);
}

inline result<void> check_custom_variables(const std::vector<custom_variable>& variables) {
    for (std::size_t i = 0; i < variables.size(); ++i) {
        const auto& v = variables[i];
        const std::string field = "custom_variables[" + std::to_string(i) + "]";
        if (v.name.empty()) return error{errc::invalid_argument, field + ".name must not be empty"};
        if (!is_valid_utf8(v.name)) return error{errc::invalid_argument, field + ".name must be valid UTF-8"};
        if (!is_valid_utf8(v.value)) return error{errc::invalid_argument, field + ".value must be valid UTF-8"};
    }
    return {};
}

inline result<void> check_page_size(const std::optional<int>& page_size, int max) {
    if (page_size && (*page_size < 1 || *page_size > max)) {
        return error{errc::invalid_argument, "page_size must be 1.." + std::to_string(max) + " (got " +
                                                 std::to_string(*page_size) + ")"};
    }
    return {};
}

/// The body of a run: the optional fields in a fixed order, then the custom variables if there are any.
inline detail::json_object_writer run_body(const std::optional<std::string>& context_time,
                                           const std::optional<std::string>& time_zone) {
    detail::json_object_writer body;
    if (context_time) body.string("context_time", *context_time);
    if (time_zone) body.string("time_zone", *time_zone);
    return body;
}

/// Appends "name=value" (value percent-encoded) to a URL, with '?' or '&' before it.
inline void append_query(std::string& url, std::string_view name, std::string_view value) {
    url.push_back(url.find('?') == std::string::npos ? '?' : '&');
    url.append(name).push_back('=');
    append_percent_encoded(url, value);
}

}  // namespace detail

TROCCO_DECL request_builder::request_builder(std::string base, std::string api_key)
    : base_(std::move(base)), api_key_(std::move(api_key)), authorization_("Token " + api_key_) {}

TROCCO_DECL result<request_builder> request_builder::create(std::string_view base_url, std::string_view api_key) {
    auto url = parse_url(base_url, "base_url");
    if (!url) return std::move(url).error();
    if (url->target.find('?') != std::string::npos) {
        return error{errc::invalid_argument, "base_url must not contain a query (?)"};
    }
    if (api_key.empty()) return error{errc::invalid_argument, "api_key must not be empty"};
    if (detail::has_control_char(api_key)) {
        return error{errc::invalid_argument, "api_key must not contain control characters (a newline?)"};
    }
    if (api_key.front() == ' ' || api_key.back() == ' ') {
        return error{errc::invalid_argument, "api_key must not begin or end with a space"};
    }
    if (!detail::is_valid_utf8(api_key)) return error{errc::invalid_argument, "api_key must be valid UTF-8"};

    std::string base(base_url);
    while (!base.empty() && base.back() == '/') base.pop_back();
    return request_builder(std::move(base), std::string(api_key));
}

TROCCO_DECL result<http_request> request_builder::run_job(const run_job_request& request) const {
    if (auto ok = detail::check_id(request.job_definition_id, "job_definition_id"); !ok) return std::move(ok).error();
    if (auto ok = detail::check_run_options(request.context_time, request.time_zone); !ok) {
        return std::move(ok).error();
    }
    if (auto ok = detail::check_custom_variables(request.custom_variables); !ok) return std::move(ok).error();
    auto body = detail::run_body(request.context_time, request.time_zone);
    if (!request.custom_variables.empty()) body.name_value_array("custom_variables", request.custom_variables);
    return make_post(base_ + "/api/jobs?job_definition_id=" + std::to_string(request.job_definition_id),
                     std::move(body).finish());
}

TROCCO_DECL result<http_request> request_builder::run_workflow(const run_workflow_request& request) const {
    if (auto ok = detail::check_id(request.workflow_definition_id, "workflow_definition_id"); !ok) {
        return std::move(ok).error();
    }
    if (auto ok = detail::check_run_options(request.context_time, request.time_zone); !ok) {
        return std::move(ok).error();
    }
    return make_post(
        base_ + "/api/pipeline_jobs?pipeline_definition_id=" + std::to_string(request.workflow_definition_id),
        detail::run_body(request.context_time, request.time_zone).finish());
}

TROCCO_DECL result<http_request> request_builder::run_datamart_job(const run_datamart_job_request& request) const {
    if (auto ok = detail::check_id(request.datamart_definition_id, "datamart_definition_id"); !ok) {
        return std::move(ok).error();
    }
    if (auto ok = detail::check_run_options(request.context_time, request.time_zone); !ok) {
        return std::move(ok).error();
    }
    if (request.memo && !detail::is_valid_utf8(*request.memo)) {
        return error{errc::invalid_argument, "memo must be valid UTF-8"};
    }
    if (auto ok = detail::check_custom_variables(request.custom_variables); !ok) return std::move(ok).error();
    auto body = detail::run_body(request.context_time, request.time_zone);
    if (request.memo) body.string("memo", *request.memo);
    if (!request.custom_variables.empty()) body.name_value_array("custom_variables", request.custom_variables);
    return make_post(
        base_ + "/api/datamart_jobs?datamart_definition_id=" + std::to_string(request.datamart_definition_id),
        std::move(body).finish());
}

TROCCO_DECL result<http_request> request_builder::get(job_kind kind, std::int64_t job_id) const {
    const auto& facts = info(kind);
    if (facts.status_path.empty()) {
        return error{errc::invalid_argument, "trocco has no endpoint to read a " + std::string(facts.name)};
    }
    const char* field = kind == job_kind::transfer ? "job_id" : "workflow_job_id";
    if (auto ok = detail::check_id(job_id, field); !ok) return std::move(ok).error();
    std::string url;
    url.reserve(base_.size() + facts.status_path.size() + 20);
    url.append(base_).append(facts.status_path).append(std::to_string(job_id));
    return make_request(http_method::get, std::move(url));
}

TROCCO_DECL result<http_request> request_builder::job_history(std::int64_t job_definition_id,
                                                              const job_history_query& query,
                                                              std::string_view cursor) const {
    if (auto ok = detail::check_id(job_definition_id, "job_definition_id"); !ok) return std::move(ok).error();
    if (auto ok = detail::check_time(query.start_time, "start_time"); !ok) return std::move(ok).error();
    if (auto ok = detail::check_time(query.end_time, "end_time"); !ok) return std::move(ok).error();
    if (auto ok = detail::check_time_zone(query.time_zone); !ok) return std::move(ok).error();
    if (auto ok = detail::check_page_size(query.page_size, 100); !ok) return std::move(ok).error();
    std::string url = base_ + "/api/job_definitions/" + std::to_string(job_definition_id) + "/jobs";
    if (query.start_time) detail::append_query(url, "start_time", *query.start_time);
    if (query.end_time) detail::append_query(url, "end_time", *query.end_time);
    if (query.time_zone) detail::append_query(url, "time_zone", *query.time_zone);
    if (query.page_size) detail::append_query(url, "limit", std::to_string(*query.page_size));
    if (!cursor.empty()) detail::append_query(url, "cursor", cursor);
    return make_request(http_method::get, std::move(url));
}

TROCCO_DECL result<http_request> request_builder::definitions(job_kind kind, const definition_query& query,
                                                              std::string_view cursor) const {
    static constexpr std::string_view paths[] = {"/api/job_definitions", "/api/pipeline_definitions",
                                                 "/api/datamart_definitions"};
    if (query.name) {
        if (kind == job_kind::workflow) {
            return error{errc::invalid_argument,
                         "name: trocco has no name filter for workflow definitions (list them all instead)"};
        }
        if (query.name->empty() || detail::has_control_char(*query.name) || !detail::is_valid_utf8(*query.name)) {
            return error{errc::invalid_argument, "name must be non-empty valid UTF-8 without control characters"};
        }
    }
    if (auto ok = detail::check_page_size(query.page_size, kind == job_kind::transfer ? 100 : 200); !ok) {
        return std::move(ok).error();
    }
    std::string url = base_ + std::string(paths[static_cast<unsigned>(kind)]);
    if (query.name) detail::append_query(url, "name", *query.name);
    if (query.page_size) detail::append_query(url, "limit", std::to_string(*query.page_size));
    if (!cursor.empty()) detail::append_query(url, "cursor", cursor);
    return make_request(http_method::get, std::move(url));
}

TROCCO_DECL std::string request_builder::redact(std::string text) const {
    for (auto pos = text.find(api_key_); pos != std::string::npos; pos = text.find(api_key_, pos)) {
        text.replace(pos, api_key_.size(), "[redacted]");
        pos += 10;
    }
    constexpr std::string_view cut_mark = "...";
    const bool cut = text.size() >= cut_mark.size() &&
                     text.compare(text.size() - cut_mark.size(), cut_mark.size(), cut_mark) == 0;
    if (cut) {
        const std::size_t end = text.size() - cut_mark.size();
        for (std::size_t n = std::min(api_key_.size() - 1, end); n >= 4; --n) {
            if (text.compare(end - n, n, api_key_, 0, n) == 0) {
                text.replace(end - n, n, "[redacted]");
                break;
            }
        }
    }
    return text;
}

TROCCO_DECL http_request request_builder::make_request(http_method method, std::string url) const {
    http_request request{method, std::move(url), {}, {}};
    request.headers.reserve(4);
    request.headers.push_back({"Authorization", authorization_});
    request.headers.push_back({"Accept", "application/json"});
    request.headers.push_back({"User-Agent", "trocco-cpp/" TROCCO_VERSION_STRING});
    return request;
}

TROCCO_DECL http_request request_builder::make_post(std::string url, std::string body) const {
    http_request request = make_request(http_method::post, std::move(url));
    request.headers.push_back({"Content-Type", "application/json"});
    request.body = std::move(body);
    return request;
}

}  // namespace trocco
