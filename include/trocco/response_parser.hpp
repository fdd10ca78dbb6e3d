// trocco/response_parser.hpp - turns an http_response into a job, a workflow job, or a typed error. Never
// throws and never crashes, whatever the body holds.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "detail/json_fields.hpp"
#include "detail/text.hpp"
#include "error.hpp"
#include "http.hpp"
#include "http_status.hpp"
#include "job.hpp"
#include "job_status.hpp"
#include "result.hpp"

namespace trocco {

namespace detail {

/// Server messages are kept, but bounded: a proxy's 1 MB error page must not become a 1 MB error message.
inline constexpr std::size_t max_server_message_bytes = 2048;

/// Parses a body as JSON without throwing; a discarded value means "not JSON". nlohmann's parser and its value
/// destructor are iterative, so deep nesting cannot overflow the stack.
inline nlohmann::json parse_json_body(std::string_view body) noexcept {
    // nlohmann's lexer takes a NUL byte for the end of input, so "{...}\0garbage" would parse as "{...}". A raw
    // NUL is never valid in JSON text (RFC 8259), so such a body is not JSON.
    if (body.find('\0') != std::string_view::npos) return nlohmann::json(nlohmann::json::value_t::discarded);
    try {
        return nlohmann::json::parse(body, nullptr, false);
    } catch (...) {  // parse(..., false) does not throw on bad input; only std::bad_alloc could get here
        return nlohmann::json(nlohmann::json::value_t::discarded);
    }
}

inline error protocol_error(std::string_view what, std::string_view problem) {
    return error{errc::protocol_error, std::string(what) + ": " + std::string(problem)};
}

}  // namespace detail

/// The error for a non-2xx answer: the code from errc_for_status, http_status() set, and the server's message
/// from `{"error": …}`, `{"message": …}` or `{"message": …, "errors": [{"attribute": …, "message": …}]}`
/// ("message: attribute message; attribute message"), else the status line ("502 Bad Gateway").
inline error error_from_response(const http_response& response) {
    std::string message;
    const auto json = detail::parse_json_body(response.body);
    if (json.is_object()) {
        const auto err = json.find("error");
        const auto msg = json.find("message");
        if (err != json.end() && err->is_string() && !err->get_ref<const std::string&>().empty()) {
            message = err->get<std::string>();
        } else if (msg != json.end() && msg->is_string()) {
            message = msg->get<std::string>();
            const auto details = json.find("errors");
            if (details != json.end() && details->is_array()) {
                const char* separator = message.empty() ? "" : ": ";  // no leading ": " after an empty message
                for (const auto& d : *details) {
                    if (!d.is_object()) continue;
                    const auto attribute = d.find("attribute");
                    const auto text = d.find("message");
                    std::string item;
                    if (attribute != d.end() && attribute->is_string()) item = attribute->get<std::string>();
                    if (text != d.end() && text->is_string()) {
                        if (!item.empty()) item += ' ';
                        item += text->get<std::string>();
                    }
                    if (item.empty()) continue;
                    message.append(separator).append(item);
                    separator = "; ";
                }
            }
        }
    }
    if (message.empty()) {
        message = status_line(response.status);
    } else if (message.size() > detail::max_server_message_bytes) {
        message = std::string(detail::utf8_prefix(message, detail::max_server_message_bytes)) + "...";
    }
    return error{errc_for_status(response.status), std::move(message), response.status};
}

namespace detail {

/// The parsing both job kinds share: status class, JSON shape, `id`, `status` and the timestamps. `read_kind`
/// reads the fields that differ.
template <class Model, class ReadKind>
result<Model> parse_job_like(const http_response& response, std::string_view what, ReadKind read_kind) {
    if (!is_success_status(response.status)) return error_from_response(response);
    const auto json = parse_json_body(response.body);
    if (json.is_discarded()) return protocol_error(what, "body is not valid JSON");
    if (!json.is_object()) return protocol_error(what, "body is not a JSON object");

    json_fields fields(json);
    Model m;
    m.id = fields.required_id("id").value_or(0);
    read_kind(fields, m);
    m.raw_status = fields.required_string("status").value_or("");
    m.created_at = fields.optional_timestamp("created_at");
    m.started_at = fields.optional_timestamp("started_at");
    m.finished_at = fields.optional_timestamp("finished_at");
    if (!fields.problem().empty()) return protocol_error(what, fields.problem());
    m.status = parse_job_status(m.raw_status);
    return m;
}

}  // namespace detail

/// A transfer job from a POST /api/jobs or GET /api/jobs/{id} answer. 2xx with a JSON object holding `id`,
/// `job_definition_id` and `status` gives the job; a non-2xx status gives error_from_response(); anything else
/// (not JSON, a missing required field, a wrong type, a malformed timestamp) gives errc::protocol_error naming
/// what was wrong. Unknown fields are ignored; absent or null timestamps stay empty.
inline result<job> parse_job_response(const http_response& response) {
    return detail::parse_job_like<job>(response, "transfer job response", [](detail::json_fields& f, job& j) {
        j.job_definition_id = f.required_id("job_definition_id").value_or(0);
        j.job_definition_name = f.optional_string("job_definition_name").value_or("");
    });
}

/// A workflow job from a POST /api/pipeline_jobs or GET /api/pipeline_jobs/{id} answer; rules as for
/// parse_job_response, with `id`, `pipeline_definition_id` and `status` required.
inline result<workflow_job> parse_workflow_job_response(const http_response& response) {
    return detail::parse_job_like<workflow_job>(
        response, "workflow job response", [](detail::json_fields& f, workflow_job& j) {
            j.workflow_definition_id = f.required_id("pipeline_definition_id").value_or(0);
            j.name = f.optional_string("name").value_or("");
            j.context_time = f.optional_string("context_time");
        });
}

}  // namespace trocco
