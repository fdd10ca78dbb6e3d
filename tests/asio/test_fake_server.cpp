// Tests of trocco::testing::fake_server, driven over loopback by a small Beast client (each operation runs a
// private io_context with a 10 s timeout, so a misbehaving server fails a test instead of hanging it).
#include <utility>  // first: Boost 1.74's awaitable.hpp needs it

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <nlohmann/json.hpp>

#include <trocco/http.hpp>
#include <trocco/job_status.hpp>
#include <trocco/rate_limit.hpp>
#include <trocco/response_parser.hpp>
#include <trocco/testing/fake_server.hpp>
#include <trocco/testing/test_certificates.hpp>
#include <trocco/timestamp.hpp>

#include "../catch.hpp"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;
using trocco::testing::fake_server;
using trocco::testing::fake_server_options;
using trocco::testing::fault;
using trocco::testing::scripted_outcome;

const std::string good_auth = "Token fake-api-key";

struct reply {
    beast::error_code ec;  // set when connecting, the handshake, writing or reading failed
    int status = 0;
    std::vector<trocco::http_header> headers;
    std::string body;

    const std::string* header(std::string_view name) const { return trocco::find_header(headers, name); }
    trocco::http_response response() const { return {status, headers, body}; }
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

struct request_options {
    std::string content_type = {};  // sent when non-empty
    std::optional<std::string> authorization = good_auth;
    bool close = false;             // send Connection: close
};

/// One client connection, plain or TLS, used synchronously.
class connection {
public:
    explicit connection(std::uint16_t port, net::ssl::context* tls = nullptr, std::string verify_host = "127.0.0.1")
        : port_(port) {
        if (tls) {
            tls_stream_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io_, *tls);
            tls_stream_->set_verify_mode(net::ssl::verify_peer);
            tls_stream_->set_verify_callback(net::ssl::host_name_verification(verify_host));
        } else {
            plain_ = std::make_unique<beast::tcp_stream>(io_);
        }
        const net::ip::tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port_);
        lowest().expires_after(10s);
        lowest().async_connect(endpoint, [this](beast::error_code ec) { ec_ = ec; });
        run();
        if (!ec_ && tls_stream_) {
            lowest().expires_after(10s);
            tls_stream_->async_handshake(net::ssl::stream_base::client, [this](beast::error_code ec) { ec_ = ec; });
            run();
        }
    }

    /// The error of connecting or of the TLS handshake.
    beast::error_code setup_error() const { return ec_; }

    void send(std::string_view method, std::string_view target, std::string body = {}, request_options o = {}) {
        http::request<http::string_body> req;
        req.method_string({method.data(), method.size()});
        req.target({target.data(), target.size()});
        req.version(11);
        req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
        if (o.authorization) req.set(http::field::authorization, *o.authorization);
        req.set(http::field::accept, "application/json");
        if (!o.content_type.empty()) req.set(http::field::content_type, o.content_type);
        if (o.close) req.set(http::field::connection, "close");
        req.body() = std::move(body);
        req.prepare_payload();
        with_stream([&](auto& stream) {
            lowest().expires_after(10s);
            http::async_write(stream, req, [this](beast::error_code ec, std::size_t) { ec_ = ec; });
            run();
        });
    }

    reply receive() {
        reply r;
        if (ec_) {
            r.ec = ec_;
            return r;
        }
        http::response_parser<http::string_body> parser;
        with_stream([&](auto& stream) {
            lowest().expires_after(10s);
            http::async_read(stream, buffer_, parser, [&r](beast::error_code ec, std::size_t) { r.ec = ec; });
            run();
        });
        if (r.ec) return r;
        auto& m = parser.get();
        r.status = static_cast<int>(m.result_int());
        for (const auto& f : m) r.headers.push_back({std::string(f.name_string()), std::string(f.value())});
        r.body = m.body();
        return r;
    }

    reply request(std::string_view method, std::string_view target, std::string body = {}, request_options o = {}) {
        send(method, target, std::move(body), std::move(o));
        return receive();
    }

    /// Writes raw bytes (for requests Beast would not build).
    beast::error_code write_raw(const std::string& bytes) {
        with_stream([&](auto& stream) {
            lowest().expires_after(10s);
            net::async_write(stream, net::buffer(bytes), [this](beast::error_code ec, std::size_t) { ec_ = ec; });
            run();
        });
        return ec_;
    }

private:
    beast::tcp_stream& lowest() { return tls_stream_ ? beast::get_lowest_layer(*tls_stream_) : *plain_; }

    template <class F>
    void with_stream(F f) {
        if (tls_stream_) {
            f(*tls_stream_);
        } else {
            f(*plain_);
        }
    }

    void run() {
        io_.restart();
        io_.run();
    }

    net::io_context io_;
    std::unique_ptr<beast::tcp_stream> plain_;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls_stream_;
    beast::flat_buffer buffer_;
    std::uint16_t port_;
    beast::error_code ec_;
};

/// One request on a new connection.
reply call(const fake_server& server, std::string_view method, std::string_view target, std::string body = {},
           request_options o = {}) {
    connection c(server.port());
    return c.request(method, target, std::move(body), std::move(o));
}

std::string percent_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

fake_server_options options_with_duration(std::chrono::milliseconds d) {
    fake_server_options o;
    o.status_duration = d;
    return o;
}

std::int64_t post_job(const fake_server& server, std::int64_t definition_id) {
    const auto r = call(server, "POST", "/api/jobs?job_definition_id=" + std::to_string(definition_id), "{}",
                        {.content_type = "application/json"});
    REQUIRE(r.status == 200);
    return r.json().at("id").get<std::int64_t>();
}

