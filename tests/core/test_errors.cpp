// Tests of trocco::errc and its category, trocco::error, result<T>, and the errors built from HTTP answers
// (status classes and the server's error body shapes).
#include <trocco/trocco.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

#include "../catch.hpp"

namespace {

struct errc_case {
    trocco::errc code;
    const char* name;
};

constexpr errc_case every_errc[] = {
    {trocco::errc::invalid_argument, "invalid_argument"},
    {trocco::errc::bad_request, "bad_request"},
    {trocco::errc::unauthorized, "unauthorized"},
    {trocco::errc::forbidden, "forbidden"},
    {trocco::errc::not_found, "not_found"},
    {trocco::errc::rate_limited, "rate_limited"},
    {trocco::errc::server_error, "server_error"},
    {trocco::errc::http_error, "http_error"},
    {trocco::errc::protocol_error, "protocol_error"},
    {trocco::errc::connect_failed, "connect_failed"},
    {trocco::errc::transport_failure, "transport_failure"},
    {trocco::errc::outcome_unknown, "outcome_unknown"},
    {trocco::errc::wait_timeout, "wait_timeout"},
    {trocco::errc::canceled, "canceled"},
    {trocco::errc::job_failed, "job_failed"},
    {trocco::errc::job_canceled, "job_canceled"},
    {trocco::errc::job_skipped, "job_skipped"},
};

trocco::http_response answer(int status, std::string body) { return {status, {}, std::move(body)}; }

trocco::result<int> half(int x) {
    if (x % 2 != 0) return trocco::error{trocco::errc::invalid_argument, "odd"};
    return x / 2;  // implicit from T
}

trocco::result<void> check_positive(int x) {
    if (x <= 0) return trocco::error{trocco::errc::invalid_argument, "not positive"};
    return {};
}

// Structural UTF-8 check (lead byte followed by the right number of continuation bytes), independent of the
// library's own: enough to tell that no sequence was cut.
bool valid_utf8(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || s.size() - i < n) return false;
        for (std::size_t k = 1; k < n; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        }
        i += n;
    }
    return true;
}

// What converts implicitly into a result, and what does not.
static_assert(std::is_convertible_v<int, trocco::result<int>>);
static_assert(std::is_convertible_v<trocco::error, trocco::result<int>>);
static_assert(std::is_convertible_v<trocco::error, trocco::result<void>>);
static_assert(std::is_convertible_v<const char (&)[6], trocco::result<std::string>>);
static_assert(std::is_convertible_v<trocco::job, trocco::result<trocco::job>>);
static_assert(!std::is_convertible_v<trocco::job, trocco::result<trocco::workflow_job>>);
static_assert(!std::is_convertible_v<trocco::result<int>, bool>);  // operator bool is explicit
static_assert(std::is_constructible_v<trocco::error, trocco::errc, std::string>);
static_assert(std::is_base_of_v<std::system_error, trocco::error_exception>);

}  // namespace

TEST_CASE("errc: names, category, and std::error_code comparisons", "[errors]") {
    const std::error_category& cat = trocco::error_category();
    CHECK(std::string(cat.name()) == "trocco");
    CHECK(&cat == &trocco::error_category());  // one instance

    for (const auto& c : every_errc) {
        CAPTURE(c.name);
        CHECK(std::string(trocco::to_string(c.code)) == c.name);
        CHECK(static_cast<int>(c.code) != 0);  // 0 is success

        const std::error_code ec = c.code;  // implicit, through is_error_code_enum
        CHECK(ec);
        CHECK(ec == c.code);
        CHECK(c.code == ec);
        CHECK(ec.category() == trocco::error_category());
        CHECK(ec.value() == static_cast<int>(c.code));
        CHECK(ec == trocco::make_error_code(c.code));

        std::string spaced = c.name;
        for (char& ch : spaced) {
            if (ch == '_') ch = ' ';
        }
        CHECK(ec.message() == spaced);
        CHECK(cat.message(static_cast<int>(c.code)) == spaced);

        for (const auto& other : every_errc) {
            if (other.code != c.code) CHECK(ec != other.code);
        }
    }

    const std::error_code rate = trocco::errc::rate_limited;
    CHECK(rate.message() == "rate limited");
    CHECK(rate != std::errc::invalid_argument);
    CHECK(std::error_code(trocco::errc::invalid_argument) != std::make_error_code(std::errc::invalid_argument));
    CHECK(std::error_code{} != trocco::errc::invalid_argument);
    CHECK_FALSE(std::error_code{});
    CHECK(static_cast<int>(trocco::errc::invalid_argument) == 1);
    // A value outside the enum still has a name, never a crash.
    CHECK(cat.message(0) == "unknown");
    CHECK(cat.message(999) == "unknown");
    CHECK(std::string(trocco::to_string(static_cast<trocco::errc>(999))) == "unknown");
}

