// Fuzz target: the list-page parsers and the kind-generic job parser (parse_job_history_page,
// parse_definitions_page, parse_datamart_job_response, parse_any_job_response).
//
// Input: as fuzz_response_parsers (two bytes of big-endian int16 status, then the body); the status's low two bits
// also pick the definition list's kind.
// Checked: nothing throws or crashes; a non-2xx status gives exactly error_from_response's error; a rejected 2xx
// body is a protocol_error; an accepted job-history page holds exactly the body's items, each what
// parse_job_response reads from that item alone, with next_cursor the body's string (empty for null, "" or none);
// an accepted definitions page holds one item per body item, each of the list's kind with the body's positive id
// and name; parse_any_job_response agrees with the kind's own parser.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include <trocco/response_parser.hpp>

#include "fuzz_support.hpp"

namespace {

using json = nlohmann::json;
using trocco_fuzz::fail;

template <class T>
void check_rejection(const trocco::result<T>& r, const trocco::http_response& response, std::string_view what) {
    if (r) return;
    if (!trocco::is_success_status(response.status)) {
        const auto expected = trocco::error_from_response(response);
        if (r.error().kind() != expected.kind() || r.error().message() != expected.message() ||
            r.error().http_status() != expected.http_status()) {
            fail(what, "a non-2xx answer did not give error_from_response's error");
        }
    } else if (r.error().kind() != trocco::errc::protocol_error) {
        fail(what, "a rejected 2xx body is not a protocol_error");
    }
}

// The body as nlohmann reads it, or nothing (a raw NUL is never JSON text).
std::optional<json> body_json(const std::string& body) {
    if (body.find('\0') != std::string::npos) return std::nullopt;
    json value = json::parse(body, nullptr, false);
    if (value.is_discarded()) return std::nullopt;
    return value;
}

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

void check_cursor(const std::optional<std::string>& cursor, const json& object, std::string_view what) {
    const auto it = object.find("next_cursor");
    const bool empty = it == object.end() || it->is_null() || (it->is_string() && it->get_ref<const std::string&>().empty());
    if (empty ? cursor.has_value() && !cursor->empty() : (!cursor || !it->is_string() || *cursor != it->get<std::string>())) {
        fail(what, "next_cursor is not the body's");
    }
}

// The body of a page the parser accepted, which must be a 2xx answer whose body is an object with an items array.
json accepted_page_body(const trocco::http_response& response, std::string_view what) {
    if (!trocco::is_success_status(response.status)) fail(what, "accepted a non-2xx answer");
    auto body = body_json(response.body);
    if (!body || !body->is_object() || !body->contains("items") || !(*body)["items"].is_array()) {
        fail(what, "accepted a body without an items array");
    }
    return std::move(*body);
}

void check_history(const trocco::http_response& response) {
    constexpr std::string_view what = "parse_job_history_page";
    const auto page = trocco::parse_job_history_page(response);
    check_rejection(page, response, what);
    if (!page) return;
    const auto body = accepted_page_body(response, what);
    const auto& items = body["items"];
    if (items.size() != page->items.size()) fail(what, "not one job per item");
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto alone = trocco::parse_job_response({200, {}, dump(items[i])});
        if (!alone || !(*alone == page->items[i])) fail(what, "an item differs from parse_job_response of it alone");
    }
    check_cursor(page->next_cursor, body, what);
}

void check_definitions(trocco::job_kind kind, const trocco::http_response& response) {
    constexpr std::string_view what = "parse_definitions_page";
    const auto page = trocco::parse_definitions_page(kind, response);
    check_rejection(page, response, what);
    if (!page) return;
    const auto body = accepted_page_body(response, what);
    const auto& items = body["items"];
    if (items.size() != page->items.size()) fail(what, "not one definition per item");
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& d = page->items[i];
        const auto& item = items[i];
        if (d.kind != kind) fail(what, "a definition of another kind");
        if (d.id <= 0 || !item.is_object() || !item.contains("id") || !item["id"].is_number_integer() ||
            item["id"].get<std::int64_t>() != d.id) {
            fail(what, "a definition id that is not the body's positive id");
        }
        if (!item.contains("name") || !item["name"].is_string() || item["name"].get<std::string>() != d.name) {
            fail(what, "a definition name that is not the body's");
        }
    }
    check_cursor(page->next_cursor, body, what);
}

void check_any(const trocco::http_response& response) {
    using trocco::job_kind;
    const auto as_job = trocco::parse_any_job_response(job_kind::transfer, response);
    const auto job = trocco::parse_job_response(response);
    if (as_job.has_value() != job.has_value() || (job && !(std::get<trocco::job>(*as_job) == *job))) {
        fail("parse_any_job_response", "disagrees with parse_job_response");
    }
    const auto as_workflow = trocco::parse_any_job_response(job_kind::workflow, response);
    const auto workflow = trocco::parse_workflow_job_response(response);
    if (as_workflow.has_value() != workflow.has_value() ||
        (workflow && !(std::get<trocco::workflow_job>(*as_workflow) == *workflow))) {
        fail("parse_any_job_response", "disagrees with parse_workflow_job_response");
    }
    const auto as_datamart = trocco::parse_any_job_response(job_kind::datamart, response);
    const auto datamart = trocco::parse_datamart_job_response(response);
    check_rejection(datamart, response, "parse_datamart_job_response");
    if (as_datamart.has_value() != datamart.has_value() ||
        (datamart && !(std::get<trocco::datamart_job>(*as_datamart) == *datamart))) {
        fail("parse_any_job_response", "disagrees with parse_datamart_job_response");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    trocco::http_response response;
    if (!trocco_fuzz::response_from_input(data, size, response)) return 0;
    check_history(response);
    check_definitions(static_cast<trocco::job_kind>(data[1] % 3), response);
    check_any(response);
    return 0;
}