/// Polls a transfer job every 10 ms until a finished status (or 10 s), returning each distinct status seen.
std::vector<std::string> watch(const fake_server& server, const std::string& path) {
    connection c(server.port());
    std::vector<std::string> seen;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto r = c.request("GET", path);
        REQUIRE(r.status == 200);
        const auto status = r.json().at("status").get<std::string>();
        if (seen.empty() || seen.back() != status) seen.push_back(status);
        if (trocco::is_terminal(trocco::parse_job_status(status))) break;
        std::this_thread::sleep_for(10ms);
    }
    return seen;
}

}  // namespace

TEST_CASE("fake_server: POST /api/jobs answers a queued transfer job in trocco's shape", "[fake_server]") {
    fake_server server;
    server.set_job_definition_name(42, "mysql_to_bigquery_orders");
    CHECK(server.base_url() == "http://127.0.0.1:" + std::to_string(server.port()));

    const auto r = call(server, "POST", "/api/jobs?job_definition_id=42", "{}", {.content_type = "application/json"});
    REQUIRE(r.status == 200);
    REQUIRE(r.header("Content-Type") != nullptr);
    CHECK(r.header("Content-Type")->starts_with("application/json"));
    const auto j = r.json();
    REQUIRE(j.is_object());
    CHECK(j.at("id").get<std::int64_t>() > 0);
    CHECK(j.at("job_definition_id") == 42);
    CHECK(j.at("job_definition_name") == "mysql_to_bigquery_orders");
    CHECK(j.at("status") == "queued");
    const auto created = j.at("created_at").get<std::string>();
    CHECK(created.size() == 29);
    CHECK(created.substr(23) == "+09:00");
    CHECK(trocco::parse_rfc3339(created).has_value());
    CHECK_FALSE(j.contains("started_at"));
    CHECK_FALSE(j.contains("finished_at"));

    // The core's parser reads it.
    const auto parsed = trocco::parse_job_response(r.response());
    REQUIRE(parsed.has_value());
    CHECK(parsed->job_definition_id == 42);
    CHECK(parsed->status == trocco::job_status::queued);
    CHECK(parsed->created_at.has_value());

    // GET /api/jobs/{id} gives the same job.
    const auto id = j.at("id").get<std::int64_t>();
    const auto g = call(server, "GET", "/api/jobs/" + std::to_string(id));
    REQUIRE(g.status == 200);
    CHECK(g.json().at("id") == id);
    CHECK(g.json().at("job_definition_name") == "mysql_to_bigquery_orders");
    CHECK(g.json().at("created_at") == created);
    CHECK(server.job_ids() == std::vector<std::int64_t>{id});
}

TEST_CASE("fake_server: POST /api/pipeline_jobs answers a workflow job with name and context_time",
          "[fake_server]") {
    fake_server server;
    const auto r = call(server, "POST", "/api/pipeline_jobs?pipeline_definition_id=321",
                        R"({"context_time":"2019-11-18 00:00:00"})", {.content_type = "application/json"});
    REQUIRE(r.status == 200);
    const auto j = r.json();
    CHECK(j.at("pipeline_definition_id") == 321);
    CHECK(j.at("name") == "fake_pipeline_definition_321");
    CHECK(j.at("status") == "queued");
    CHECK(j.at("started_at").is_null());
    CHECK(j.at("finished_at").is_null());
    CHECK(j.at("context_time") == "2019-11-18T00:00:00.000+09:00");
    const auto parsed = trocco::parse_workflow_job_response(r.response());
    REQUIRE(parsed.has_value());
    CHECK(parsed->name == "fake_pipeline_definition_321");
    CHECK(parsed->context_time == std::optional<std::string>("2019-11-18T00:00:00.000+09:00"));

    const auto id = j.at("id").get<std::int64_t>();
    CHECK(server.workflow_job_ids() == std::vector<std::int64_t>{id});
    CHECK(call(server, "GET", "/api/pipeline_jobs/" + std::to_string(id)).status == 200);
    // Transfer and workflow job ids are distinct: the wrong path is a 404.
    CHECK(call(server, "GET", "/api/jobs/" + std::to_string(id)).status == 404);

    SECTION("a context_time in another time zone is converted") {
        const auto u = call(server, "POST", "/api/pipeline_jobs?pipeline_definition_id=321",
                            R"({"context_time":"2019-11-18 00:00:00","time_zone":"Etc/UTC"})",
                            {.content_type = "application/json"});
        REQUIRE(u.status == 200);
        CHECK(u.json().at("context_time") == "2019-11-18T09:00:00.000+09:00");
        const auto params = server.workflow_job_run_parameters(u.json().at("id").get<std::int64_t>());
        REQUIRE(params.has_value());
        CHECK(params->time_zone == std::optional<std::string>("Etc/UTC"));
    }
    SECTION("without context_time, the creation time is reported") {
        const auto n = call(server, "POST", "/api/pipeline_jobs?pipeline_definition_id=321");
        REQUIRE(n.status == 200);
        const auto context_time = trocco::parse_rfc3339(n.json().at("context_time").get<std::string>());
        const auto created = trocco::parse_rfc3339(n.json().at("created_at").get<std::string>());
        REQUIRE(context_time.has_value());
        REQUIRE(created.has_value());
        CHECK(*created - *context_time < 1s);
        CHECK(*created >= *context_time);
    }
}

TEST_CASE("fake_server: requests without the right Authorization get 401 with a trocco error body",
          "[fake_server]") {
    fake_server server;
    for (const std::optional<std::string>& auth :
         {std::optional<std::string>{}, std::optional<std::string>("Token wrong-key"),
          std::optional<std::string>("Bearer fake-api-key"), std::optional<std::string>("fake-api-key")}) {
        const auto r = call(server, "POST", "/api/jobs?job_definition_id=1", "{}",
                            {.content_type = "application/json", .authorization = auth});
        CHECK(r.status == 401);
        CHECK(r.json().at("message") == "Unauthorized");
        const auto e = trocco::error_from_response(r.response());
        CHECK(e.kind() == trocco::errc::unauthorized);
        CHECK(e.message() == "Unauthorized");
    }
    CHECK(server.job_ids().empty());

    fake_server_options o;
    o.api_key = "tra_custom";
    fake_server custom(o);
    CHECK(custom.api_key() == "tra_custom");
    CHECK(call(custom, "GET", "/api/jobs/1", {}, {.authorization = "Token fake-api-key"}).status == 401);
    CHECK(call(custom, "GET", "/api/jobs/1", {}, {.authorization = "Token tra_custom"}).status == 404);
}

