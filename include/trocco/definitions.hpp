// trocco/definitions.hpp - the models of the list endpoints: a definition as a list shows it, and one page of a list.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "job_kind.hpp"
#include "timestamp.hpp"

namespace trocco {

/// A transfer, workflow or datamart definition, with the fields a user picks one by. Fields trocco leaves out are
/// empty; fields this library does not know are ignored.
struct definition_summary {
    job_kind kind = job_kind::transfer;  ///< which list it came from
    std::int64_t id = 0;  ///< the definition's id
    std::string name;  ///< its name in trocco
    std::string description;             ///< empty when absent or null
    std::optional<timestamp> created_at;  ///< when it was created
    std::optional<timestamp> updated_at;  ///< when it was last changed
    std::vector<std::string> labels;     ///< label names, when the list carries them

    friend bool operator==(const definition_summary&, const definition_summary&) = default;
};

/// One page of a cursor-paged list: `{"items": [...], "next_cursor": "..." | null}`. `next_cursor` is empty on the
/// last page (trocco sends null, an empty string, or nothing).
template <class Item>
struct list_page {
    std::vector<Item> items;  ///< this page's items, in the API's order
    std::optional<std::string> next_cursor;  ///< the cursor of the next page; empty on the last page

    friend bool operator==(const list_page&, const list_page&) = default;
};

}  // namespace trocco
