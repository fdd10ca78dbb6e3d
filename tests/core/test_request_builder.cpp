// Tests of trocco::request_builder: the exact requests of the four endpoints (method, URL, every header in order,
// body byte for byte), base URL handling, input checks, and that no message ever carries the API key.
#include <trocco/trocco.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../catch.hpp"

namespace {

// A key that cannot appear in a message by chance.
constexpr const char* secret_key = "tra_S3CR3T-k3y-Zq9xWv7Pp0";

trocco::request_builder make_builder(std::string_view base = "https://trocco.io") {
    auto b = trocco::request_builder::create(base, secret_key);
    REQUIRE(b.has_value());
    return std::move(b).value();
}

std::vector<trocco::http_header> get_headers() {
    return {
        {"Authorization", std::string("Token ") + secret_key},
        {"Accept", "application/json"},
        {"User-Agent", "trocco-cpp/" TROCCO_VERSION_STRING},
    };
}

std::vector<trocco::http_header> post_headers() {
    auto h = get_headers();
    h.push_back({"Content-Type", "application/json"});
    return h;
}

// Checks an error is invalid_argument naming `field`, and that neither its message nor its one-line form holds
// the key.
void check_invalid(const trocco::error& e, const std::string& field) {
    CAPTURE(e.message(), field);
    CHECK(e.code() == trocco::errc::invalid_argument);
    CHECK(e.kind() == trocco::errc::invalid_argument);
    CHECK(e.http_status() == 0);
    CHECK(e.message().find(field) != std::string::npos);
    CHECK(e.message().find(secret_key) == std::string::npos);
    CHECK(e.to_string().find(secret_key) == std::string::npos);
}

// The key must appear in the Authorization header and nowhere else in a request.
void check_key_only_in_authorization(const trocco::http_request& r) {
    CHECK(r.url.find(secret_key) == std::string::npos);
    CHECK(r.body.find(secret_key) == std::string::npos);
    for (const auto& h : r.headers) {
        if (h.name != "Authorization") CHECK(h.value.find(secret_key) == std::string::npos);
    }
}

}  // namespace

TEST_CASE("to_string(http_method) gives the request-line method", "[request_builder]") {
    CHECK(trocco::to_string(trocco::http_method::get) == "GET");
    CHECK(trocco::to_string(trocco::http_method::post) == "POST");
}

TEST_CASE("run_job builds the exact POST /api/jobs request", "[request_builder]") {
    const auto builder = make_builder();

    SECTION("nothing optional set: body is {}") {
        const auto r = builder.run_job({.job_definition_id = 123});
        REQUIRE(r.has_value());
        CHECK(r->method == trocco::http_method::post);
        CHECK(r->url == "https://trocco.io/api/jobs?job_definition_id=123");
        CHECK(r->headers == post_headers());
        CHECK(r->body == "{}");
        check_key_only_in_authorization(*r);
    }

    SECTION("the example body of trocco-api.md section 10") {
        trocco::run_job_request req;
        req.job_definition_id = 123;
        req.context_time = "2023-05-19 00:00:00";
        req.time_zone = "Etc/UTC";
        req.custom_variables = {{"$companyId$", "c-12345"}};
        const auto r = builder.run_job(req);
        REQUIRE(r.has_value());
        CHECK(r->method == trocco::http_method::post);
        CHECK(r->url == "https://trocco.io/api/jobs?job_definition_id=123");
        CHECK(r->headers == post_headers());
        CHECK(r->body ==
              R"({"context_time":"2023-05-19 00:00:00","time_zone":"Etc/UTC",)"
              R"("custom_variables":[{"name":"$companyId$","value":"c-12345"}]})");
        check_key_only_in_authorization(*r);
    }

    SECTION("only context_time") {
        const auto r = builder.run_job({.job_definition_id = 1, .context_time = "2019-11-18 00:00:00"});
        REQUIRE(r.has_value());
        CHECK(r->url == "https://trocco.io/api/jobs?job_definition_id=1");
        CHECK(r->body == R"({"context_time":"2019-11-18 00:00:00"})");
    }

    SECTION("only time_zone") {
        const auto r = builder.run_job({.job_definition_id = 1, .time_zone = "Asia/Tokyo"});
        REQUIRE(r.has_value());
        CHECK(r->body == R"({"time_zone":"Asia/Tokyo"})");
    }

    SECTION("only custom_variables, order kept") {
        trocco::run_job_request req{.job_definition_id = 42};
        req.custom_variables = {{"$z$", "1"}, {"$a$", "2"}, {"$m$", "3"}, {"$a$", "again"}};
        const auto r = builder.run_job(req);
        REQUIRE(r.has_value());
        CHECK(r->url == "https://trocco.io/api/jobs?job_definition_id=42");
        CHECK(r->body == R"({"custom_variables":[{"name":"$z$","value":"1"},{"name":"$a$","value":"2"},)"
                         R"({"name":"$m$","value":"3"},{"name":"$a$","value":"again"}]})");
    }

    SECTION("an empty custom variable value is sent as \"\"") {
        trocco::run_job_request req{.job_definition_id = 5};
        req.custom_variables = {{"$empty$", ""}};
        const auto r = builder.run_job(req);
        REQUIRE(r.has_value());
        CHECK(r->body == R"({"custom_variables":[{"name":"$empty$","value":""}]})");
    }

    SECTION("the largest id") {
        const auto r = builder.run_job({.job_definition_id = std::numeric_limits<std::int64_t>::max()});
        REQUIRE(r.has_value());
        CHECK(r->url == "https://trocco.io/api/jobs?job_definition_id=9223372036854775807");
    }
}

