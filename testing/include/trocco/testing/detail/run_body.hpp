// trocco/testing/detail/run_body.hpp - reading the run parameters of a POST that starts a job: a JSON object
// ({"context_time", "time_zone", "memo", "custom_variables":[{name, value}]}, as the current API documents) or a
// form body as on trocco's 2022 API page (custom_variables[][name]=…&custom_variables[][value]=…, also
// custom_variables[0][name]=…). The definition id may come in the body too, as Rails merges parameters.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <trocco/http.hpp>
#include <trocco/testing/detail/text_codec.hpp>
#include <trocco/testing/fake_records.hpp>
#include <trocco/testing/reply_plan.hpp>

namespace trocco::testing::detail {

struct parsed_run_body {
    std::optional<std::string> definition_id = std::nullopt;  // from the body, when given there
    run_parameters run = {};
    std::string error_attribute = {};  // empty: the body was fine
    std::string error_message = {};

    void fail(std::string_view attribute, std::string_view message) {
        error_attribute = attribute;
        error_message = message;
    }
};

/// Form data when the Content-Type says so; JSON when it says so; otherwise JSON if the body looks like an
/// object, else form data (what `curl -d` sends).
inline bool is_form_body(const incoming_request& request) {
    if (const auto* type = find_header(request.headers, "Content-Type")) {
        std::string lower;
        for (const char c : *type) lower += ascii_lower(c);
        if (lower.starts_with("application/x-www-form-urlencoded")) return true;
        if (lower.starts_with("application/json")) return false;
    }
    const auto first = request.body.find_first_not_of(" \t\r\n");
    return first != std::string::npos && request.body[first] != '{';
}

inline void parse_form_run_body(std::string_view body, std::string_view id_field, parsed_run_body& out) {
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
        } else if (key == "memo") {
            out.run.memo = value;
        } else if (key.starts_with("custom_variables[")) {
            const auto close = key.find(']');
            const std::string index = key.substr(17, close == std::string::npos ? 0 : close - 17);
            const std::string_view field =
                close == std::string::npos ? std::string_view{} : std::string_view(key).substr(close + 1);
            if (field != "[name]" && field != "[value]") return out.fail("custom_variables", cat("has an unknown field ", key));
            const bool is_name = field == "[name]";
            std::size_t slot = 0;
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
        if (!e.name || e.name->empty()) return out.fail("custom_variables", "name must be given");
        out.run.custom_variables.push_back({std::move(*e.name), e.value.value_or("")});
    }
}

/// A string member (null and absent: nullopt); anything else fails the body.
inline bool read_optional_string(const nlohmann::json& object, std::string_view key, std::optional<std::string>& to,
                                 parsed_run_body& out) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return true;
    if (!it->is_string()) {
        out.fail(key, "must be a string");
        return false;
    }
    to = it->get<std::string>();
    return true;
}

inline void parse_json_run_body(std::string_view body, std::string_view id_field, parsed_run_body& out) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return out.fail("body", "is not a JSON object");
    if (const auto it = json.find(id_field); it != json.end() && !it->is_null()) {
        out.definition_id = it->is_string() ? it->get<std::string>() : it->dump();
    }
    if (!read_optional_string(json, "context_time", out.run.context_time, out)) return;
    if (out.run.context_time && out.run.context_time->empty()) out.run.context_time.reset();
    if (!read_optional_string(json, "time_zone", out.run.time_zone, out)) return;
    if (!read_optional_string(json, "memo", out.run.memo, out)) return;
    const auto it = json.find("custom_variables");
    if (it == json.end() || it->is_null()) return;
    if (!it->is_array()) return out.fail("custom_variables", "must be an array");
    for (const auto& v : *it) {
        const auto name = v.is_object() ? v.find("name") : v.end();
        const auto value = v.is_object() ? v.find("value") : v.end();
        if (!v.is_object() || name == v.end() || !name->is_string() || name->get_ref<const std::string&>().empty() ||
            (value != v.end() && !value->is_string() && !value->is_null())) {
            return out.fail("custom_variables", "must be objects with a string name and a string value");
        }
        out.run.custom_variables.push_back(
            {name->get<std::string>(), value != v.end() && value->is_string() ? value->get<std::string>() : ""});
    }
}

/// Reads whatever body a run POST carried (none at all is fine).
inline parsed_run_body parse_run_body(const incoming_request& request, std::string_view id_field) {
    parsed_run_body out;
    if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return out;
    if (is_form_body(request)) {
        parse_form_run_body(request.body, id_field, out);
    } else {
        parse_json_run_body(request.body, id_field, out);
    }
    return out;
}

}  // namespace trocco::testing::detail
