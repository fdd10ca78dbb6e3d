// trocco/impl/response_parser.ipp - the bodies of response_parser.hpp (header-only mode: included by it;
// separately compiled: by src/trocco.cpp). The only place that reads JSON.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "../detail/json_fields.hpp"
#include "../detail/text.hpp"
#include "../http_status.hpp"
#include "../job_status.hpp"
#include "../response_parser.hpp"

namespace trocco {

namespace detail {

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

// Each kind's fields, read in the order of the API's documentation, so that the first problem reported is stable.
inline job read_transfer_job(json_fields& f) {
    job j;
    j.id = f.required_id("id").value_or(0);
    j.job_definition_id = f.required_id("job_definition_id").value_or(0);
    j.job_definition_name = f.optional_string("job_definition_name").value_or("");
    j.raw_status = f.required_string("status").value_or("");
    j.created_at = f.optional_timestamp("created_at");
    j.started_at = f.optional_timestamp("started_at");
    j.finished_at = f.optional_timestamp("finished_at");
    j.status = parse_job_status(j.raw_status);
    return j;
}

inline workflow_job read_workflow_job(json_fields& f) {
    workflow_job j;
    j.id = f.required_id("id").value_or(0);
    j.workflow_definition_id = f.required_id("pipeline_definition_id").value_or(0);
    j.name = f.optional_string("name").value_or("");
    j.raw_status = f.required_string("status").value_or("");
    j.created_at = f.optional_timestamp("created_at");
    j.started_at = f.optional_timestamp("started_at");
    j.finished_at = f.optional_timestamp("finished_at");
    j.context_time = f.optional_string("context_time");
    j.status = parse_job_status(j.raw_status);
    return j;
}

inline datamart_job read_datamart_job(json_fields& f) {
    datamart_job j;
    j.id = f.required_id("id").value_or(0);
    j.datamart_definition_id = f.required_id("datamart_definition_id").value_or(0);
    j.raw_status = f.optional_string("status").value_or("");
    j.context_time = f.optional_string("context_time");
    j.created_at = f.optional_timestamp("created_at");
    j.status = j.raw_status.empty() ? job_status::unknown : parse_job_status(j.raw_status);
    return j;
}

/// A whole answer about one job: status class, JSON shape, then `read` on the object.
template <class Model, class Read>
result<Model> parse_job_answer(const http_response& response, std::string_view what, Read read) {
    if (!is_success_status(response.status)) return error_from_response(response);
    const auto json = parse_json_body(response.body);
    if (json.is_discarded()) return protocol_error(what, "body is not valid JSON");
    if (!json.is_object()) return protocol_error(what, "body is not a JSON object");
    json_fields fields(json);
    Model m = read(fields);
    if (!fields.problem().empty()) return protocol_error(what, fields.problem());
    return m;
}

/// A page of a list: the envelope, then `read` on each item (an object), naming the first bad one.
template <class Item, class Read>
result<list_page<Item>> parse_page(const http_response& response, std::string_view what, Read read) {
    if (!is_success_status(response.status)) return error_from_response(response);
    const auto json = parse_json_body(response.body);
    if (json.is_discarded()) return protocol_error(what, "body is not valid JSON");
    if (!json.is_object()) return protocol_error(what, "body is not a JSON object");
    const auto items = json.find("items");
    if (items == json.end() || !items->is_array()) return protocol_error(what, "field \"items\" must be an array");
    list_page<Item> page;
    page.items.reserve(items->size());
    for (std::size_t i = 0; i < items->size(); ++i) {
        const auto& item = (*items)[i];
        const std::string where = "items[" + std::to_string(i) + "]";
        if (!item.is_object()) return protocol_error(what, where + " is not a JSON object");
        json_fields fields(item);
        Item value = read(fields);
        if (!fields.problem().empty()) return protocol_error(what, where + ": " + fields.problem());
        page.items.push_back(std::move(value));
    }
    json_fields envelope(json);
    auto cursor = envelope.optional_string("next_cursor");
    if (!envelope.problem().empty()) return protocol_error(what, envelope.problem());
    if (cursor && !cursor->empty()) page.next_cursor = std::move(cursor);
    return page;
}

inline std::vector<std::string> read_labels(const nlohmann::json& object, json_fields& fields) {
    std::vector<std::string> names;
    const auto labels = object.find("labels");
    if (labels == object.end() || labels->is_null()) return names;
    if (!labels->is_array()) {
        fields.note_problem("field \"labels\" must be an array");
        return names;
    }
    for (const auto& label : *labels) {
        if (label.is_string()) {
            names.push_back(label.get<std::string>());
        } else if (label.is_object() && label.contains("name") && label["name"].is_string()) {
            names.push_back(label["name"].get<std::string>());
        } else {
            fields.note_problem("field \"labels\" must hold strings or objects with a \"name\"");
            break;
        }
    }
    return names;
}

}  // namespace detail

TROCCO_DECL error error_from_response(const http_response& response) {
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

TROCCO_DECL result<job> parse_job_response(const http_response& response) {
    return detail::parse_job_answer<job>(response, "transfer job response", detail::read_transfer_job);
}

TROCCO_DECL result<workflow_job> parse_workflow_job_response(const http_response& response) {
    return detail::parse_job_answer<workflow_job>(response, "workflow job response", detail::read_workflow_job);
}

TROCCO_DECL result<datamart_job> parse_datamart_job_response(const http_response& response) {
    return detail::parse_job_answer<datamart_job>(response, "datamart job response", detail::read_datamart_job);
}

TROCCO_DECL result<any_job> parse_any_job_response(job_kind kind, const http_response& response) {
    const auto widen = [](auto parsed) -> result<any_job> {
        if (!parsed) return std::move(parsed).error();
        return any_job{std::move(*parsed)};
    };
    switch (kind) {
        case job_kind::transfer: return widen(parse_job_response(response));
        case job_kind::workflow: return widen(parse_workflow_job_response(response));
        case job_kind::datamart: break;
    }
    return widen(parse_datamart_job_response(response));
}

TROCCO_DECL result<list_page<job>> parse_job_history_page(const http_response& response) {
    return detail::parse_page<job>(response, "job history page", detail::read_transfer_job);
}

TROCCO_DECL result<list_page<definition_summary>> parse_definitions_page(job_kind kind,
                                                                         const http_response& response) {
    return detail::parse_page<definition_summary>(
        response, std::string(info(kind).definition_name) + " list page", [kind](detail::json_fields& f) {
            definition_summary d;
            d.kind = kind;
            d.id = f.required_id("id").value_or(0);
            d.name = f.required_string("name").value_or("");
            d.description = f.optional_string("description").value_or("");
            d.created_at = f.optional_timestamp("created_at");
            d.updated_at = f.optional_timestamp("updated_at");
            d.labels = detail::read_labels(f.object(), f);
            return d;
        });
}

}  // namespace trocco