TEST_CASE("fake_server: unknown paths and ids are 404, bad parameters 400/422", "[fake_server]") {
    fake_server server;
    const auto not_found = [&](std::string_view method, std::string_view target) {
        const auto r = call(server, method, target);
        CHECK(r.status == 404);
        CHECK(r.json().at("message") == "Not found");
    };
    not_found("GET", "/api/jobs/999");
    not_found("GET", "/api/pipeline_jobs/999");
    not_found("GET", "/api/jobs/abc");
    not_found("GET", "/api/jobs/");
    not_found("GET", "/api/nothing");
    not_found("GET", "/");
    not_found("POST", "/api/jobs/5");
    not_found("GET", "/api/jobs");

    const auto bad = [&](std::string target, std::string body, std::string content_type, int status,
                         std::string attribute) {
        const auto r = call(server, "POST", target, std::move(body), {.content_type = std::move(content_type)});
        CHECK(r.status == status);
        const auto j = r.json();
        REQUIRE(j.is_object());
        CHECK(j.at("message").is_string());
        REQUIRE(j.at("errors").is_array());
        CHECK(j.at("errors").at(0).at("attribute") == attribute);
        CHECK(j.at("errors").at(0).at("message").is_string());
        const auto e = trocco::error_from_response(r.response());
        CHECK(e.kind() == trocco::errc::bad_request);
        CHECK(e.message().find(attribute) != std::string::npos);
    };
    bad("/api/jobs", "{}", "application/json", 400, "job_definition_id");
    bad("/api/jobs?job_definition_id=", "", "", 400, "job_definition_id");
    bad("/api/pipeline_jobs", "", "", 400, "pipeline_definition_id");
    bad("/api/jobs?job_definition_id=abc", "", "", 422, "job_definition_id");
    bad("/api/jobs?job_definition_id=0", "", "", 422, "job_definition_id");
    bad("/api/jobs?job_definition_id=-3", "", "", 422, "job_definition_id");
    bad("/api/pipeline_jobs?pipeline_definition_id=1x", "", "", 422, "pipeline_definition_id");
    bad("/api/jobs?job_definition_id=1", R"({"context_time":"2019-11-18T00:00:00"})", "application/json", 400,
        "context_time");
    bad("/api/jobs?job_definition_id=1", R"({"context_time":"2019-02-30 00:00:00"})", "application/json", 400,
        "context_time");
    bad("/api/pipeline_jobs?pipeline_definition_id=1", "context_time=yesterday",
        "application/x-www-form-urlencoded", 400, "context_time");
    bad("/api/jobs?job_definition_id=1", R"({"context_time":5})", "application/json", 400, "context_time");
    bad("/api/jobs?job_definition_id=1", R"({"custom_variables":{"name":"$a$"}})", "application/json", 400,
        "custom_variables");
    bad("/api/jobs?job_definition_id=1", R"({"custom_variables":[{"value":"1"}]})", "application/json", 400,
        "custom_variables");
    bad("/api/jobs?job_definition_id=1", "{not json", "application/json", 400, "body");
    bad("/api/jobs?job_definition_id=1", "custom_variables[][value]=1", "application/x-www-form-urlencoded", 400,
        "custom_variables");
    // A key that is not valid UTF-8 still gives a valid JSON error body.
    bad("/api/jobs?job_definition_id=1", "custom_variables[][n%FFme]=x", "application/x-www-form-urlencoded", 400,
        "custom_variables");
    CHECK(server.job_ids().empty());
    CHECK(server.workflow_job_ids().empty());

    SECTION("the definition id may come in the body instead of the query") {
        const auto f = call(server, "POST", "/api/jobs", "job_definition_id=77", {.content_type = "application/x-www-form-urlencoded"});
        REQUIRE(f.status == 200);
        CHECK(f.json().at("job_definition_id") == 77);
        const auto j = call(server, "POST", "/api/pipeline_jobs", R"({"pipeline_definition_id":78})",
                            {.content_type = "application/json"});
        REQUIRE(j.status == 200);
        CHECK(j.json().at("pipeline_definition_id") == 78);
    }
}

TEST_CASE("fake_server: run parameters in a JSON body are recorded per job", "[fake_server]") {
    fake_server server;
    nlohmann::json body = {{"context_time", "2023-05-19 00:00:00"},
                           {"time_zone", "Etc/UTC"},
                           {"custom_variables",
                            {{{"name", "$companyId$"}, {"value", "c-12345"}},
                             {{"name", "$query$"}, {"value", "a=b&c=d e+f"}},
                             {{"name", "$日本$"}, {"value", "東京都 渋谷区"}}}}};
    const auto r = call(server, "POST", "/api/jobs?job_definition_id=5", body.dump(),
                        {.content_type = "application/json"});
    REQUIRE(r.status == 200);
    const auto id = r.json().at("id").get<std::int64_t>();
    const auto params = server.job_run_parameters(id);
    REQUIRE(params.has_value());
    CHECK(params->context_time == std::optional<std::string>("2023-05-19 00:00:00"));
    CHECK(params->time_zone == std::optional<std::string>("Etc/UTC"));
    const std::vector<trocco::custom_variable> expected{
        {"$companyId$", "c-12345"}, {"$query$", "a=b&c=d e+f"}, {"$日本$", "東京都 渋谷区"}};
    CHECK(params->custom_variables == expected);
    CHECK(server.job_custom_variables(id) == std::optional(expected));
    CHECK_FALSE(server.job_custom_variables(id + 1000).has_value());

    SECTION("an empty JSON object and no body at all carry nothing") {
        const auto a = call(server, "POST", "/api/jobs?job_definition_id=5", "{}", {.content_type = "application/json"});
        const auto b = call(server, "POST", "/api/jobs?job_definition_id=5");
        REQUIRE(a.status == 200);
        REQUIRE(b.status == 200);
        CHECK(server.job_run_parameters(a.json().at("id").get<std::int64_t>()) == trocco::testing::run_parameters{});
        CHECK(server.job_run_parameters(b.json().at("id").get<std::int64_t>()) == trocco::testing::run_parameters{});
    }
}

