// trocco/testing/detail/listing.hpp - the list endpoints' common rules: limit and cursor, the history filters,
// the page envelope {"items": [...], "next_cursor": "<opaque>" | null}, and the defects a malformed_page fault
// puts into a page.
//
// Items are listed by ascending id. A cursor is standard base64 (with '=' padding, so a client must
// percent-encode it like any query value) of {"id": <the last id of the page before>}; the next page holds the
// items with larger ids. A cursor that does not decode is a 400 naming "cursor".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <trocco/testing/detail/json_text.hpp>
#include <trocco/testing/detail/text_codec.hpp>
#include <trocco/testing/fault.hpp>
#include <trocco/timestamp.hpp>

namespace trocco::testing::detail {

using query_pairs = std::vector<std::pair<std::string, std::string>>;

/// What a list request asked for.
struct list_query {
    std::size_t limit = 50;                          // trocco's default
    std::int64_t after_id = 0;                       // from the cursor: list ids greater than this
    std::optional<std::string> name = std::nullopt;  // partial match, ASCII case-insensitive
    std::optional<timestamp> created_from = std::nullopt;   // history: start_time (inclusive)
    std::optional<timestamp> created_before = std::nullopt;  // history: end_time + 1 s (exclusive)
};

/// A rejected parameter: answered 400 with trocco's validation body.
struct list_error {
    std::string attribute;
    std::string message;
};

inline std::string encode_cursor(std::int64_t last_id) {
    return base64_encode(cat("{\"id\":", std::to_string(last_id), "}"));
}

inline std::optional<std::int64_t> decode_cursor(std::string_view cursor) {
    const auto text = base64_decode(cursor);
    if (!text) return std::nullopt;
    const auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("id") || !j["id"].is_number_integer()) return std::nullopt;
    const auto id = j["id"].get<std::int64_t>();
    if (id < 0) return std::nullopt;
    return id;
}

/// limit (1..max_limit), cursor and, when `with_name`, name. Unknown parameters are ignored, as Rails does.
inline std::optional<list_error> parse_list_query(const query_pairs& query, std::size_t max_limit, bool with_name,
                                                  list_query& out) {
    if (const auto limit = query_value(query, "limit")) {
        const auto n = parse_int64(*limit);
        if (!n || *n < 1 || static_cast<std::uint64_t>(*n) > max_limit) {
            return list_error{"limit", cat("must be an integer from 1 to ", std::to_string(max_limit))};
        }
        out.limit = static_cast<std::size_t>(*n);
    }
    if (const auto cursor = query_value(query, "cursor"); cursor && !cursor->empty()) {
        const auto after = decode_cursor(*cursor);
        if (!after) return list_error{"cursor", "is invalid"};
        out.after_id = *after;
    }
    if (with_name) {
        if (auto name = query_value(query, "name"); name && !name->empty()) out.name = std::move(name);
    }
    return std::nullopt;
}

/// The history filters: start_time and end_time ("YYYY-MM-DD HH:MM:SS", read in time_zone, default Asia/Tokyo)
/// bound the jobs' created_at, both ends inclusive to the second.
inline std::optional<list_error> parse_history_filters(const query_pairs& query, list_query& out) {
    const auto zone = query_value(query, "time_zone");
    const auto offset = known_zone_offset(zone && !zone->empty() ? *zone : "Asia/Tokyo");
    if (!offset) return list_error{"time_zone", "is not a time zone the fake server knows"};
    for (const auto key : {"start_time", "end_time"}) {
        const auto text = query_value(query, key);
        if (!text || text->empty()) continue;
        const auto instant = civil_to_instant(*text, *offset);
        if (!instant) return list_error{key, "must be in the form YYYY-MM-DD HH:MM:SS"};
        if (std::string_view(key) == "start_time") {
            out.created_from = *instant;
        } else {
            out.created_before = *instant + std::chrono::seconds{1};
        }
    }
    return std::nullopt;
}

/// One page of the matching ids (ascending), each item made by `render(id)` only when it is on the page.
template <class Render>
json make_page(const std::vector<std::int64_t>& ids, const list_query& q, Render render) {
    json page;
    page["items"] = json::array();
    std::optional<std::int64_t> last;
    bool more = false;
    for (const auto id : ids) {
        if (id <= q.after_id) continue;
        if (page["items"].size() == q.limit) {
            more = true;
            break;
        }
        page["items"].push_back(render(id));
        last = id;
    }
    page["next_cursor"] = more && last ? json(encode_cursor(*last)) : json(nullptr);
    return page;
}

/// Breaks a list answer as `defect` says. `request_cursor` is the cursor the request carried, if any.
inline void apply_page_defect(json& page, page_defect defect, const std::optional<std::string>& request_cursor) {
    if (!page.is_object() || !page.contains("items")) return;
    switch (defect) {
        case page_defect::items_missing: page.erase("items"); break;
        case page_defect::items_not_array: page["items"] = json::object(); break;
        case page_defect::item_wrong_types:
            for (auto& item : page["items"]) {
                if (!item.is_object()) continue;
                if (item.contains("id")) item["id"] = item["id"].dump();
                if (item.contains("name")) item["name"] = 42;
                if (item.contains("status")) item["status"] = 7;
            }
            break;
        case page_defect::cursor_not_string: page["next_cursor"] = 12345; break;
        case page_defect::cursor_repeats:
            if (request_cursor && !request_cursor->empty()) page["next_cursor"] = *request_cursor;
            break;
    }
}

}  // namespace trocco::testing::detail