TEST_CASE("run_job escapes JSON exactly and keeps non-ASCII text", "[request_builder]") {
    const auto builder = make_builder();
    trocco::run_job_request req{.job_definition_id = 7};

    SECTION("quotes and backslashes") {
        req.custom_variables = {{"$q$", "say \"hi\""}, {"$path$", R"(C:\dir\file)"}, {"$\"n\\$", "x"}};
        const auto r = builder.run_job(req);
        REQUIRE(r.has_value());
        CHECK(r->body == R"({"custom_variables":[{"name":"$q$","value":"say \"hi\""},)"
                         R"({"name":"$path$","value":"C:\\dir\\file"},{"name":"$\"n\\$","value":"x"}]})");
    }

    SECTION("control characters") {
        req.custom_variables = {{"$c$", std::string("a\nb\tc\rd\be\ff\x01g\x1fh") + std::string(1, '\0') + "i"}};
        const auto r = builder.run_job(req);
        REQUIRE(r.has_value());
        CHECK(r->body ==
              R"({"custom_variables":[{"name":"$c$","value":"a\nb\tc\rd\be\ff\u0001g\u001fh\u0000i"}]})");
    }

    SECTION("Japanese text, $name$, '=', '&', '/', '<' and an emoji are kept as they are") {
        req.custom_variables = {{"$会社ID$", "株式会社トロッコ"},
                                {"$query$", "a=b&c=d"},
                                {"$url$", "https://example.com/x?y=1</script>"},
                                {"$emoji$", "\xF0\x9F\x9A\x83"}};
        req.time_zone = "Asia/Tokyo";
        const auto r = builder.run_job(req);
        REQUIRE(r.has_value());
        CHECK(r->body == "{\"time_zone\":\"Asia/Tokyo\",\"custom_variables\":["
                         "{\"name\":\"$会社ID$\",\"value\":\"株式会社トロッコ\"},"
                         "{\"name\":\"$query$\",\"value\":\"a=b&c=d\"},"
                         "{\"name\":\"$url$\",\"value\":\"https://example.com/x?y=1</script>\"},"
                         "{\"name\":\"$emoji$\",\"value\":\"\xF0\x9F\x9A\x83\"}]}");
    }

    SECTION("the body parses back to the same values") {
        const std::string tricky = std::string("\"\\/\n\t\x01\x7f ok ") + "日本語" + std::string(1, '\0');
        req.custom_variables = {{"$t$", tricky}, {"$2$", "=="}};
        req.context_time = "2024-02-29 23:59:59";
        req.time_zone = "America/New_York";
        const auto r = builder.run_job(req);
        REQUIRE(r.has_value());
        const auto parsed = nlohmann::json::parse(r->body);
        CHECK(parsed.at("context_time") == "2024-02-29 23:59:59");
        CHECK(parsed.at("time_zone") == "America/New_York");
        REQUIRE(parsed.at("custom_variables").size() == 2u);
        CHECK(parsed["custom_variables"][0].at("name") == "$t$");
        CHECK(parsed["custom_variables"][0].at("value").get<std::string>() == tricky);
        CHECK(parsed["custom_variables"][1].at("name") == "$2$");
        CHECK(parsed["custom_variables"][1].at("value") == "==");
        CHECK(parsed.size() == 3u);
    }
}