TEST_CASE("trocco::error: code, kind, status, message and context", "[errors]") {
    SECTION("built from a code and a message") {
        const trocco::error e{trocco::errc::connect_failed, "connection refused"};
        CHECK(e.code() == trocco::errc::connect_failed);
        CHECK(e.code() != trocco::errc::transport_failure);
        CHECK(e.kind() == trocco::errc::connect_failed);
        CHECK(e.http_status() == 0);
        CHECK(e.message() == "connection refused");
        CHECK_FALSE(e.job_id().has_value());
        CHECK_FALSE(e.definition_id().has_value());
        CHECK_FALSE(e.trigger_time().has_value());
        CHECK(e.last_job() == nullptr);
        CHECK(e.last_workflow_job() == nullptr);
        CHECK(e.to_string() == "connect_failed: connection refused");
    }
    SECTION("with an HTTP status") {
        const trocco::error e{trocco::errc::not_found, "Not found", 404};
        CHECK(e.http_status() == 404);
        CHECK(e.to_string() == "not_found (HTTP 404): Not found");
        CHECK(trocco::error(trocco::errc::not_found, "Not found", 404).with_job_id(42).to_string() ==
              "not_found (HTTP 404): Not found [job 42]");
    }
    SECTION("with_job_id, with_definition_id, with_trigger_time, chained on an lvalue and an rvalue") {
        const auto when = std::chrono::system_clock::time_point{} + std::chrono::hours{24 * 365 * 50};
        trocco::error e{trocco::errc::outcome_unknown, "connection reset after sending"};
        e.with_definition_id(12).with_trigger_time(when);
        CHECK(e.definition_id() == 12);
        CHECK(e.trigger_time() == when);
        CHECK_FALSE(e.job_id().has_value());
        CHECK(e.to_string() == "outcome_unknown: connection reset after sending [definition 12]");
        e.with_job_id(99);
        CHECK(e.job_id() == 99);
        CHECK(e.to_string() == "outcome_unknown: connection reset after sending [job 99]");

        const auto r = trocco::error{trocco::errc::wait_timeout, "gave up"}.with_job_id(7).with_definition_id(3);
        CHECK(r.kind() == trocco::errc::wait_timeout);
        CHECK(r.job_id() == 7);
        CHECK(r.definition_id() == 3);
        CHECK(r.to_string() == "wait_timeout: gave up [job 7]");
    }
    SECTION("with_last_job keeps the job and sets job_id") {
        trocco::job j;
        j.id = 987654;
        j.job_definition_id = 123;
        j.status = trocco::job_status::error;
        j.raw_status = "error";
        const auto e = trocco::error{trocco::errc::job_failed, "the job ended in error"}.with_last_job(j);
        CHECK(e.job_id() == 987654);
        REQUIRE(e.last_job() != nullptr);
        CHECK(*e.last_job() == j);
        CHECK(e.last_workflow_job() == nullptr);
        CHECK(e.to_string() == "job_failed: the job ended in error [job 987654]");

        trocco::workflow_job p;
        p.id = 5;
        p.workflow_definition_id = 6;
        p.status = trocco::job_status::canceled;
        p.raw_status = "canceled";
        trocco::error e2{trocco::errc::job_canceled, "canceled"};
        e2.with_last_job(p);
        CHECK(e2.job_id() == 5);
        REQUIRE(e2.last_workflow_job() != nullptr);
        CHECK(*e2.last_workflow_job() == p);
        CHECK(e2.last_job() == nullptr);
        // A later job replaces the earlier one.
        e2.with_last_job(j);
        CHECK(e2.job_id() == 987654);
        CHECK(e2.last_job() != nullptr);
        CHECK(e2.last_workflow_job() == nullptr);
    }
    SECTION("with_message replaces the message and keeps the rest") {
        trocco::error e{trocco::errc::unauthorized, "bad key tra_x", 401};
        e.with_job_id(3).with_message("bad key [redacted]");
        CHECK(e.message() == "bad key [redacted]");
        CHECK(e.kind() == trocco::errc::unauthorized);
        CHECK(e.http_status() == 401);
        CHECK(e.job_id() == 3);
        const auto moved = trocco::error{trocco::errc::forbidden, "a", 403}.with_message("b");
        CHECK(moved.message() == "b");
        CHECK(moved.http_status() == 403);
    }
    SECTION("prefix_message") {
        trocco::error e{trocco::errc::not_found, "Not found", 404};
        e.prefix_message("polling job 7: ");
        CHECK(e.message() == "polling job 7: Not found");
        CHECK(trocco::error(trocco::errc::canceled, "stopped").prefix_message("wait: ").message() == "wait: stopped");
    }
}