TEST_CASE("fake_server: run parameters form-encoded as on trocco's API page are decoded", "[fake_server]") {
    fake_server server;
    SECTION("custom_variables[][name] / [value] pairs, percent-encoding, '+' as space, raw UTF-8") {
        const std::string body = "context_time=2019-11-18+00%3A00%3A00"
                                 "&custom_variables[][name]=$ad_id$&custom_variables[][value]=A0000"
                                 "&custom_variables%5B%5D%5Bname%5D=%24memo%24"
                                 "&custom_variables%5B%5D%5Bvalue%5D=a%3Db%20c+d"
                                 "&custom_variables[][name]=$raw$&custom_variables[][value]=x=y"
                                 "&custom_variables[][name]=" + percent_encode("$日本語$") +
                                 "&custom_variables[][value]=" + percent_encode("東京 タワー") +
                                 "&custom_variables[][name]=$utf8$&custom_variables[][value]=渋谷"
                                 "&custom_variables[][name]=$empty$&custom_variables[][value]=";
        const auto r = call(server, "POST", "/api/jobs?job_definition_id=9", body,
                            {.content_type = "application/x-www-form-urlencoded"});
        REQUIRE(r.status == 200);
        const auto params = server.job_run_parameters(r.json().at("id").get<std::int64_t>());
        REQUIRE(params.has_value());
        CHECK(params->context_time == std::optional<std::string>("2019-11-18 00:00:00"));
        CHECK_FALSE(params->time_zone.has_value());
        const std::vector<trocco::custom_variable> expected{{"$ad_id$", "A0000"},      {"$memo$", "a=b c d"},
                                                            {"$raw$", "x=y"},          {"$日本語$", "東京 タワー"},
                                                            {"$utf8$", "渋谷"},        {"$empty$", ""}};
        CHECK(params->custom_variables == expected);
    }
    SECTION("indexed custom_variables[N][...] in any order") {
        const auto r = call(server, "POST", "/api/jobs?job_definition_id=9",
                            "custom_variables[0][name]=$a$&custom_variables[1][name]=$b$"
                            "&custom_variables[1][value]=2&custom_variables[0][value]=1",
                            {.content_type = "application/x-www-form-urlencoded; charset=utf-8"});
        REQUIRE(r.status == 200);
        const std::vector<trocco::custom_variable> expected{{"$a$", "1"}, {"$b$", "2"}};
        CHECK(server.job_custom_variables(r.json().at("id").get<std::int64_t>()) == std::optional(expected));
    }
    SECTION("curl -d without a content type is read as form data") {
        const auto r = call(server, "POST", "/api/pipeline_jobs?pipeline_definition_id=3",
                            "context_time=2020-01-02 03:04:05");
        REQUIRE(r.status == 200);
        CHECK(r.json().at("context_time") == "2020-01-02T03:04:05.000+09:00");
        const auto params = server.workflow_job_run_parameters(r.json().at("id").get<std::int64_t>());
        REQUIRE(params.has_value());
        CHECK(params->context_time == std::optional<std::string>("2020-01-02 03:04:05"));
    }
}

TEST_CASE("fake_server: a job moves queued -> setting_up -> executing -> succeeded on the wall clock",
          "[fake_server]") {
    fake_server server(options_with_duration(200ms));
    const auto id = post_job(server, 1);
    const auto path = "/api/jobs/" + std::to_string(id);
    const auto seen = watch(server, path);
    CHECK(seen == std::vector<std::string>{"queued", "setting_up", "executing", "succeeded"});

    const auto j = call(server, "GET", path).json();
    const auto created = trocco::parse_rfc3339(j.at("created_at").get<std::string>());
    const auto started = trocco::parse_rfc3339(j.at("started_at").get<std::string>());
    const auto finished = trocco::parse_rfc3339(j.at("finished_at").get<std::string>());
    REQUIRE(created.has_value());
    REQUIRE(started.has_value());
    REQUIRE(finished.has_value());
    CHECK(*started - *created == 200ms);
    CHECK(*finished - *created == 600ms);
}

TEST_CASE("fake_server: started_at and finished_at appear only once set", "[fake_server]") {
    fake_server server(options_with_duration(400ms));
    const auto id = post_job(server, 1);
    const auto path = "/api/jobs/" + std::to_string(id);
    auto j = call(server, "GET", path).json();
    REQUIRE(j.at("status") == "queued");
    CHECK_FALSE(j.contains("started_at"));
    std::this_thread::sleep_for(500ms);
    j = call(server, "GET", path).json();
    REQUIRE(j.at("status") == "setting_up");
    CHECK(j.contains("started_at"));
    CHECK_FALSE(j.contains("finished_at"));
}