TEST_CASE("get_job builds the exact GET /api/jobs/{id} request", "[request_builder]") {
    const auto builder = make_builder();
    const auto r = builder.get_job(987654);
    REQUIRE(r.has_value());
    CHECK(r->method == trocco::http_method::get);
    CHECK(r->url == "https://trocco.io/api/jobs/987654");
    CHECK(r->headers == get_headers());
    CHECK(trocco::find_header(r->headers, "content-type") == nullptr);
    CHECK(r->body.empty());
    check_key_only_in_authorization(*r);

    const auto big = builder.get_job(std::numeric_limits<std::int64_t>::max());
    REQUIRE(big.has_value());
    CHECK(big->url == "https://trocco.io/api/jobs/9223372036854775807");
    CHECK(builder.get_job(1)->url == "https://trocco.io/api/jobs/1");
}

TEST_CASE("run_workflow builds the exact POST /api/pipeline_jobs request", "[request_builder]") {
    const auto builder = make_builder();

    SECTION("nothing optional set") {
        const auto r = builder.run_workflow({.workflow_definition_id = 321});
        REQUIRE(r.has_value());
        CHECK(r->method == trocco::http_method::post);
        CHECK(r->url == "https://trocco.io/api/pipeline_jobs?pipeline_definition_id=321");
        CHECK(r->headers == post_headers());
        CHECK(r->body == "{}");
        check_key_only_in_authorization(*r);
    }

    SECTION("context_time and time_zone") {
        const auto r = builder.run_workflow(
            {.workflow_definition_id = 321, .context_time = "2023-05-19 00:00:00", .time_zone = "Etc/UTC"});
        REQUIRE(r.has_value());
        CHECK(r->url == "https://trocco.io/api/pipeline_jobs?pipeline_definition_id=321");
        CHECK(r->headers == post_headers());
        CHECK(r->body == R"({"context_time":"2023-05-19 00:00:00","time_zone":"Etc/UTC"})");
    }

    SECTION("only time_zone, with non-ASCII and a quote") {
        const auto r = builder.run_workflow({.workflow_definition_id = 9, .time_zone = "Zone/\"東京\""});
        REQUIRE(r.has_value());
        CHECK(r->body == "{\"time_zone\":\"Zone/\\\"東京\\\"\"}");
    }

    SECTION("only context_time") {
        const auto r = builder.run_workflow({.workflow_definition_id = 9, .context_time = "2000-01-01 12:34:56"});
        REQUIRE(r.has_value());
        CHECK(r->body == R"({"context_time":"2000-01-01 12:34:56"})");
    }
}

TEST_CASE("get_workflow_job builds the exact GET /api/pipeline_jobs/{id} request", "[request_builder]") {
    const auto builder = make_builder();
    const auto r = builder.get_workflow_job(123);
    REQUIRE(r.has_value());
    CHECK(r->method == trocco::http_method::get);
    CHECK(r->url == "https://trocco.io/api/pipeline_jobs/123");
    CHECK(r->headers == get_headers());
    CHECK(r->body.empty());
    check_key_only_in_authorization(*r);
}