TEST_CASE("result<T>: a value or an error", "[errors][result]") {
    SECTION("implicit from T") {
        const auto r = half(10);
        REQUIRE(r.has_value());
        CHECK(static_cast<bool>(r));
        CHECK(r.value() == 5);
        CHECK(*r == 5);
        CHECK_THROWS_AS(r.error(), std::logic_error);
    }
    SECTION("implicit from an error") {
        const auto r = half(3);
        REQUIRE_FALSE(r.has_value());
        CHECK_FALSE(static_cast<bool>(r));
        CHECK(r.error().code() == trocco::errc::invalid_argument);
        CHECK(r.error().message() == "odd");
        CHECK_THROWS_AS(r.value(), trocco::error_exception);
        CHECK_THROWS_AS(*r, trocco::error_exception);
    }
    SECTION("value() throws an error_exception carrying the error") {
        const trocco::result<trocco::job> r =
            trocco::error{trocco::errc::rate_limited, "Too Many Requests", 429}.with_job_id(11);
        bool thrown = false;
        try {
            (void)r.value();
        } catch (const trocco::error_exception& ex) {
            thrown = true;
            CHECK(ex.error().code() == trocco::errc::rate_limited);
            CHECK(ex.error().http_status() == 429);
            CHECK(ex.error().message() == "Too Many Requests");
            CHECK(ex.error().job_id() == 11);
            CHECK(ex.code() == trocco::errc::rate_limited);
            CHECK(std::string(ex.what()).find("rate_limited (HTTP 429): Too Many Requests [job 11]") !=
                  std::string::npos);
        }
        CHECK(thrown);
        // It is a std::system_error.
        CHECK_THROWS_AS(r.value(), std::system_error);
        try {
            (void)r.value();
        } catch (const std::system_error& ex) {
            CHECK(ex.code() == trocco::errc::rate_limited);
        }
    }
    SECTION("from a string literal, and moving the value out") {
        trocco::result<std::string> r = "hello";
        REQUIRE(r.has_value());
        CHECK(*r == "hello");
        CHECK(r->size() == 5u);
        r.value() += " world";
        CHECK(r.value() == "hello world");
        const std::string moved = std::move(r).value();
        CHECK(moved == "hello world");

        trocco::result<std::string> e = trocco::error{trocco::errc::not_found, "nope"};
        CHECK_FALSE(e.has_value());
        CHECK(e.error().message() == "nope");
        CHECK_THROWS_AS(e->size(), trocco::error_exception);
    }
    SECTION("move-only values and taking the error out") {
        trocco::result<std::unique_ptr<int>> r = std::make_unique<int>(7);
        REQUIRE(r.has_value());
        CHECK(**r == 7);
        const auto p = std::move(r).value();
        CHECK(*p == 7);

        trocco::result<std::unique_ptr<int>> e = trocco::error{trocco::errc::canceled, "stopped"};
        const trocco::error taken = std::move(e).error();
        CHECK(taken.code() == trocco::errc::canceled);
        CHECK(taken.message() == "stopped");
    }
    SECTION("error() on a value throws std::logic_error, never undefined behaviour") {
        trocco::result<int> r = 1;
        CHECK_THROWS_AS(r.error(), std::logic_error);
        CHECK_THROWS_AS(std::move(r).error(), std::logic_error);
    }
}

