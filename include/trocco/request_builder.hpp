// trocco/request_builder.hpp - builds the HTTP requests of the four run/status endpoints. Pure: no I/O.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "context_time.hpp"
#include "detail/text.hpp"
#include "http.hpp"
#include "requests.hpp"
#include "result.hpp"
#include "url.hpp"
#include "version.hpp"

namespace trocco {

/// Builds requests for one account: the base URL and API key are checked once, at create(), and every request
/// then carries `Authorization: Token <key>`, `Accept: application/json`, `User-Agent: trocco-cpp/<version>`,
/// and `Content-Type: application/json` when it has a body. Every input is checked before anything is built;
/// a bad one gives errc::invalid_argument whose message names the field (and never contains the key).
class request_builder {
public:
    /// `base_url`: "https://trocco.io" (a path prefix and a trailing slash are fine). `api_key`: non-empty, no
    /// control characters, no surrounding whitespace, valid UTF-8.
    static result<request_builder> create(std::string_view base_url, std::string_view api_key) {
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

    /// POST {base}/api/jobs?job_definition_id=N with a JSON body of the set fields ("{}" when none is set).
    result<http_request> run_job(const run_job_request& request) const {
        if (auto ok = check_id(request.job_definition_id, "job_definition_id"); !ok) return std::move(ok).error();
        if (auto ok = check_run_options(request.context_time, request.time_zone); !ok) return std::move(ok).error();
        for (std::size_t i = 0; i < request.custom_variables.size(); ++i) {
            const auto& v = request.custom_variables[i];
            const std::string field = "custom_variables[" + std::to_string(i) + "]";
            if (v.name.empty()) return error{errc::invalid_argument, field + ".name must not be empty"};
            if (!detail::is_valid_utf8(v.name)) return error{errc::invalid_argument, field + ".name must be valid UTF-8"};
            if (!detail::is_valid_utf8(v.value)) {
                return error{errc::invalid_argument, field + ".value must be valid UTF-8"};
            }
        }
        nlohmann::ordered_json body = run_options_json(request.context_time, request.time_zone);
        if (!request.custom_variables.empty()) {
            auto& list = body["custom_variables"] = nlohmann::ordered_json::array();
            for (const auto& v : request.custom_variables) list.push_back({{"name", v.name}, {"value", v.value}});
        }
        return make_post("/api/jobs?job_definition_id=" + std::to_string(request.job_definition_id), body.dump());
    }

    /// GET {base}/api/jobs/{id}
    result<http_request> get_job(std::int64_t job_id) const { return make_get("/api/jobs/", job_id, "job_id"); }

    /// POST {base}/api/pipeline_jobs?pipeline_definition_id=N with a JSON body of the set fields.
    result<http_request> run_workflow(const run_workflow_request& request) const {
        if (auto ok = check_id(request.workflow_definition_id, "workflow_definition_id"); !ok) {
            return std::move(ok).error();
        }
        if (auto ok = check_run_options(request.context_time, request.time_zone); !ok) return std::move(ok).error();
        return make_post("/api/pipeline_jobs?pipeline_definition_id=" + std::to_string(request.workflow_definition_id),
                         run_options_json(request.context_time, request.time_zone).dump());
    }

    /// GET {base}/api/pipeline_jobs/{id}
    result<http_request> get_workflow_job(std::int64_t workflow_job_id) const {
        return make_get("/api/pipeline_jobs/", workflow_job_id, "workflow_job_id");
    }

    /// The base URL without trailing slashes.
    const std::string& base_url() const noexcept { return base_; }

    /// `text` with every occurrence of the API key replaced by "[redacted]": applied to any text that came from
    /// outside (a server message) before it reaches an error, so that a server echoing the key cannot leak it.
    /// A server message cut at its length limit ends in "..." (see error_from_response): the head of a key cut
    /// there (4 bytes or more) is redacted too.
    std::string redact(std::string text) const {
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

private:
    request_builder(std::string base, std::string api_key)
        : base_(std::move(base)), api_key_(std::move(api_key)), authorization_("Token " + api_key_) {}

    static result<void> check_id(std::int64_t id, std::string_view field) {
        if (id <= 0) {
            return error{errc::invalid_argument, std::string(field) + " must be > 0 (got " + std::to_string(id) + ")"};
        }
        return {};
    }

    static result<void> check_run_options(const std::optional<std::string>& context_time,
                                          const std::optional<std::string>& time_zone) {
        if (context_time && !is_valid_context_time(*context_time)) {
            return error{errc::invalid_argument,
                         "context_time must be \"YYYY-MM-DD HH:MM:SS\" and a real calendar time"};
        }
        if (time_zone) {
            if (time_zone->empty()) return error{errc::invalid_argument, "time_zone must not be empty when set"};
            if (detail::has_control_char(*time_zone) || !detail::is_valid_utf8(*time_zone)) {
                return error{errc::invalid_argument, "time_zone must be valid UTF-8 without control characters"};
            }
        }
        return {};
    }

    static nlohmann::ordered_json run_options_json(const std::optional<std::string>& context_time,
                                                   const std::optional<std::string>& time_zone) {
        nlohmann::ordered_json body = nlohmann::ordered_json::object();
        if (context_time) body["context_time"] = *context_time;
        if (time_zone) body["time_zone"] = *time_zone;
        return body;
    }

    http_request make_request(http_method method, std::string url) const {
        http_request request{method, std::move(url), {}, {}};
        request.headers.reserve(4);
        request.headers.push_back({"Authorization", authorization_});
        request.headers.push_back({"Accept", "application/json"});
        request.headers.push_back({"User-Agent", "trocco-cpp/" TROCCO_VERSION_STRING});
        return request;
    }

    result<http_request> make_get(std::string_view path, std::int64_t id, std::string_view field) const {
        if (auto ok = check_id(id, field); !ok) return std::move(ok).error();
        std::string url;
        url.reserve(base_.size() + path.size() + 20);
        url.append(base_).append(path).append(std::to_string(id));
        return make_request(http_method::get, std::move(url));
    }

    http_request make_post(std::string_view path_and_query, std::string body) const {
        http_request request = make_request(http_method::post, base_ + std::string(path_and_query));
        request.headers.push_back({"Content-Type", "application/json"});
        request.body = std::move(body);
        return request;
    }

    std::string base_;
    std::string api_key_;
    std::string authorization_;
};

}  // namespace trocco