TEST_CASE("base URLs: trailing slashes, path prefixes, http and https, IPv6 and ports", "[request_builder]") {
    struct case_t {
        const char* base;
        const char* stored;    // base_url()
        const char* get_url;   // get_job(5)
        const char* post_url;  // run_workflow(6)
    };
    const case_t cases[] = {
        {"https://trocco.io", "https://trocco.io", "https://trocco.io/api/jobs/5",
         "https://trocco.io/api/pipeline_jobs?pipeline_definition_id=6"},
        {"https://trocco.io/", "https://trocco.io", "https://trocco.io/api/jobs/5",
         "https://trocco.io/api/pipeline_jobs?pipeline_definition_id=6"},
        {"https://trocco.io///", "https://trocco.io", "https://trocco.io/api/jobs/5",
         "https://trocco.io/api/pipeline_jobs?pipeline_definition_id=6"},
        {"https://in.trocco.io", "https://in.trocco.io", "https://in.trocco.io/api/jobs/5",
         "https://in.trocco.io/api/pipeline_jobs?pipeline_definition_id=6"},
        {"https://proxy.example.com/trocco", "https://proxy.example.com/trocco",
         "https://proxy.example.com/trocco/api/jobs/5",
         "https://proxy.example.com/trocco/api/pipeline_jobs?pipeline_definition_id=6"},
        {"https://proxy.example.com/a/b/", "https://proxy.example.com/a/b", "https://proxy.example.com/a/b/api/jobs/5",
         "https://proxy.example.com/a/b/api/pipeline_jobs?pipeline_definition_id=6"},
        {"http://localhost:8080", "http://localhost:8080", "http://localhost:8080/api/jobs/5",
         "http://localhost:8080/api/pipeline_jobs?pipeline_definition_id=6"},
        {"http://127.0.0.1:3000/", "http://127.0.0.1:3000", "http://127.0.0.1:3000/api/jobs/5",
         "http://127.0.0.1:3000/api/pipeline_jobs?pipeline_definition_id=6"},
        {"http://[::1]:8080/", "http://[::1]:8080", "http://[::1]:8080/api/jobs/5",
         "http://[::1]:8080/api/pipeline_jobs?pipeline_definition_id=6"},
        {"https://[2001:db8::1]", "https://[2001:db8::1]", "https://[2001:db8::1]/api/jobs/5",
         "https://[2001:db8::1]/api/pipeline_jobs?pipeline_definition_id=6"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.base);
        const auto b = trocco::request_builder::create(c.base, secret_key);
        REQUIRE(b.has_value());
        CHECK(b->base_url() == c.stored);
        const auto g = b->get_job(5);
        REQUIRE(g.has_value());
        CHECK(g->url == c.get_url);
        const auto p = b->run_workflow({.workflow_definition_id = 6});
        REQUIRE(p.has_value());
        CHECK(p->url == c.post_url);
        CHECK(b->run_job({.job_definition_id = 6})->url == std::string(c.stored) + "/api/jobs?job_definition_id=6");
        CHECK(b->get_workflow_job(5)->url == std::string(c.stored) + "/api/pipeline_jobs/5");
    }
}

TEST_CASE("ids must be > 0 on every endpoint", "[request_builder][invalid]") {
    const auto builder = make_builder();
    const std::int64_t bad_ids[] = {0, -1, -987654, std::numeric_limits<std::int64_t>::min()};
    for (const auto id : bad_ids) {
        CAPTURE(id);
        const auto a = builder.run_job({.job_definition_id = id});
        REQUIRE_FALSE(a.has_value());
        check_invalid(a.error(), "job_definition_id");
        CHECK(a.error().message().find(std::to_string(id)) != std::string::npos);

        const auto b = builder.get_job(id);
        REQUIRE_FALSE(b.has_value());
        check_invalid(b.error(), "job_id");

        const auto c = builder.run_workflow({.workflow_definition_id = id});
        REQUIRE_FALSE(c.has_value());
        check_invalid(c.error(), "workflow_definition_id");

        const auto d = builder.get_workflow_job(id);
        REQUIRE_FALSE(d.has_value());
        check_invalid(d.error(), "workflow_job_id");
    }
    CHECK(builder.get_job(0).error().message() == "job_id must be > 0 (got 0)");
}

