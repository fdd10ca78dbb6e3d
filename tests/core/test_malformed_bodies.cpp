// A corpus of malformed bodies: each gives errc::protocol_error with a 2xx status (never a crash, never an
// exception) from both job parsers, and error_from_response with a 500 status still gives server_error.
#include <trocco/trocco.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "../catch.hpp"

namespace {

struct body_case {
    std::string name;
    std::string body;
};

constexpr int depth = 10000;

std::string repeat(const std::string& s, int n) {
    std::string out;
    out.reserve(s.size() * static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

std::string deep_array(int n, bool closed) { return repeat("[", n) + (closed ? "1" + repeat("]", n) : ""); }

std::string deep_object(int n, bool closed) {
    return repeat(R"({"a":)", n) + (closed ? "1" + repeat("}", n) : "");
}

// A valid transfer job body with one field's raw JSON text replaced (or added).
std::string job_with(const std::string& field, const std::string& raw) {
    std::string id = "1", def = "2", status = R"("queued")";
    std::string extra;
    if (field == "id") {
        id = raw;
    } else if (field == "job_definition_id") {
        def = raw;
    } else if (field == "status") {
        status = raw;
    } else {
        extra = ",\"" + field + "\":" + raw;
    }
    return R"({"id":)" + id + R"(,"job_definition_id":)" + def + R"(,"status":)" + status + extra + "}";
}

// The same for a workflow job.
std::string pipeline_with(const std::string& field, const std::string& raw) {
    std::string id = "1", def = "2", status = R"("queued")";
    std::string extra;
    if (field == "id") {
        id = raw;
    } else if (field == "pipeline_definition_id") {
        def = raw;
    } else if (field == "status") {
        status = raw;
    } else {
        extra = ",\"" + field + "\":" + raw;
    }
    return R"({"id":)" + id + R"(,"pipeline_definition_id":)" + def + R"(,"status":)" + status + extra + "}";
}

// Raw JSON values that are wrong for an id.
const std::vector<std::string> bad_ids = {
    R"("1")", "1.5", "1.0", "1e2", "-1", "0", "-0", "true", "false", "[]", "[1]", "{}", R"({"id":1})", R"("")",
    "9223372036854775808",   // INT64_MAX + 1
    "18446744073709551615",  // UINT64_MAX
    "18446744073709551616",  // beyond uint64
    "-9223372036854775809",  // below INT64_MIN
    "-9223372036854775808",  // INT64_MIN: not positive
    "99999999999999999999999999999999999999",
    "1e400", "-1e400", "1e19",
};

// Raw JSON values that are wrong for the status.
const std::vector<std::string> bad_statuses = {"1", "0", "true", "[]", R"(["queued"])", R"({"status":"queued"})", "1.5"};

// Raw JSON values that are wrong for a timestamp field.
const std::vector<std::string> bad_timestamps = {
    "1748736000", "1748736000000", "1.5", "true", "[]", "{}",
    R"("")", R"("yesterday")", R"("2025-06-01")", R"("2025-06-01 09:00:00")", R"("2025-06-01T09:00:00")",
    R"("2025-06-01T09:00:00.000")", R"("2025-06-01T09:00:00+0900")", R"("2025-02-30T00:00:00Z")",
    R"("2025-06-01T24:00:00Z")", R"("2025-06-01T09:00:00Z trailing")", R"("2025-06-01T09:00:00.Z")",
    R"("Sun, 01 Jun 2025 00:00:00 GMT")",
};

// Bodies that are malformed whichever job is expected.
std::vector<body_case> shared_corpus() {
    const std::string valid_job = R"({"id":1,"job_definition_id":2,"pipeline_definition_id":2,"status":"queued"})";
    std::vector<body_case> c = {
        // Truncated JSON.
        {"truncated in a string", R"({"id":1,"job_definition_id":2,"pipeline_definition_id":2,"status":"que)"},
        {"truncated after a comma", R"({"id":1,)"},
        {"truncated after a key", R"({"id")"},
        {"truncated after a colon", R"({"id":)"},
        {"truncated: missing the closing brace", valid_job.substr(0, valid_job.size() - 1)},
        {"a lone {", "{"},
        {"a lone [", "["},
        {"a lone quote", "\""},
        {"truncated escape", R"({"id":1,"status":"\u00)"},
        {"truncated literal", R"({"id":tr)"},
        // Not quite JSON.
        {"an extra closing brace", valid_job + "}"},
        {"two documents", valid_job + valid_job},
        {"a trailing comma", R"({"id":1,"job_definition_id":2,"pipeline_definition_id":2,"status":"queued",})"},
        {"single quotes", R"({'id':1,'job_definition_id':2,'pipeline_definition_id':2,'status':'queued'})"},
        {"unquoted keys", R"({id:1,job_definition_id:2,pipeline_definition_id:2,status:"queued"})"},
        {"a comment", "// job\n" + valid_job},
        {"NaN", R"({"id":NaN,"job_definition_id":2,"pipeline_definition_id":2,"status":"queued"})"},
        {"Infinity", R"({"id":Infinity,"job_definition_id":2,"pipeline_definition_id":2,"status":"queued"})"},
        {"a leading zero", R"({"id":01,"job_definition_id":2,"pipeline_definition_id":2,"status":"queued"})"},
        {"a hex number", R"({"id":0x1,"job_definition_id":2,"pipeline_definition_id":2,"status":"queued"})"},
        {"a lone surrogate escape", R"({"id":1,"job_definition_id":2,"pipeline_definition_id":2,"status":"\ud800"})"},
        {"a bad escape", R"({"id":1,"job_definition_id":2,"pipeline_definition_id":2,"status":"\x41"})"},
        {"a raw newline in a string", "{\"id\":1,\"job_definition_id\":2,\"pipeline_definition_id\":2,\"status\":\"que\nued\"}"},
        // Empty, whitespace, HTML, text.
        {"empty", ""},
        {"whitespace", " \n\t\r  "},
        {"an HTML error page",
         "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad "
         "Gateway</h1></center><hr><center>nginx</center></body></html>\n"},
        {"plain text", "OK"},
        {"a Rails error page", "<html><body>We're sorry, but something went wrong.</body></html>"},
        // Invalid UTF-8.
        {"a lone 0xFF", "\xff"},
        {"0xFF inside a string", "{\"id\":1,\"job_definition_id\":2,\"pipeline_definition_id\":2,\"status\":\"queued\xff\"}"},
        {"a truncated multibyte sequence inside a string",
         "{\"id\":1,\"job_definition_id\":2,\"pipeline_definition_id\":2,\"status\":\"queued\",\"name\":\"\xe3\x81\"}"},
        {"an overlong sequence inside a string",
         "{\"id\":1,\"job_definition_id\":2,\"pipeline_definition_id\":2,\"status\":\"\xc0\xaf\"}"},
        {"an encoded surrogate inside a string",
         "{\"id\":1,\"job_definition_id\":2,\"pipeline_definition_id\":2,\"status\":\"\xed\xa0\x80\"}"},
        {"invalid UTF-8 in a key", "{\"id\":1,\"job_definition_id\":2,\"pipeline_definition_id\":2,\"status\":\"queued\",\"\xfe\":1}"},
        {"invalid UTF-8 outside strings", "\xef\xbf" + valid_job},
        {"Latin-1 text", "{\"id\":1,\"job_definition_id\":2,\"pipeline_definition_id\":2,\"status\":\"caf\xe9\"}"},
        // Valid JSON that is not an object.
        {"an empty array", "[]"},
        {"an array holding the job", "[" + valid_job + "]"},
        {"a string", R"("queued")"},
        {"null", "null"},
        {"a number", "42"},
        {"true", "true"},
        {"an empty object", "{}"},
        // NUL bytes.
        {"a NUL byte after the JSON", valid_job + std::string(1, '\0')},
        {"a NUL byte and garbage after the JSON", valid_job + std::string(1, '\0') + "<html>garbage"},
        {"a NUL byte before the JSON", std::string(1, '\0') + valid_job},
        {"a NUL byte inside a string",
         std::string("{\"id\":1,\"job_definition_id\":2,\"pipeline_definition_id\":2,\"status\":\"que") +
             std::string(1, '\0') + "ued\"}"},
        {"only a NUL byte", std::string(1, '\0')},
        // 10,000-deep nesting, as the whole body and inside a required field.
        {"10,000-deep [ unclosed", deep_array(depth, false)},
        {"10,000-deep [ closed", deep_array(depth, true)},
        {"10,000-deep {\"a\": unclosed", deep_object(depth, false)},
        {"10,000-deep {\"a\": closed", deep_object(depth, true)},
        {"10,000-deep [ in id",
         R"({"id":)" + deep_array(depth, true) + R"(,"job_definition_id":2,"pipeline_definition_id":2,"status":"queued"})"},
        {"10,000-deep {\"a\": in status",
         R"({"id":1,"job_definition_id":2,"pipeline_definition_id":2,"status":)" + deep_object(depth, true) + "}"},
        {"10,000-deep [ unclosed in id", R"({"id":)" + deep_array(depth, false)},
        {"100,000-deep [ closed", deep_array(100000, true)},
        {"100,000-deep {\"a\": unclosed", deep_object(100000, false)},
    };
    return c;
}

std::vector<body_case> job_corpus() {
    auto c = shared_corpus();
    for (const auto& v : bad_ids) {
        c.push_back({"id = " + v, job_with("id", v)});
        c.push_back({"job_definition_id = " + v, job_with("job_definition_id", v)});
    }
    c.push_back({"job_definition_id null", job_with("job_definition_id", "null")});
    for (const auto& v : bad_statuses) c.push_back({"status = " + v, job_with("status", v)});
    for (const auto& v : bad_timestamps) {
        for (const char* field : {"created_at", "started_at", "finished_at"}) {
            c.push_back({std::string(field) + " = " + v, job_with(field, v)});
        }
    }
    for (const char* v : {"5", "true", "[]", R"({"ja":"名前"})"}) {
        c.push_back({std::string("job_definition_name = ") + v, job_with("job_definition_name", v)});
    }
    c.push_back({"10,000-deep [ in job_definition_name", job_with("job_definition_name", deep_array(depth, true))});
    return c;
}

std::vector<body_case> pipeline_corpus() {
    auto c = shared_corpus();
    for (const auto& v : bad_ids) {
        c.push_back({"id = " + v, pipeline_with("id", v)});
        c.push_back({"pipeline_definition_id = " + v, pipeline_with("pipeline_definition_id", v)});
    }
    c.push_back({"pipeline_definition_id null", pipeline_with("pipeline_definition_id", "null")});
    for (const auto& v : bad_statuses) c.push_back({"status = " + v, pipeline_with("status", v)});
    for (const auto& v : bad_timestamps) {
        for (const char* field : {"created_at", "started_at", "finished_at"}) {
            c.push_back({std::string(field) + " = " + v, pipeline_with(field, v)});
        }
    }
    for (const char* v : {"5", "true", "[]", "{}"}) {
        c.push_back({std::string("name = ") + v, pipeline_with("name", v)});
        c.push_back({std::string("context_time = ") + v, pipeline_with("context_time", v)});
    }
    c.push_back({"10,000-deep {\"a\": in context_time", pipeline_with("context_time", deep_object(depth, true))});
    return c;
}

// A protocol error from a 2xx status: no exception, the right code, a message saying which response it was.
template <class Parse>
void check_corpus(const std::vector<body_case>& corpus, Parse parse, const std::string& what) {
    for (const auto& c : corpus) {
        CAPTURE(c.name);
        for (const int status : {200, 201}) {
            CAPTURE(status);
            const trocco::http_response response{status, {{"Content-Type", "application/json"}}, c.body};
            decltype(parse(response)) r = trocco::error{trocco::errc::http_error, "unset"};
            REQUIRE_NOTHROW(r = parse(response));
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().code() == trocco::errc::protocol_error);
            CHECK(r.error().kind() == trocco::errc::protocol_error);
            CHECK(r.error().message().rfind(what + ": ", 0) == 0);
            CHECK(r.error().message().size() > what.size() + 2);
            CHECK(r.error().message().size() < 512u);
        }
    }
}

}  // namespace

TEST_CASE("malformed bodies give protocol_error from parse_job_response", "[malformed]") {
    const auto corpus = job_corpus();
    REQUIRE(corpus.size() > 150u);
    check_corpus(
        corpus, [](const trocco::http_response& r) { return trocco::parse_job_response(r); }, "transfer job response");
}

TEST_CASE("malformed bodies give protocol_error from parse_workflow_job_response", "[malformed]") {
    const auto corpus = pipeline_corpus();
    REQUIRE(corpus.size() > 150u);
    check_corpus(
        corpus, [](const trocco::http_response& r) { return trocco::parse_workflow_job_response(r); },
        "workflow job response");
}

TEST_CASE("the protocol error says what was wrong", "[malformed]") {
    const auto check_message = [](const std::string& body, const std::string& expected) {
        CAPTURE(body);
        trocco::result<trocco::job> r = trocco::error{trocco::errc::http_error, "unset"};
        REQUIRE_NOTHROW(r = trocco::parse_job_response({200, {}, body}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().message() == expected);
    };
    check_message("", "transfer job response: body is not valid JSON");
    check_message("<html></html>", "transfer job response: body is not valid JSON");
    check_message("\xff", "transfer job response: body is not valid JSON");
    check_message("[]", "transfer job response: body is not a JSON object");
    check_message("null", "transfer job response: body is not a JSON object");
    check_message(job_with("id", R"("1")"), "transfer job response: field \"id\" must be a positive 64-bit integer");
    check_message(job_with("id", "1.5"), "transfer job response: field \"id\" must be a positive 64-bit integer");
    check_message(job_with("id", "0"), "transfer job response: field \"id\" must be a positive 64-bit integer");
    check_message(job_with("job_definition_id", "9223372036854775808"),
                  "transfer job response: field \"job_definition_id\" must be a positive 64-bit integer (it is out of "
                  "range)");
    check_message(job_with("status", "1"), "transfer job response: field \"status\" must be a string");
    check_message(job_with("job_definition_name", "5"),
                  "transfer job response: field \"job_definition_name\" must be a string or null");
    check_message(job_with("started_at", "1748736000"),
                  "transfer job response: field \"started_at\" must be a string or null");
    check_message(job_with("finished_at", R"("2025-06-01 09:00:00")"),
                  "transfer job response: field \"finished_at\" must be an RFC 3339 timestamp");
    // The first problem is the one reported.
    check_message(R"({"id":"x","job_definition_id":"y","status":1})",
                  "transfer job response: field \"id\" must be a positive 64-bit integer");
}

TEST_CASE("deep nesting inside an unknown field is ignored like any unknown field", "[malformed]") {
    for (const auto& nested : {deep_array(depth, true), deep_object(depth, true), deep_array(100000, true)}) {
        trocco::result<trocco::job> j = trocco::error{trocco::errc::http_error, "unset"};
        REQUIRE_NOTHROW(j = trocco::parse_job_response({200, {}, job_with("extra", nested)}));
        REQUIRE(j.has_value());
        CHECK(j->id == 1);
        CHECK(j->job_definition_id == 2);
        CHECK(j->status == trocco::job_status::queued);

        trocco::result<trocco::workflow_job> p = trocco::error{trocco::errc::http_error, "unset"};
        REQUIRE_NOTHROW(p = trocco::parse_workflow_job_response({200, {}, pipeline_with("extra", nested)}));
        REQUIRE(p.has_value());
        CHECK(p->id == 1);
        CHECK(p->workflow_definition_id == 2);
    }
}

TEST_CASE("error_from_response never throws on a malformed body and gives server_error for a 500", "[malformed]") {
    auto corpus = job_corpus();
    const auto more = pipeline_corpus();
    corpus.insert(corpus.end(), more.begin(), more.end());
    for (const auto& c : corpus) {
        CAPTURE(c.name);
        const trocco::http_response response{500, {}, c.body};
        trocco::error e{trocco::errc::http_error, "unset"};
        REQUIRE_NOTHROW(e = trocco::error_from_response(response));
        CHECK(e.code() == trocco::errc::server_error);
        CHECK(e.http_status() == 500);
        // None of these bodies holds an "error" or "message" field: the status line stands in.
        CHECK(e.message() == "500 Internal Server Error");

        trocco::result<trocco::job> j = trocco::error{trocco::errc::http_error, "unset"};
        REQUIRE_NOTHROW(j = trocco::parse_job_response(response));
        REQUIRE_FALSE(j.has_value());
        CHECK(j.error().code() == trocco::errc::server_error);
        CHECK(j.error().http_status() == 500);
    }
}

TEST_CASE("error bodies with malformed error fields never throw", "[malformed]") {
    const std::string bodies[] = {
        R"({"error":)" + deep_array(depth, true) + "}",
        R"({"message":)" + deep_object(depth, true) + "}",
        R"({"message":"m","errors":)" + deep_array(depth, true) + "}",
        R"({"message":"m","errors":[)" + deep_object(depth, true) + "]}",
        R"({"message":"m","errors":[{"attribute":)" + deep_array(depth, true) + R"(,"message":"x"}]})",
        "{\"message\":\"\xff\"}",
        "{\"error\":\"\xe3\x81\"}",
    };
    for (const auto& body : bodies) {
        CAPTURE(body.substr(0, 40));
        for (const int status : {400, 422, 500}) {
            CAPTURE(status);
            trocco::error e{trocco::errc::http_error, "unset"};
            REQUIRE_NOTHROW(e = trocco::error_from_response({status, {}, body}));
            CHECK(e.code() == trocco::errc_for_status(status));
            CHECK(e.http_status() == status);
            CHECK_FALSE(e.message().empty());
            CHECK(e.message().size() <= trocco::detail::max_server_message_bytes + 3);
        }
    }
}

TEST_CASE("every truncation of a valid body is a protocol error, and the whole body is not", "[malformed]") {
    const std::string job_body = R"({ "id": 987654, "job_definition_id": 123, "job_definition_name": "注文データ",
  "status": "succeeded", "transfer_records": 15230, "created_at": "2025-06-01T09:00:00.000+09:00",
  "started_at": "2025-06-01T09:00:12.000+09:00", "finished_at": "2025-06-01T09:03:40.000+09:00" })";
    const std::string pipeline_body =
        R"({ "id": 123, "pipeline_definition_id": 321, "name": "ワークフロー", "status": "queued", "context_time": "2023-05-19 00:00:00" })";