TEST_CASE("fake_server: scripted outcomes per definition id", "[fake_server]") {
    fake_server server(options_with_duration(0ms));
    server.set_job_outcome(2, scripted_outcome::error);
    server.set_job_outcome(3, scripted_outcome::canceled);
    server.set_job_outcome(4, scripted_outcome::skipped);
    server.set_workflow_outcome(5, scripted_outcome::error);
    const std::vector<std::pair<std::int64_t, std::string>> cases{
        {1, "succeeded"}, {2, "error"}, {3, "canceled"}, {4, "skipped"}};
    for (const auto& [definition, expected] : cases) {
        const auto id = post_job(server, definition);
        const auto r = call(server, "GET", "/api/jobs/" + std::to_string(id));
        REQUIRE(r.status == 200);
        CHECK(r.json().at("status") == expected);
        CHECK(r.json().contains("finished_at"));
        const auto parsed = trocco::parse_job_response(r.response());
        REQUIRE(parsed.has_value());
        CHECK(trocco::is_terminal(parsed->status));
    }
    const auto p = call(server, "POST", "/api/pipeline_jobs?pipeline_definition_id=5");
    REQUIRE(p.status == 200);
    CHECK(p.json().at("status") == "queued");  // the POST answer always says queued
    const auto g = call(server, "GET", "/api/pipeline_jobs/" + std::to_string(p.json().at("id").get<std::int64_t>()));
    CHECK(g.json().at("status") == "error");
    CHECK(g.json().at("finished_at").is_string());
}

TEST_CASE("fake_server: a workflow scripted error_then_retry goes through retry_waiting to succeeded",
          "[fake_server]") {
    fake_server server(options_with_duration(200ms));
    server.set_workflow_outcome(7, scripted_outcome::error_then_retry);
    const auto r = call(server, "POST", "/api/pipeline_jobs?pipeline_definition_id=7");
    REQUIRE(r.status == 200);
    const auto path = "/api/pipeline_jobs/" + std::to_string(r.json().at("id").get<std::int64_t>());

    // Watch until succeeded, checking finished_at while in error and retry_waiting on the way.
    connection c(server.port());
    std::vector<std::string> seen;
    bool error_had_finished_at = false, retry_waiting_had_no_finished_at = false;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto g = c.request("GET", path);
        REQUIRE(g.status == 200);
        const auto j = g.json();
        const auto status = j.at("status").get<std::string>();
        if (status == "error") error_had_finished_at = j.at("finished_at").is_string();
        if (status == "retry_waiting") retry_waiting_had_no_finished_at = j.at("finished_at").is_null();
        if (seen.empty() || seen.back() != status) seen.push_back(status);
        if (status == "succeeded") break;
        std::this_thread::sleep_for(10ms);
    }
    CHECK(seen == std::vector<std::string>{"queued", "setting_up", "executing", "error", "retry_waiting", "queued",
                                           "setting_up", "executing", "succeeded"});
    CHECK(error_had_finished_at);
    CHECK(retry_waiting_had_no_finished_at);
}

TEST_CASE("fake_server: keep-alive serves many requests on one connection", "[fake_server]") {
    fake_server server;
    const auto id = post_job(server, 1);
    CHECK(server.connections_accepted() == 1);
    server.clear_requests();
    {
        connection c(server.port());
        for (int i = 0; i < 20; ++i) {
            const auto r = c.request("GET", "/api/jobs/" + std::to_string(id));
            REQUIRE(r.status == 200);
            CHECK((r.header("Connection") == nullptr || *r.header("Connection") == "keep-alive"));
        }
        const auto p = c.request("POST", "/api/jobs?job_definition_id=1", "{}", {.content_type = "application/json"});
        CHECK(p.status == 200);
    }
    CHECK(server.connections_accepted() == 2);
    const auto requests = server.requests();
    REQUIRE(requests.size() == 21);
    for (const auto& r : requests) CHECK(r.connection_id == 2);
    CHECK(server.count_requests("GET", "/api/jobs/") == 20);
    CHECK(server.count_requests("POST", "/api/jobs") == 1);
    CHECK(server.count_requests("", "/api/jobs") == 21);
    CHECK(server.count_requests("POST", "/api/pipeline_jobs") == 0);

    SECTION("Connection: close is honoured") {
        connection c(server.port());
        const auto r = c.request("GET", "/api/jobs/" + std::to_string(id), {}, {.close = true});
        REQUIRE(r.status == 200);
        REQUIRE(r.header("Connection") != nullptr);
        CHECK(*r.header("Connection") == "close");
        const auto after = c.receive();  // the server closed: end of stream
        CHECK(after.ec == http::error::end_of_stream);
        CHECK(server.connections_accepted() == 3);
    }
    SECTION("an idle connection is closed after keep_alive_timeout") {
        fake_server_options o;
        o.keep_alive_timeout = 200ms;
        fake_server quick(o);
        connection c(quick.port());
        CHECK(c.request("GET", "/api/jobs/1").status == 404);
        std::this_thread::sleep_for(500ms);
        const auto r = c.request("GET", "/api/jobs/1");
        CHECK(r.ec);
        CHECK(r.status == 0);
    }
}

TEST_CASE("fake_server: requests are recorded with method, target, headers and body", "[fake_server]") {
    fake_server server;
    const auto before = std::chrono::steady_clock::now();
    const auto r = call(server, "POST", "/api/jobs?job_definition_id=8", R"({"context_time":"2024-01-01 00:00:00"})",
                        {.content_type = "application/json"});
    REQUIRE(r.status == 200);
    call(server, "GET", "/api/nothing", {}, {.authorization = std::nullopt});
    const auto requests = server.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].method == "POST");
    CHECK(requests[0].target == "/api/jobs?job_definition_id=8");
    CHECK(requests[0].body == R"({"context_time":"2024-01-01 00:00:00"})");
    REQUIRE(trocco::find_header(requests[0].headers, "authorization") != nullptr);
    CHECK(*trocco::find_header(requests[0].headers, "authorization") == good_auth);
    REQUIRE(trocco::find_header(requests[0].headers, "content-type") != nullptr);
    CHECK(*trocco::find_header(requests[0].headers, "content-type") == "application/json");
    CHECK(requests[0].connection_id == 1);
    CHECK(requests[0].received_at >= before);
    CHECK(requests[1].method == "GET");
    CHECK(requests[1].target == "/api/nothing");
    CHECK(trocco::find_header(requests[1].headers, "Authorization") == nullptr);
    CHECK(requests[1].connection_id == 2);
}