TEST_CASE("context_time must be YYYY-MM-DD HH:MM:SS and a real calendar time", "[request_builder][invalid]") {
    const auto builder = make_builder();
    const char* bad[] = {
        "2023-05-19T00:00:00",   // T separator
        "2023-05-19 00:00",      // no seconds
        "2023-05-19 00:00:00Z",  // extra characters
        "2023-05-19 00:00:00 ",  // trailing space
        " 2023-05-19 00:00:00",  // leading space
        "2023-05-19 00:00:00.000",
        "2023-05-19",
        "2023/05/19 00:00:00",
        "2023-5-19 00:00:00",
        "",
        "2023-02-30 00:00:00",   // Feb 30
        "2023-02-29 00:00:00",   // Feb 29 on a non-leap year
        "1900-02-29 00:00:00",   // century, not a leap year
        "2023-04-31 00:00:00",
        "2023-13-01 00:00:00",
        "2023-00-10 00:00:00",
        "2023-05-00 00:00:00",
        "2023-05-19 24:00:00",
        "2023-05-19 23:60:00",
        "2023-05-19 23:59:60",
        "２０２３-05-19 00:00:00",
    };
    for (const char* text : bad) {
        CAPTURE(text);
        const auto a = builder.run_job({.job_definition_id = 1, .context_time = text});
        REQUIRE_FALSE(a.has_value());
        check_invalid(a.error(), "context_time");
        const auto b = builder.run_workflow({.workflow_definition_id = 1, .context_time = text});
        REQUIRE_FALSE(b.has_value());
        check_invalid(b.error(), "context_time");
    }
    const char* good[] = {"2024-02-29 00:00:00", "2000-02-29 12:00:00", "2023-12-31 23:59:59", "0001-01-01 00:00:00"};
    for (const char* text : good) {
        CAPTURE(text);
        const auto a = builder.run_job({.job_definition_id = 1, .context_time = text});
        REQUIRE(a.has_value());
        CHECK(a->body == std::string(R"({"context_time":")") + text + "\"}");
        const auto b = builder.run_workflow({.workflow_definition_id = 1, .context_time = text});
        REQUIRE(b.has_value());
        CHECK(b->body == std::string(R"({"context_time":")") + text + "\"}");
    }
}

TEST_CASE("time_zone must be non-empty valid UTF-8 without control characters", "[request_builder][invalid]") {
    const auto builder = make_builder();
    const std::string bad[] = {"", "\xff", "Asia/\xe3\x81", "Asia/Tokyo\n", std::string("Etc/UTC\0", 8), "\xc0\xaf"};
    for (const auto& tz : bad) {
        CAPTURE(tz);
        const auto a = builder.run_job({.job_definition_id = 1, .time_zone = tz});
        REQUIRE_FALSE(a.has_value());
        check_invalid(a.error(), "time_zone");
        const auto b = builder.run_workflow({.workflow_definition_id = 1, .time_zone = tz});
        REQUIRE_FALSE(b.has_value());
        check_invalid(b.error(), "time_zone");
    }
}