    for (std::size_t n = 0; n < job_body.size(); ++n) {
        CAPTURE(n);
        trocco::result<trocco::job> r = trocco::error{trocco::errc::http_error, "unset"};
        REQUIRE_NOTHROW(r = trocco::parse_job_response({200, {}, job_body.substr(0, n)}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == trocco::errc::protocol_error);
    }
    const auto whole = trocco::parse_job_response({200, {}, job_body});
    REQUIRE(whole.has_value());
    CHECK(whole->job_definition_name == "注文データ");

    for (std::size_t n = 0; n < pipeline_body.size(); ++n) {
        CAPTURE(n);
        trocco::result<trocco::workflow_job> r = trocco::error{trocco::errc::http_error, "unset"};
        REQUIRE_NOTHROW(r = trocco::parse_workflow_job_response({200, {}, pipeline_body.substr(0, n)}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == trocco::errc::protocol_error);
    }
    const auto whole_p = trocco::parse_workflow_job_response({200, {}, pipeline_body});
    REQUIRE(whole_p.has_value());
    CHECK(whole_p->context_time == "2023-05-19 00:00:00");
}

TEST_CASE("every single-byte corruption of a valid body gives a job or a protocol error, never a throw",
          "[malformed]") {
    const std::string body =
        R"({"id":987654,"job_definition_id":123,"job_definition_name":"転送","status":"succeeded",)"
        R"("created_at":"2025-06-01T09:00:00.000+09:00","finished_at":null})";
    const char replacements[] = {'\0', '"', '\\', '{', '}', '[', ']', ':', ',', '-', '0', '9', 'x', ' ', '\n',
                                 '\x7f', '\x80', '\xbf', '\xc0', '\xe3', '\xff'};
    std::size_t values = 0, errors = 0;
    for (std::size_t i = 0; i < body.size(); ++i) {
        for (const char b : replacements) {
            std::string corrupted = body;
            corrupted[i] = b;
            trocco::result<trocco::job> r = trocco::error{trocco::errc::http_error, "unset"};
            REQUIRE_NOTHROW(r = trocco::parse_job_response({200, {}, corrupted}));
            if (r.has_value()) {
                ++values;
                CHECK(r->id > 0);
                CHECK(r->job_definition_id > 0);
            } else {
                ++errors;
                CAPTURE(i, static_cast<int>(static_cast<unsigned char>(b)));
                CHECK(r.error().code() == trocco::errc::protocol_error);
            }
        }
    }
    CHECK(values > 0u);
    CHECK(errors > 0u);
}