TEST_CASE("fake_server: every answer carries X-Rate-Limit headers", "[fake_server]") {
    fake_server server;
    connection c(server.port());
    const auto a = trocco::parse_rate_limit(c.request("GET", "/api/jobs/1").headers);
    const auto b = trocco::parse_rate_limit(c.request("GET", "/api/jobs/1").headers);
    CHECK(a.limit == std::optional<std::int64_t>(3500));
    REQUIRE(a.remaining.has_value());
    REQUIRE(b.remaining.has_value());
    CHECK(*b.remaining == *a.remaining - 1);
    REQUIRE(a.reset.has_value());
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    CHECK(*a.reset > now);
    CHECK(*a.reset <= now + std::chrono::minutes{10} + 1s);
}

TEST_CASE("fake_server fault: delay answers later without blocking other connections", "[fake_server][fault]") {
    fake_server server;
    const auto id = post_job(server, 1);
    const auto path = "/api/jobs/" + std::to_string(id);
    server.inject({.what = fault::kind::delay, .method = trocco::http_method::get, .path_prefix = "/api/jobs/",
                   .delay = 600ms});
    const auto start = std::chrono::steady_clock::now();
    auto slow = std::async(std::launch::async, [&] {
        const auto r = call(server, "GET", path);
        return std::pair(r.status, std::chrono::steady_clock::now() - start);
    });
    // Wait until the slow request has been read, then ask on another connection.
    while (server.count_requests("GET", path) < 1 && std::chrono::steady_clock::now() - start < 5s) {
        std::this_thread::sleep_for(5ms);
    }
    const auto quick = call(server, "GET", path);
    const auto quick_done = std::chrono::steady_clock::now() - start;
    CHECK(quick.status == 200);
    const auto [slow_status, slow_done] = slow.get();
    CHECK(slow_status == 200);
    CHECK(slow_done >= 600ms);
    CHECK(quick_done < slow_done);
    CHECK(server.pending_faults() == 0);
}

TEST_CASE("fake_server fault: http_status answers 5xx and does not process the request", "[fake_server][fault]") {
    fake_server server;
    server.inject({.what = fault::kind::http_status, .times = 2, .status = 503});
    for (int i = 0; i < 2; ++i) {
        const auto r = call(server, "POST", "/api/jobs?job_definition_id=1");
        CHECK(r.status == 503);
        const auto e = trocco::error_from_response(r.response());
        CHECK(e.kind() == trocco::errc::server_error);
        CHECK(r.json().at("message").is_string());
    }
    CHECK(server.job_ids().empty());
    CHECK(server.pending_faults() == 0);
    CHECK(call(server, "POST", "/api/jobs?job_definition_id=1").status == 200);
    CHECK(server.job_ids().size() == 1);

    SECTION("with an empty body") {
        server.inject({.what = fault::kind::http_status, .status = 502, .body = std::string{}});
        const auto r = call(server, "GET", "/api/jobs/1");
        CHECK(r.status == 502);
        CHECK(r.body.empty());
        CHECK(trocco::error_from_response(r.response()).message() == "502 Bad Gateway");
    }
    SECTION("matching only its method and path prefix") {
        server.inject({.what = fault::kind::http_status, .method = trocco::http_method::post,
                       .path_prefix = "/api/pipeline_jobs", .status = 500});
        CHECK(call(server, "GET", "/api/pipeline_jobs/1").status == 404);
        CHECK(call(server, "POST", "/api/jobs?job_definition_id=1").status == 200);
        CHECK(server.pending_faults() == 1);
        CHECK(call(server, "POST", "/api/pipeline_jobs?pipeline_definition_id=1").status == 500);
        CHECK(server.pending_faults() == 0);
    }
    SECTION("times < 0 applies until cleared") {
        server.inject({.what = fault::kind::http_status, .times = -1, .status = 504});
        for (int i = 0; i < 3; ++i) CHECK(call(server, "GET", "/api/jobs/1").status == 504);
        CHECK(server.pending_faults() == 1);
        server.clear_faults();
        CHECK(call(server, "GET", "/api/jobs/1").status == 404);
    }
}

TEST_CASE("fake_server fault: rate_limited answers 429 with Retry-After and X-Rate-Limit-*", "[fake_server][fault]") {
    fake_server server;
    server.inject({.what = fault::kind::rate_limited, .retry_after_seconds = 3});
    const auto r = call(server, "POST", "/api/jobs?job_definition_id=1");
    CHECK(r.status == 429);
    CHECK(trocco::error_from_response(r.response()).kind() == trocco::errc::rate_limited);
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    const auto wait = trocco::retry_after(r.headers, now);
    CHECK(wait == std::optional<std::chrono::seconds>(3s));
    const auto info = trocco::parse_rate_limit(r.headers);
    CHECK(info.limit == std::optional<std::int64_t>(3500));
    CHECK(info.remaining == std::optional<std::int64_t>(0));
    REQUIRE(info.reset.has_value());
    CHECK(*info.reset >= now + 2s);
    CHECK(*info.reset <= now + 4s);
    CHECK(server.job_ids().empty());
    CHECK(call(server, "POST", "/api/jobs?job_definition_id=1").status == 200);
}