TEST_CASE("result<void>: success or an error", "[errors][result]") {
    const trocco::result<void> ok;
    CHECK(ok.has_value());
    CHECK(static_cast<bool>(ok));
    REQUIRE_NOTHROW(ok.value());
    CHECK_THROWS_AS(ok.error(), std::logic_error);

    const trocco::result<void> ok2 = check_positive(3);
    CHECK(ok2.has_value());

    const auto bad = check_positive(0);
    REQUIRE_FALSE(bad.has_value());
    CHECK_FALSE(static_cast<bool>(bad));
    CHECK(bad.error().code() == trocco::errc::invalid_argument);
    CHECK(bad.error().message() == "not positive");
    CHECK_THROWS_AS(bad.value(), trocco::error_exception);
    try {
        bad.value();
    } catch (const trocco::error_exception& ex) {
        CHECK(ex.error().message() == "not positive");
    }
    trocco::result<void> moved = trocco::error{trocco::errc::wait_timeout, "late"};
    const trocco::error taken = std::move(moved).error();
    CHECK(taken.kind() == trocco::errc::wait_timeout);
    CHECK_THROWS_AS(trocco::result<void>{}.error(), std::logic_error);
}

TEST_CASE("every HTTP status class maps to its errc, through both parsers and error_from_response", "[errors]") {
    struct case_t {
        int status;
        trocco::errc code;
        const char* status_line;
    };
    const case_t cases[] = {
        {400, trocco::errc::bad_request, "400 Bad Request"},
        {401, trocco::errc::unauthorized, "401 Unauthorized"},
        {403, trocco::errc::forbidden, "403 Forbidden"},
        {404, trocco::errc::not_found, "404 Not Found"},
        {422, trocco::errc::bad_request, "422 Unprocessable Entity"},
        {429, trocco::errc::rate_limited, "429 Too Many Requests"},
        {500, trocco::errc::server_error, "500 Internal Server Error"},
        {502, trocco::errc::server_error, "502 Bad Gateway"},
        {503, trocco::errc::server_error, "503 Service Unavailable"},
        {504, trocco::errc::server_error, "504 Gateway Timeout"},
        {599, trocco::errc::server_error, "599"},
        {418, trocco::errc::http_error, "418"},
        {405, trocco::errc::http_error, "405 Method Not Allowed"},
        {409, trocco::errc::http_error, "409 Conflict"},
        {499, trocco::errc::http_error, "499"},
        {302, trocco::errc::http_error, "302"},
        {304, trocco::errc::http_error, "304"},
        {100, trocco::errc::http_error, "100"},
        {600, trocco::errc::http_error, "600"},
        {0, trocco::errc::http_error, "0"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.status);
        CHECK(trocco::errc_for_status(c.status) == c.code);
        CHECK(trocco::status_line(c.status) == c.status_line);
        CHECK_FALSE(trocco::is_success_status(c.status));
        for (const char* body : {"", R"({"error":"boom"})"}) {
            CAPTURE(body);
            const std::string expected_message = std::string(body).empty() ? c.status_line : "boom";
            const auto e = trocco::error_from_response(answer(c.status, body));
            CHECK(e.code() == c.code);
            CHECK(e.http_status() == c.status);
            CHECK(e.message() == expected_message);

            const auto j = trocco::parse_job_response(answer(c.status, body));
            REQUIRE_FALSE(j.has_value());
            CHECK(j.error().code() == c.code);
            CHECK(j.error().http_status() == c.status);
            CHECK(j.error().message() == expected_message);

            const auto p = trocco::parse_workflow_job_response(answer(c.status, body));
            REQUIRE_FALSE(p.has_value());
            CHECK(p.error().code() == c.code);
            CHECK(p.error().http_status() == c.status);
            CHECK(p.error().message() == expected_message);
        }
    }
    for (const int status : {200, 201, 204, 299}) {
        CAPTURE(status);
        CHECK(trocco::is_success_status(status));
    }
    CHECK_FALSE(trocco::is_success_status(199));
    CHECK_FALSE(trocco::is_success_status(300));
}