TEST_CASE("custom variables: non-empty names, valid UTF-8 names and values", "[request_builder][invalid]") {
    const auto builder = make_builder();

    SECTION("empty name") {
        trocco::run_job_request req{.job_definition_id = 1};
        req.custom_variables = {{"", "value"}};
        const auto r = builder.run_job(req);
        REQUIRE_FALSE(r.has_value());
        check_invalid(r.error(), "custom_variables[0].name");
    }
    SECTION("empty name in the second entry is reported with its index") {
        trocco::run_job_request req{.job_definition_id = 1};
        req.custom_variables = {{"$ok$", "v"}, {"", "value"}};
        const auto r = builder.run_job(req);
        REQUIRE_FALSE(r.has_value());
        check_invalid(r.error(), "custom_variables[1].name");
    }
    SECTION("invalid UTF-8") {
        const std::string bad[] = {"\xff", "\xfe\xff", "abc\xe3\x81", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                   "\x80", "\xe0\x80\x80"};
        for (const auto& text : bad) {
            CAPTURE(text);
            trocco::run_job_request by_name{.job_definition_id = 1};
            by_name.custom_variables = {{text, "v"}};
            const auto a = builder.run_job(by_name);
            REQUIRE_FALSE(a.has_value());
            check_invalid(a.error(), "custom_variables[0].name");

            trocco::run_job_request by_value{.job_definition_id = 1};
            by_value.custom_variables = {{"$a$", "ok"}, {"$b$", text}};
            const auto b = builder.run_job(by_value);
            REQUIRE_FALSE(b.has_value());
            check_invalid(b.error(), "custom_variables[1].value");
        }
    }
    SECTION("the id is checked first, then the run options, then the variables") {
        trocco::run_job_request req{.job_definition_id = 0, .context_time = "bad"};
        req.custom_variables = {{"", ""}};
        auto r = builder.run_job(req);
        REQUIRE_FALSE(r.has_value());
        check_invalid(r.error(), "job_definition_id");
        req.job_definition_id = 1;
        r = builder.run_job(req);
        REQUIRE_FALSE(r.has_value());
        check_invalid(r.error(), "context_time");
        req.context_time.reset();
        r = builder.run_job(req);
        REQUIRE_FALSE(r.has_value());
        check_invalid(r.error(), "custom_variables[0].name");
    }
}

TEST_CASE("the API key must be non-empty, free of control characters and surrounding spaces, valid UTF-8",
          "[request_builder][invalid]") {
    // Each bad key holds a distinctive core that must never show up in the message.
    const std::string core = "Kx7SecretCore";
    const std::string bad[] = {
        " ",
        "   ",
        " " + core,
        core + " ",
        core + "\n",
        core + "\r\n",
        core + "\t",
        "\t" + core,
        core + "\x7f",
        core + std::string(1, '\0'),
        core + "\x01",
        core + "\xff",
        core + "\xe3\x81",
        core + "\xc0\xaf",
    };
    for (const auto& key : bad) {
        CAPTURE(key);
        const auto b = trocco::request_builder::create("https://trocco.io", key);
        REQUIRE_FALSE(b.has_value());
        check_invalid(b.error(), "api_key");
        CHECK(b.error().message().find(core) == std::string::npos);
        CHECK(b.error().to_string().find(core) == std::string::npos);
    }
    const auto empty = trocco::request_builder::create("https://trocco.io", "");
    REQUIRE_FALSE(empty.has_value());
    check_invalid(empty.error(), "api_key");

    SECTION("good keys") {
        for (const char* key : {"tra_abc", "legacykey0123456789", "a", "キー", "with inner space"}) {
            CAPTURE(key);
            const auto b = trocco::request_builder::create("https://trocco.io", key);
            REQUIRE(b.has_value());
            const auto r = b->get_job(1);
            REQUIRE(r.has_value());
            CHECK(r->headers.at(0).value == std::string("Token ") + key);
        }
    }
}

TEST_CASE("bad base URLs are rejected naming base_url", "[request_builder][invalid]") {
    const char* bad[] = {
        "",
        "trocco.io",
        "ftp://trocco.io",
        "file:///etc/passwd",
        "mailto:someone@trocco.io",
        "http:/trocco.io",
        "https://",
        "https:///api",
        "https://:443",
        "https://user@trocco.io",
        "https://user:pw@trocco.io",
        "https://trocco.io/#fragment",
        "https://trocco.io#x",
        "https://trocco.io:0",
        "https://trocco.io:65536",
        "https://trocco.io:99999999999999999999999",
        "https://trocco.io:abc",
        "https://trocco.io:-1",
        "https://trocco.io:",
        "https://trocco.io:80:90",
        "https://tro cco.io",
        " https://trocco.io",
        "https://trocco.io/ ",
        "https://trocco.io\n",
        "https://trocco.io/a\tb",
        "https://trocco.io?x=1",
        "https://trocco.io/api?x=1",
        "https://[::1",
        "https://[::1]x",
        "https://[::1]:",
        "https://[]",
        "https://trocco.io/\xff",
        "https://trocco.io/\xe3\x81",
    };
    for (const char* base : bad) {
        CAPTURE(base);
        const auto b = trocco::request_builder::create(base, secret_key);
        REQUIRE_FALSE(b.has_value());
        check_invalid(b.error(), "base_url");
    }
}