TEST_CASE("fake_server fault: close_before_read drops the connection without reading", "[fake_server][fault]") {
    fake_server server;
    server.inject({.what = fault::kind::close_before_read, .method = trocco::http_method::post,
                   .path_prefix = "/api/jobs"});
    CHECK(call(server, "GET", "/api/jobs/1").status == 404);  // not a POST: served
    CHECK(server.pending_faults() == 1);

    const auto r = call(server, "POST", "/api/jobs?job_definition_id=1", "{}", {.content_type = "application/json"});
    CHECK(r.ec);
    CHECK(r.status == 0);
    CHECK(server.pending_faults() == 0);
    CHECK(server.count_requests("POST", "") == 0);  // nothing was read
    CHECK(server.job_ids().empty());
    CHECK(server.connections_accepted() == 2);

    SECTION("on a kept-alive connection, when the next request arrives") {
        connection c(server.port());
        CHECK(c.request("GET", "/api/jobs/1").status == 404);
        server.inject({.what = fault::kind::close_before_read});
        const auto second = c.request("GET", "/api/jobs/1");
        CHECK(second.ec);
        CHECK(second.status == 0);
        CHECK(server.count_requests("GET", "/api/jobs/1") == 2);  // the one before the fault and the first above
    }
}

TEST_CASE("fake_server fault: close_after_read processes the request but never answers", "[fake_server][fault]") {
    fake_server server;
    server.inject({.what = fault::kind::close_after_read, .method = trocco::http_method::post});
    const auto r = call(server, "POST", "/api/jobs?job_definition_id=6", "{}", {.content_type = "application/json"});
    CHECK(r.ec);
    CHECK(r.status == 0);
    CHECK(server.count_requests("POST", "/api/jobs") == 1);
    // The job was created: the client just cannot know.
    const auto ids = server.job_ids();
    REQUIRE(ids.size() == 1);
    const auto g = call(server, "GET", "/api/jobs/" + std::to_string(ids[0]));
    CHECK(g.status == 200);
    CHECK(g.json().at("job_definition_id") == 6);
}

TEST_CASE("fake_server fault: truncated_body sends less than Content-Length, then closes", "[fake_server][fault]") {
    fake_server server;
    server.inject({.what = fault::kind::truncated_body});
    const auto r = call(server, "POST", "/api/jobs?job_definition_id=1");
    CHECK(r.ec == http::error::partial_message);
    CHECK(server.job_ids().size() == 1);

    SECTION("seen raw: a Content-Length larger than what arrives") {
        server.inject({.what = fault::kind::truncated_body});
        net::io_context io;
        net::ip::tcp::socket socket(io);
        socket.connect({net::ip::make_address("127.0.0.1"), server.port()});
        const std::string request = "GET /api/jobs/" + std::to_string(server.job_ids()[0]) +
                                    " HTTP/1.1\r\nHost: x\r\nAuthorization: " + good_auth + "\r\n\r\n";
        net::write(socket, net::buffer(request));
        std::string received;
        beast::error_code ec;
        char chunk[1024];
        for (;;) {
            const auto n = socket.read_some(net::buffer(chunk), ec);
            received.append(chunk, n);
            if (ec) break;
        }
        CHECK(ec == net::error::eof);
        const auto header_end = received.find("\r\n\r\n");
        REQUIRE(header_end != std::string::npos);
        const auto cl = received.find("Content-Length: ");
        REQUIRE(cl != std::string::npos);
        const auto declared = std::stoul(received.substr(cl + 16));
        const auto body = received.substr(header_end + 4);
        CHECK(received.starts_with("HTTP/1.1 200 "));
        CHECK(body.size() < declared);
        CHECK(body.starts_with(R"({"id":)"));
    }
}

TEST_CASE("fake_server fault: malformed_json answers 200 with broken JSON", "[fake_server][fault]") {
    fake_server server;
    server.inject({.what = fault::kind::malformed_json, .method = trocco::http_method::post});
    const auto r = call(server, "POST", "/api/jobs?job_definition_id=1");
    CHECK(r.status == 200);
    CHECK(r.json().is_discarded());
    CHECK_FALSE(r.body.empty());
    const auto parsed = trocco::parse_job_response(r.response());
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().kind() == trocco::errc::protocol_error);
    CHECK(server.job_ids().size() == 1);  // processed
}

TEST_CASE("fake_server fault: unknown_status reports a status string trocco-cpp does not know",
          "[fake_server][fault]") {
    fake_server server;
    const auto id = post_job(server, 1);
    const auto path = "/api/jobs/" + std::to_string(id);
    server.inject({.what = fault::kind::unknown_status, .times = 2, .status_text = "paused"});
    for (int i = 0; i < 2; ++i) {
        const auto r = call(server, "GET", path);
        REQUIRE(r.status == 200);
        CHECK(r.json().at("status") == "paused");
        const auto parsed = trocco::parse_job_response(r.response());
        REQUIRE(parsed.has_value());
        CHECK(parsed->status == trocco::job_status::unknown);
        CHECK(parsed->raw_status == "paused");
    }
    CHECK(call(server, "GET", path).json().at("status") != "paused");
}

TEST_CASE("fake_server: a delay and another fault combine", "[fake_server][fault]") {
    fake_server server;
    server.inject({.what = fault::kind::delay, .delay = 300ms});
    server.inject({.what = fault::kind::http_status, .status = 503});
    const auto start = std::chrono::steady_clock::now();
    const auto r = call(server, "GET", "/api/jobs/1");
    CHECK(r.status == 503);
    CHECK(std::chrono::steady_clock::now() - start >= 300ms);
    CHECK(server.pending_faults() == 0);
}