TEST_CASE("the server's message from each error body shape", "[errors]") {
    struct case_t {
        int status;
        std::string body;
        std::string message;
    };
    const case_t cases[] = {
        // {"error": ...}
        {403, R"({"error":"You are not authorized"})", "You are not authorized"},
        {400, R"({"error":"タスクの依存関係が不正です"})", "タスクの依存関係が不正です"},
        // {"message": ...}
        {400, R"({"message":"不正なリクエストです。"})", "不正なリクエストです。"},
        {400, R"({"message":"指定された転送元先はまだサポートされていません"})", "指定された転送元先はまだサポートされていません"},
        {401, R"({"message":"Unauthorized"})", "Unauthorized"},
        {404, R"({"message":"Not found"})", "Not found"},
        {403, R"({"message":"Not Authorized"})", "Not Authorized"},
        // {"message": ..., "errors": [{"attribute": ..., "message": ...}]}
        {400,
         R"({"message":"Bad request. Please check your request payload","errors":[{"attribute":"incremental_column","message":"Incremental columnを入力してください。"}]})",
         "Bad request. Please check your request payload: incremental_column Incremental columnを入力してください。"},
        {422,
         R"({"message":"Validation failed","errors":[{"attribute":"name","message":"を入力してください"},{"attribute":"limit","message":"は200以下の値にしてください"}]})",
         "Validation failed: name を入力してください; limit は200以下の値にしてください"},
        {422, R"({"message":"m","errors":[{"message":"no attribute"},{"attribute":"only_attribute"}]})",
         "m: no attribute; only_attribute"},
        {422, R"({"message":"m","errors":[1,"x",null,[],{},{"attribute":5,"message":false},{"attribute":"a","message":"b"}]})",
         "m: a b"},
        {422, R"({"message":"m","errors":[]})", "m"},
        {422, R"({"message":"m","errors":"not a list"})", "m"},
        {422, R"({"message":"m","errors":{"attribute":"a","message":"b"}})", "m"},
        // Escaped text is decoded; the bytes of the Japanese text are kept.
        {400, R"({"message":"\u4e0d\u6b63\u306a\u30ea\u30af\u30a8\u30b9\u30c8\u3067\u3059\u3002"})", "不正なリクエストです。"},
        {400, R"({"error":"line1\nline2 \"quoted\""})", "line1\nline2 \"quoted\""},
        // Both: "error" wins; an empty or non-string "error" falls back to "message".
        {400, R"({"error":"from error","message":"from message"})", "from error"},
        {400, R"({"error":"","message":"from message"})", "from message"},
        {400, R"({"error":null,"message":"from message"})", "from message"},
        {400, R"({"error":{"code":1},"message":"from message"})", "from message"},
        // Neither usable: the status line.
        {400, R"({})", "400 Bad Request"},
        {400, R"({"error":""})", "400 Bad Request"},
        {400, R"({"message":""})", "400 Bad Request"},
        {400, R"({"message":null})", "400 Bad Request"},
        {400, R"({"message":42})", "400 Bad Request"},
        {400, R"({"errors":[{"attribute":"a","message":"b"}]})", "400 Bad Request"},
        {400, R"({"detail":"Not Found"})", "400 Bad Request"},
        {400, R"(["error"])", "400 Bad Request"},
        {400, R"("error")", "400 Bad Request"},
        {400, "null", "400 Bad Request"},
        // Not JSON: HTML, text, empty, truncated.
        {502, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
         "502 Bad Gateway"},
        {503, "", "503 Service Unavailable"},
        {500, "Internal Server Error", "500 Internal Server Error"},
        {429, "Rate limit exceeded", "429 Too Many Requests"},
        {404, R"({"message":"Not fo)", "404 Not Found"},
        {599, "   ", "599"},
        {418, "I'm a teapot", "418"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.status, c.body);
        const auto e = trocco::error_from_response(answer(c.status, c.body));
        CHECK(e.code() == trocco::errc_for_status(c.status));
        CHECK(e.http_status() == c.status);
        CHECK(e.message() == c.message);

        const auto j = trocco::parse_job_response(answer(c.status, c.body));
        REQUIRE_FALSE(j.has_value());
        CHECK(j.error().message() == c.message);
        CHECK(j.error().http_status() == c.status);
    }
}

