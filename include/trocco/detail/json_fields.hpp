// trocco/detail/json_fields.hpp - typed reads of fields of a JSON object, reporting the first problem by name.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "../timestamp.hpp"

namespace trocco::detail {

/// Reads fields of one JSON object. Each getter returns a value (or nullopt for an optional field that is absent
/// or null); on the first missing required field or wrong type it records a problem and returns nullopt, so a
/// parser reads every field and then checks `problem` once.
class json_fields {
public:
    explicit json_fields(const nlohmann::json& object) : object_(object) {}

    /// A positive integer that fits in int64 (ids). Floats, strings and numbers beyond int64 are rejected.
    std::optional<std::int64_t> required_id(std::string_view name) {
        const auto* v = find(name);
        if (!v || v->is_null()) return missing(name);
        if (v->is_number_integer() || v->is_number_unsigned()) {
            if (v->is_number_unsigned() && v->get<std::uint64_t>() > std::uint64_t{std::numeric_limits<std::int64_t>::max()}) {
                return wrong(name, "a positive 64-bit integer (it is out of range)");
            }
            const auto id = v->get<std::int64_t>();
            if (id > 0) return id;
        }
        return wrong(name, "a positive 64-bit integer");
    }

    std::optional<std::string> required_string(std::string_view name) {
        const auto* v = find(name);
        if (!v || v->is_null()) return missing(name);
        if (!v->is_string()) return wrong(name, "a string");
        return v->get<std::string>();
    }

    std::optional<std::string> optional_string(std::string_view name) {
        const auto* v = find(name);
        if (!v || v->is_null()) return std::nullopt;
        if (!v->is_string()) return wrong(name, "a string or null");
        return v->get<std::string>();
    }

    /// An RFC 3339 timestamp, or nullopt when absent or null. A string that is not a timestamp is a problem: a
    /// wrong value is worse than an error.
    std::optional<timestamp> optional_timestamp(std::string_view name) {
        const auto text = optional_string(name);
        if (!text) return std::nullopt;
        const auto t = parse_rfc3339(*text);
        if (!t) return wrong(name, "an RFC 3339 timestamp");
        return t;
    }

    /// Records a problem found by the caller (kept only if it is the first).
    void note_problem(std::string problem) {
        if (problem_.empty()) problem_ = std::move(problem);
    }
    /// The object read.
    const nlohmann::json& object() const noexcept { return object_; }

    /// The first problem met, e.g. "field \"id\" is missing"; empty when there was none.
    const std::string& problem() const noexcept { return problem_; }

private:
    const nlohmann::json* find(std::string_view name) const {
        const auto it = object_.find(name);
        return it == object_.end() ? nullptr : &*it;
    }

    std::nullopt_t missing(std::string_view name) {
        if (problem_.empty()) problem_ = "field \"" + std::string(name) + "\" is missing or null";
        return std::nullopt;
    }

    std::nullopt_t wrong(std::string_view name, std::string_view expected) {
        if (problem_.empty()) problem_ = "field \"" + std::string(name) + "\" must be " + std::string(expected);
        return std::nullopt;
    }

    const nlohmann::json& object_;
    std::string problem_;
};

}  // namespace trocco::detail
