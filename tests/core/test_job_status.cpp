// Tests of trocco::job_status: every wire value, unknown strings, is_terminal, and the status as parsed from a
// response (raw string kept).
#include <trocco/trocco.hpp>

#include <string>

#include "../catch.hpp"

namespace {

struct status_case {
    const char* wire;
    trocco::job_status status;
    bool terminal;
};

// Every value of trocco-api.md section 2 that the two job endpoints can send.
constexpr status_case every_status[] = {
    {"queued", trocco::job_status::queued, false},
    {"setting_up", trocco::job_status::setting_up, false},
    {"executing", trocco::job_status::executing, false},
    {"interrupting", trocco::job_status::interrupting, false},
    {"succeeded", trocco::job_status::succeeded, true},
    {"error", trocco::job_status::error, true},
    {"canceled", trocco::job_status::canceled, true},
    {"skipped", trocco::job_status::skipped, true},
    {"retry_waiting", trocco::job_status::retry_waiting, false},
};

// Strings that are not wire values: other clients' inventions, other spellings, task-only statuses.
const std::string unknown_statuses[] = {
    "Running", "running", "bypassed", "", "unknown", "Succeeded", "SUCCEEDED", "Error", "Interrupting", "Skipped",
    "cancelled", "failed", "success", " queued", "queued ", "queued\n", "setting-up", "settingUp", "retry waiting",
    "実行中", std::string("queued\0", 7),
};

trocco::http_response ok_response(std::string body) { return {200, {}, std::move(body)}; }

std::string job_body(const std::string& status) {
    return R"({"id":1,"job_definition_id":2,"job_definition_name":"n","status":")" + status + "\"}";
}

std::string pipeline_body(const std::string& status) {
    return R"({"id":1,"pipeline_definition_id":2,"name":"n","status":")" + status + "\"}";
}

}  // namespace

static_assert(trocco::parse_job_status("succeeded") == trocco::job_status::succeeded);
static_assert(trocco::is_terminal(trocco::job_status::skipped));
static_assert(!trocco::is_terminal(trocco::job_status::retry_waiting));

TEST_CASE("every wire status maps to its enum and back", "[job_status]") {
    for (const auto& c : every_status) {
        CAPTURE(c.wire);
        CHECK(trocco::parse_job_status(c.wire) == c.status);
        CHECK(trocco::to_string(c.status) == c.wire);
        CHECK(trocco::is_terminal(c.status) == c.terminal);
    }
    CHECK(trocco::to_string(trocco::job_status::unknown) == "unknown");
}

TEST_CASE("is_terminal is true exactly for succeeded, error, canceled and skipped", "[job_status]") {
    CHECK(trocco::is_terminal(trocco::job_status::succeeded));
    CHECK(trocco::is_terminal(trocco::job_status::error));
    CHECK(trocco::is_terminal(trocco::job_status::canceled));
    CHECK(trocco::is_terminal(trocco::job_status::skipped));
    CHECK_FALSE(trocco::is_terminal(trocco::job_status::queued));
    CHECK_FALSE(trocco::is_terminal(trocco::job_status::setting_up));
    CHECK_FALSE(trocco::is_terminal(trocco::job_status::executing));
    CHECK_FALSE(trocco::is_terminal(trocco::job_status::interrupting));
    CHECK_FALSE(trocco::is_terminal(trocco::job_status::retry_waiting));
    CHECK_FALSE(trocco::is_terminal(trocco::job_status::unknown));
}

TEST_CASE("strings that are not wire values give job_status::unknown", "[job_status]") {
    for (const auto& text : unknown_statuses) {
        CAPTURE(text);
        CHECK(trocco::parse_job_status(text) == trocco::job_status::unknown);
        CHECK_FALSE(trocco::is_terminal(trocco::parse_job_status(text)));
    }
}

TEST_CASE("every status string of a response maps to its enum, with the raw string kept", "[job_status][parser]") {
    for (const auto& c : every_status) {
        CAPTURE(c.wire);
        const auto j = trocco::parse_job_response(ok_response(job_body(c.wire)));
        REQUIRE(j.has_value());
        CHECK(j->status == c.status);
        CHECK(j->raw_status == c.wire);
        CHECK(trocco::is_terminal(j->status) == c.terminal);

        const auto p = trocco::parse_workflow_job_response(ok_response(pipeline_body(c.wire)));
        REQUIRE(p.has_value());
        CHECK(p->status == c.status);
        CHECK(p->raw_status == c.wire);
        CHECK(trocco::is_terminal(p->status) == c.terminal);
    }
}

TEST_CASE("an unknown status string in a response is job_status::unknown with the raw string kept",
          "[job_status][parser]") {
    for (const char* text : {"Running", "bypassed", "", "unknown", "paused", "キャンセル", "SUCCEEDED"}) {
        CAPTURE(text);
        const auto j = trocco::parse_job_response(ok_response(job_body(text)));
        REQUIRE(j.has_value());
        CHECK(j->status == trocco::job_status::unknown);
        CHECK(j->raw_status == text);
        CHECK_FALSE(trocco::is_terminal(j->status));

        const auto p = trocco::parse_workflow_job_response(ok_response(pipeline_body(text)));
        REQUIRE(p.has_value());
        CHECK(p->status == trocco::job_status::unknown);
        CHECK(p->raw_status == text);
    }

    SECTION("escapes in the status string are decoded before matching") {
        // "\u0071ueued" is "queued"; "\u0000" is a NUL, kept in the raw string.
        const auto j = trocco::parse_job_response(ok_response(job_body("\\u0071ueued")));
        REQUIRE(j.has_value());
        CHECK(j->status == trocco::job_status::queued);
        CHECK(j->raw_status == "queued");

        const auto n = trocco::parse_job_response(ok_response(job_body("queued\\u0000")));
        REQUIRE(n.has_value());
        CHECK(n->status == trocco::job_status::unknown);
        CHECK(n->raw_status == std::string("queued\0", 7));
    }
}