TEST_CASE("an empty message with field errors does not start with a separator", "[errors]") {
    const auto e = trocco::error_from_response(
        answer(422, R"({"message":"","errors":[{"attribute":"name","message":"can't be blank"},{"message":"x"}]})"));
    CHECK(e.code() == trocco::errc::bad_request);
    CHECK(e.message() == "name can't be blank; x");
}

TEST_CASE("a very long server message is bounded and cut on a UTF-8 boundary", "[errors]") {
    const std::size_t limit = trocco::detail::max_server_message_bytes;
    CHECK(limit == 2048u);

    SECTION("ASCII") {
        const std::string text(100000, 'a');
        const auto e = trocco::error_from_response(answer(500, R"({"error":")" + text + "\"}"));
        CHECK(e.code() == trocco::errc::server_error);
        CHECK(e.message().size() == limit + 3);
        CHECK(e.message() == std::string(limit, 'a') + "...");
    }
    SECTION("exactly at the limit: kept whole") {
        const std::string text(limit, 'b');
        const auto e = trocco::error_from_response(answer(400, R"({"message":")" + text + "\"}"));
        CHECK(e.message() == text);
    }
    SECTION("one byte over the limit") {
        const std::string text(limit + 1, 'c');
        const auto e = trocco::error_from_response(answer(400, R"({"message":")" + text + "\"}"));
        CHECK(e.message() == std::string(limit, 'c') + "...");
    }
    SECTION("multi-byte text cut at every alignment") {
        // 3-byte (あ) and 4-byte (🚃) characters, shifted by 0..3 ASCII bytes so the limit falls on each byte of a
        // sequence.
        for (const std::string& ch : {std::string("あ"), std::string("\xF0\x9F\x9A\x83"), std::string("é")}) {
            for (std::size_t shift = 0; shift < 4; ++shift) {
                CAPTURE(ch, shift);
                std::string text(shift, 'x');
                while (text.size() < 3 * limit) text += ch;
                const auto e = trocco::error_from_response(answer(400, R"({"message":")" + text + "\"}"));
                const auto& m = e.message();
                REQUIRE(m.size() >= 3u);
                CHECK(m.substr(m.size() - 3) == "...");
                const std::string kept = m.substr(0, m.size() - 3);
                CHECK(kept.size() <= limit);
                CHECK(kept.size() > limit - ch.size());
                CHECK(valid_utf8(kept));
                CHECK(text.compare(0, kept.size(), kept) == 0);
                CHECK((kept.size() - shift) % ch.size() == 0);
            }
        }
    }
    SECTION("a message built from many field errors is bounded too") {
        std::string body = R"({"message":"Validation failed","errors":[)";
        for (int i = 0; i < 2000; ++i) {
            if (i) body += ',';
            body += R"({"attribute":"field)" + std::to_string(i) + R"(","message":"は不正な値です"})";
        }
        body += "]}";
        const auto e = trocco::error_from_response(answer(422, body));
        CHECK(e.code() == trocco::errc::bad_request);
        CHECK(e.message().size() <= limit + 3);
        CHECK(e.message().rfind("Validation failed: field0 は不正な値です; field1 ", 0) == 0);
        CHECK(valid_utf8(e.message()));
    }
}