TEST_CASE("no error message of the builder ever holds the key", "[request_builder][invalid]") {
    // Gather every failure the builder can produce with the distinctive key and check them all at once.
    std::vector<trocco::error> errors;
    const auto collect = [&](const auto& r) {
        REQUIRE_FALSE(r.has_value());
        errors.push_back(r.error());
    };
    collect(trocco::request_builder::create("ftp://x", secret_key));
    collect(trocco::request_builder::create("https://user@x", secret_key));
    collect(trocco::request_builder::create("https://x?q", secret_key));
    const auto builder = make_builder();
    collect(builder.run_job({.job_definition_id = -5}));
    collect(builder.run_job({.job_definition_id = 1, .context_time = secret_key}));
    collect(builder.run_job({.job_definition_id = 1, .time_zone = std::string(secret_key) + "\n"}));
    trocco::run_job_request req{.job_definition_id = 1};
    req.custom_variables = {{"", secret_key}};
    collect(builder.run_job(req));
    req.custom_variables = {{secret_key, std::string(secret_key) + "\xff"}};
    collect(builder.run_job(req));
    collect(builder.get_job(0));
    collect(builder.run_workflow({.workflow_definition_id = 0}));
    collect(builder.run_workflow({.workflow_definition_id = 1, .context_time = "2023-02-29 00:00:00"}));
    collect(builder.run_workflow({.workflow_definition_id = 1, .time_zone = ""}));
    collect(builder.get_workflow_job(-1));
    REQUIRE(errors.size() == 13u);
    for (const auto& e : errors) {
        CAPTURE(e.message());
        CHECK(e.kind() == trocco::errc::invalid_argument);
        CHECK_FALSE(e.message().empty());
        CHECK(e.message().find(secret_key) == std::string::npos);
        CHECK(e.to_string().find(secret_key) == std::string::npos);
    }
}

TEST_CASE("request_builder::redact replaces every occurrence of the key", "[request_builder]") {
    const auto builder = make_builder();
    const std::string key = secret_key;
    CHECK(builder.redact("") == "");
    CHECK(builder.redact("nothing secret here") == "nothing secret here");
    CHECK(builder.redact(key) == "[redacted]");
    CHECK(builder.redact("Token " + key) == "Token [redacted]");
    CHECK(builder.redact("bad key " + key + " and again " + key + "!") == "bad key [redacted] and again [redacted]!");
    CHECK(builder.redact(key + key) == "[redacted][redacted]");
    CHECK(builder.redact("キー: " + key + "。") == "キー: [redacted]。");
    // A prefix of the key is not the key.
    CHECK(builder.redact(key.substr(0, key.size() - 1)) == key.substr(0, key.size() - 1));

    SECTION("a server message cut in the middle of the key (ending in \"...\") loses the key's head too") {
        const std::string message(2040, 'm');
        CHECK(builder.redact(message + key.substr(0, 8) + "...") == message + "[redacted]...");
        CHECK(builder.redact("key " + key + " then " + key.substr(0, 12) + "...") ==
              "key [redacted] then [redacted]...");
        CHECK(builder.redact("nothing cut here...") == "nothing cut here...");
        CHECK(builder.redact("...") == "...");
    }
    SECTION("a key that occurs inside the replacement text does not loop") {
        const auto b = trocco::request_builder::create("https://trocco.io", "redacted");
        REQUIRE(b.has_value());
        CHECK(b->redact("redacted redacted") == "[redacted] [redacted]");
        CHECK(b->redact("[redacted]") == "[[redacted]]");
    }
}

TEST_CASE("a builder is a value: copies build the same requests", "[request_builder]") {
    const auto original = make_builder("https://kr.trocco.io/");
    const trocco::request_builder copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
    const auto a = original.get_job(77);
    const auto b = copy.get_job(77);
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(a->url == b->url);
    CHECK(a->url == "https://kr.trocco.io/api/jobs/77");
    CHECK(a->headers == b->headers);
    CHECK(a->body == b->body);
}