TEST_CASE("fake_server: HTTPS with the throwaway test certificates", "[fake_server][tls]") {
    const auto certs = trocco::testing::make_test_certificates({"127.0.0.1", "localhost"});
    CHECK(certs.ca_certificate_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    CHECK(certs.certificate_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    CHECK(certs.private_key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    fake_server_options o;
    o.tls_certificate_chain_pem = certs.certificate_pem;
    o.tls_private_key_pem = certs.private_key_pem;
    fake_server server(o);
    CHECK(server.base_url() == "https://127.0.0.1:" + std::to_string(server.port()));

    SECTION("a client trusting the generated CA connects, verifying the IP address") {
        net::ssl::context ctx(net::ssl::context::tls_client);
        ctx.add_certificate_authority(net::buffer(certs.ca_certificate_pem));
        connection c(server.port(), &ctx, "127.0.0.1");
        REQUIRE_FALSE(c.setup_error());
        const auto r = c.request("POST", "/api/jobs?job_definition_id=1", "{}", {.content_type = "application/json"});
        CHECK(r.status == 200);
        const auto g = c.request("GET", "/api/jobs/" + std::to_string(r.json().at("id").get<std::int64_t>()));
        CHECK(g.status == 200);
        CHECK(server.connections_accepted() == 1);
        const auto closing = c.request("GET", "/api/jobs/1", {}, {.close = true});
        CHECK(closing.status == 404);
    }
    SECTION("and verifying the DNS name") {
        net::ssl::context ctx(net::ssl::context::tls_client);
        ctx.add_certificate_authority(net::buffer(certs.ca_certificate_pem));
        connection c(server.port(), &ctx, "localhost");
        REQUIRE_FALSE(c.setup_error());
        CHECK(c.request("GET", "/api/jobs/1").status == 404);
    }
    SECTION("a certificate from another CA fails the handshake") {
        const auto other = trocco::testing::make_test_certificates({"127.0.0.1"});
        CHECK(other.ca_certificate_pem != certs.ca_certificate_pem);
        net::ssl::context ctx(net::ssl::context::tls_client);
        ctx.add_certificate_authority(net::buffer(other.ca_certificate_pem));
        connection c(server.port(), &ctx, "127.0.0.1");
        CHECK(c.setup_error());
        CHECK(server.count_requests("", "") == 0);
    }
    SECTION("a name the certificate does not list fails the handshake") {
        net::ssl::context ctx(net::ssl::context::tls_client);
        ctx.add_certificate_authority(net::buffer(certs.ca_certificate_pem));
        connection c(server.port(), &ctx, "trocco.io");
        CHECK(c.setup_error());
    }
    SECTION("plain HTTP to the HTTPS server gets no answer") {
        const auto r = call(server, "GET", "/api/jobs/1");
        CHECK(r.ec);
        CHECK(r.status == 0);
        CHECK(server.count_requests("", "") == 0);
    }
    SECTION("faults apply over TLS too") {
        server.inject({.what = fault::kind::close_after_read});
        net::ssl::context ctx(net::ssl::context::tls_client);
        ctx.add_certificate_authority(net::buffer(certs.ca_certificate_pem));
        connection c(server.port(), &ctx);
        REQUIRE_FALSE(c.setup_error());
        const auto r = c.request("POST", "/api/jobs?job_definition_id=1");
        CHECK(r.ec);
        CHECK(server.job_ids().size() == 1);
    }
}

TEST_CASE("fake_server: make_test_certificates rejects an empty name list", "[fake_server][tls]") {
    CHECK_THROWS_AS(trocco::testing::make_test_certificates({}), std::invalid_argument);
}

TEST_CASE("fake_server: half a TLS configuration is refused", "[fake_server][tls]") {
    fake_server_options o;
    o.tls_certificate_chain_pem = "x";
    CHECK_THROWS_AS(fake_server(o), std::invalid_argument);
}

TEST_CASE("fake_server: runs on the caller's executor", "[fake_server]") {
    net::io_context io;
    fake_server server(io.get_executor(), options_with_duration(0ms));
    std::thread runner([&] { io.run(); });
    const auto id = post_job(server, 1);
    CHECK(call(server, "GET", "/api/jobs/" + std::to_string(id)).json().at("status") == "succeeded");
    connection idle(server.port());  // left open
    REQUIRE_FALSE(idle.setup_error());
    server.stop();
    runner.join();  // returns: the acceptor and every connection were closed
    CHECK(io.stopped());
}

TEST_CASE("fake_server: destroying it closes open connections and pending delayed answers", "[fake_server]") {
    auto server = std::make_unique<fake_server>();
    const auto port = server->port();
    server->inject({.what = fault::kind::delay, .delay = 30s});
    connection idle(port);
    connection delayed(port);
    REQUIRE_FALSE(idle.setup_error());
    delayed.send("GET", "/api/jobs/1");
    const auto start = std::chrono::steady_clock::now();
    while (server->count_requests("GET", "/api/jobs/1") == 0 && std::chrono::steady_clock::now() - start < 5s) {
        std::this_thread::sleep_for(5ms);
    }
    REQUIRE(server->count_requests("GET", "/api/jobs/1") == 1);
    server.reset();
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    const auto r = delayed.receive();
    CHECK(r.ec);
    CHECK(r.status == 0);
    CHECK(idle.request("GET", "/api/jobs/1").status == 0);
    connection refused(port);
    CHECK(refused.setup_error());
}

TEST_CASE("fake_server: concurrent clients while another thread reads the records", "[fake_server]") {
    fake_server server(options_with_duration(0ms));
    std::atomic<bool> done{false};
    std::vector<std::thread> clients;
    std::atomic<int> ok{0};
    for (int t = 0; t < 4; ++t) {
        clients.emplace_back([&, t] {
            connection c(server.port());
            for (int i = 0; i < 25; ++i) {
                const auto r = c.request("POST", "/api/jobs?job_definition_id=" + std::to_string(t + 1), "{}",
                                         {.content_type = "application/json"});
                if (r.status == 200) ++ok;
            }
        });
    }
    std::size_t max_seen = 0;
    std::thread reader([&] {
        while (!done) {
            max_seen = std::max(max_seen, server.requests().size());
            (void)server.count_requests("POST", "/api/jobs");
            (void)server.job_ids();
            std::this_thread::yield();
        }
    });
    for (auto& c : clients) c.join();
    done = true;
    reader.join();
    CHECK(ok == 100);
    CHECK(server.count_requests("POST", "/api/jobs") == 100);
    CHECK(server.connections_accepted() == 4);
    CHECK(server.job_ids().size() == 100);
    CHECK(max_seen <= 100);
}
