// Fuzz target: the response parsers (parse_job_response, parse_workflow_job_response, error_from_response).
//
// Input: two bytes, the HTTP status as a big-endian int16 (so 0x00C8 is 200 and 0xFFFF is -1), then the body.
// Checked: nothing throws or crashes; a non-2xx status gives exactly error_from_response's error, whose code is
// errc_for_status(status), whose message is non-empty, bounded and valid UTF-8; a 2xx body is accepted exactly when
// an independent reading of the JSON says it is a valid job (required ids positive int64, status a string, optional
// strings and RFC 3339 timestamps well-typed), the parsed fields equal what the body holds, and a job written back
// as JSON parses to the same job; a rejected 2xx body is a protocol_error naming the response.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <nlohmann/json.hpp>

#include <trocco/detail/text.hpp>
#include <trocco/job_kind.hpp>
#include <trocco/response_parser.hpp>
#include <trocco/timestamp.hpp>

#include "fuzz_support.hpp"

namespace {

using trocco_fuzz::fail;
using json = nlohmann::json;

// The longest message error_from_response may give: the server's text cut at its limit, plus "...".
constexpr std::size_t max_message_bytes = trocco::detail::max_server_message_bytes + 3;

void check_error(const trocco::error& e, const trocco::http_response& response, std::string_view where) {
    if (e.kind() != trocco::errc_for_status(response.status)) fail(where, "the code is not errc_for_status(status)");
    if (e.http_status() != response.status) fail(where, "http_status() is not the response's status");
    if (e.message().empty()) fail(where, "empty message");
    if (e.message().size() > max_message_bytes) fail(where, "message longer than the documented bound");
    if (!trocco::detail::is_valid_utf8(e.message())) fail(where, "message is not valid UTF-8");
}

// The independent reading: what a valid answer must hold, field by field, from nlohmann's own view of the body.
struct expected_fields {
    std::int64_t id = 0;
    std::int64_t definition_id = 0;
    std::string raw_status;
    std::string name;
    std::optional<std::string> context_time;
    std::optional<trocco::timestamp> created_at, started_at, finished_at;
};

std::optional<std::int64_t> positive_id(const json& object, std::string_view field) {
    const auto it = object.find(std::string{field});
    if (it == object.end()) return std::nullopt;
    if (it->is_number_unsigned()) {
        const auto value = it->get<std::uint64_t>();
        if (value == 0 || value > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
        return static_cast<std::int64_t>(value);
    }
    if (it->is_number_integer() && it->get<std::int64_t>() > 0) return it->get<std::int64_t>();
    return std::nullopt;
}

// nullopt: the field is not a string or null. Otherwise the string ("" when absent or null) and whether it was set.
std::optional<std::optional<std::string>> optional_string(const json& object, std::string_view field) {
    const auto it = object.find(std::string{field});
    if (it == object.end() || it->is_null()) return std::optional<std::string>{};
    if (!it->is_string()) return std::nullopt;
    return std::optional<std::string>{it->get<std::string>()};
}

bool optional_time(const json& object, const char* field, std::optional<trocco::timestamp>& out) {
    const auto text = optional_string(object, field);
    if (!text) return false;
    if (!*text) return true;
    out = trocco::parse_rfc3339(**text);
    return out.has_value();
}

std::optional<expected_fields> reference_reading(std::string_view body, std::string_view definition_field,
                                                 std::string_view name_field, bool has_context_time) {
    if (body.find('\0') != std::string_view::npos) return std::nullopt;  // a raw NUL is never JSON text
    const json object = json::parse(body, nullptr, false);
    if (object.is_discarded() || !object.is_object()) return std::nullopt;
    expected_fields f;
    const auto id = positive_id(object, "id");
    const auto definition = positive_id(object, definition_field);
    const auto status = object.find("status");
    if (!id || !definition || status == object.end() || !status->is_string()) return std::nullopt;
    f.id = *id;
    f.definition_id = *definition;
    f.raw_status = status->get<std::string>();
    const auto name = optional_string(object, name_field);
    if (!name) return std::nullopt;
    f.name = name->value_or("");
    if (has_context_time) {
        const auto context = optional_string(object, "context_time");
        if (!context) return std::nullopt;
        f.context_time = *context;
    }
    if (!optional_time(object, "created_at", f.created_at) || !optional_time(object, "started_at", f.started_at) ||
        !optional_time(object, "finished_at", f.finished_at)) {
        return std::nullopt;
    }
    return f;
}

bool formattable(const std::optional<trocco::timestamp>& t) {
    using namespace std::chrono;
    return !t || (*t >= sys_days{year{0} / 1 / 1} && *t < sys_days{year{10000} / 1 / 1});
}

void put_time(json& object, const char* field, const std::optional<trocco::timestamp>& t) {
    if (t) object[field] = trocco::format_rfc3339(*t);
}

template <class Job>
void check_common(const Job& j, const expected_fields& f, std::string_view what) {
    if (j.id != f.id || j.raw_status != f.raw_status || j.status != trocco::parse_job_status(j.raw_status) ||
        j.created_at != f.created_at || j.started_at != f.started_at || j.finished_at != f.finished_at) {
        fail(what, "a parsed field differs from the body");
    }
}

template <class Job>
void check_rejection(const trocco::result<Job>& r, const trocco::http_response& response, std::string_view what) {
    if (!trocco::is_success_status(response.status)) {
        const auto expected = trocco::error_from_response(response);
        if (r.error().kind() != expected.kind() || r.error().message() != expected.message() ||
            r.error().http_status() != expected.http_status()) {
            fail(what, "a non-2xx answer did not give error_from_response's error");
        }
        return;
    }
    if (r.error().kind() != trocco::errc::protocol_error) fail(what, "a rejected 2xx body is not a protocol_error");
    if (!r.error().message().starts_with(what)) fail(what, "a protocol_error does not name the response");
}

// Writes a job's three timestamps back into `object` (as put_time does).
template <class Job>
void put_times(json& object, const Job& j) {
    put_time(object, "created_at", j.created_at);
    put_time(object, "started_at", j.started_at);
    put_time(object, "finished_at", j.finished_at);
}

// What the two kinds read here do not share: the parser, the kind's own fields, and how they are written back.
trocco::result<trocco::job> parse_as(std::type_identity<trocco::job>, const trocco::http_response& response) {
    return trocco::parse_job_response(response);
}
trocco::result<trocco::workflow_job> parse_as(std::type_identity<trocco::workflow_job>,
                                              const trocco::http_response& response) {
    return trocco::parse_workflow_job_response(response);
}

bool own_fields_match(const trocco::job& j, const expected_fields& f) {
    return j.job_definition_id == f.definition_id && j.job_definition_name == f.name;
}
bool own_fields_match(const trocco::workflow_job& j, const expected_fields& f) {
    return j.workflow_definition_id == f.definition_id && j.name == f.name && j.context_time == f.context_time;
}

void put_own_fields(json& object, const trocco::job& j) {
    object["job_definition_id"] = j.job_definition_id;
    object["job_definition_name"] = j.job_definition_name;
}
void put_own_fields(json& object, const trocco::workflow_job& j) {
    object["pipeline_definition_id"] = j.workflow_definition_id;
    object["name"] = j.name;
    if (j.context_time) object["context_time"] = *j.context_time;
}

// One job kind's parser against the reference reading, and a job written back parsing to the same job. The wire
// names of the kind's fields come from the job-kind trait.
template <class Job>
void check_job_response(const trocco::http_response& response) {
    constexpr const trocco::job_kind_info& kind = trocco::info(trocco::job_traits<Job>::kind);
    const std::string what = std::string{kind.name} + " response";
    const auto r = parse_as(std::type_identity<Job>{}, response);
    const auto f = trocco::is_success_status(response.status)
                       ? reference_reading(response.body, kind.wire_definition_field, kind.wire_name_field,
                                           kind.kind == trocco::job_kind::workflow)
                       : std::nullopt;
    if (r.has_value() != f.has_value()) fail(what, r ? "accepted an invalid answer" : "rejected a valid answer");
    if (!r) return check_rejection(r, response, what);
    check_common(*r, *f, what);
    if (!own_fields_match(*r, *f)) fail(what, "a parsed field differs from the body");
    if (!formattable(r->created_at) || !formattable(r->started_at) || !formattable(r->finished_at)) return;
    json again = {{"id", r->id}, {"status", r->raw_status}};
    put_own_fields(again, *r);
    put_times(again, *r);
    const auto round = parse_as(std::type_identity<Job>{}, {200, {}, again.dump()});
    if (!round || !(*round == *r)) fail(what, "a job written back as JSON does not parse to the same job");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    trocco::http_response response;
    if (!trocco_fuzz::response_from_input(data, size, response)) return 0;

    const auto e = trocco::error_from_response(response);
    check_error(e, response, "error_from_response");
    if (response.body.find('\0') == std::string::npos &&
        json::parse(response.body, nullptr, false).is_discarded() && e.message() != trocco::status_line(response.status)) {
        fail("error_from_response", "a body that is not JSON must give the status line as the message");
    }
    check_job_response<trocco::job>(response);
    check_job_response<trocco::workflow_job>(response);
    return 0;
}
