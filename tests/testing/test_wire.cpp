// The bytes of an answer (trocco::testing::detail::to_wire), without sockets.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <trocco/testing/detail/wire.hpp>

#include "../catch.hpp"

using trocco::testing::reply_action;
using trocco::testing::reply_plan;
using trocco::testing::detail::padded_body;
using trocco::testing::detail::to_wire;

namespace {

reply_plan json_plan(std::string body = R"({"id":1,"status":"queued"})") {
    reply_plan p;
    p.body = std::move(body);
    p.headers = {{"X-Rate-Limit-Remaining", "3499"}};
    return p;
}

std::string whole(const padded_body& b) {
    std::string out(static_cast<std::size_t>(b.size()), '\0');
    b.copy(0, out.data(), out.size());
    return out;
}

}  // namespace

TEST_CASE("wire: a plain answer", "[wire]") {
    const auto w = to_wire(json_plan());
    CHECK(w.interim.empty());
    CHECK(w.head ==
          "HTTP/1.1 200 OK\r\nServer: trocco-fake-server\r\nContent-Type: application/json; charset=utf-8\r\n"
          "Content-Length: 26\r\nConnection: keep-alive\r\nX-Rate-Limit-Remaining: 3499\r\n\r\n");
    CHECK(w.body == R"({"id":1,"status":"queued"})");
    CHECK_FALSE(w.close_after);
    CHECK_FALSE(w.padded.has_value());

    auto p = json_plan("");
    p.status = 599;
    p.keep_alive = false;
    const auto e = to_wire(p);
    CHECK(e.head.starts_with("HTTP/1.1 599 Unknown\r\n"));
    CHECK(e.head.find("Content-Type") == std::string::npos);
    CHECK(e.head.find("Content-Length: 0\r\n") != std::string::npos);
    CHECK(e.head.find("Connection: close\r\n") != std::string::npos);
    CHECK(e.close_after);
}

TEST_CASE("wire: interim answers come first, each complete", "[wire]") {
    auto p = json_plan();
    p.interim = {{100, {}}, {103, {{"Link", "</a>; rel=preload"}}}};
    const auto w = to_wire(p);
    CHECK(w.interim == "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n");
    CHECK(w.head.starts_with("HTTP/1.1 200 OK\r\n"));
}

TEST_CASE("wire: truncated answers", "[wire]") {
    auto p = json_plan();
    p.action = reply_action::truncate_then_close;
    auto w = to_wire(p);
    CHECK(w.head.find("Content-Length: 52\r\n") != std::string::npos);  // 26 declared twice over
    CHECK(w.body.size() == 26);
    CHECK(w.close_after);
    CHECK(w.head.find("Connection: close\r\n") != std::string::npos);

    p.action = reply_action::truncated_chunked;
    w = to_wire(p);
    CHECK(w.head.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
    CHECK(w.head.find("Content-Length") == std::string::npos);
    CHECK(w.body == "d\r\n{\"id\":1,\"stat\r\n");  // half the body in one chunk, no last chunk
    CHECK(w.close_after);

    auto one_byte = json_plan("{");  // half of one byte is nothing: no chunk at all (an empty one would end the body)
    one_byte.action = reply_action::truncated_chunked;
    CHECK(to_wire(one_byte).body.empty());
}

TEST_CASE("wire: a malformed status line replaces the real one", "[wire]") {
    auto p = json_plan();
    p.status_line = "HTTP/1.1 abc Not A Status";
    const auto w = to_wire(p);
    CHECK(w.head.starts_with("HTTP/1.1 abc Not A Status\r\nServer: trocco-fake-server\r\n"));
    CHECK(w.close_after);
}

TEST_CASE("wire: a padded body is the real answer plus a long string, valid JSON of the exact size", "[wire]") {
    auto p = json_plan();
    p.padded_body_bytes = 100'000'000;
    const auto w = to_wire(p);
    REQUIRE(w.padded.has_value());
    CHECK(w.body.empty());
    CHECK(w.head.find("Content-Length: 100000000\r\n") != std::string::npos);
    CHECK(w.padded->size() == 100'000'000);
    // Reading pieces anywhere, without ever building the whole.
    char start[20], end[4], middle[8];
    w.padded->copy(0, start, sizeof start);
    w.padded->copy(100'000'000 - 4, end, sizeof end);
    w.padded->copy(50'000'000, middle, sizeof middle);
    CHECK(std::string_view(start, sizeof start) == R"({"id":1,"status":"qu)");
    CHECK(std::string_view(end, sizeof end) == "aa\"}");
    CHECK(std::string_view(middle, sizeof middle) == "aaaaaaaa");

    const padded_body small(R"({"id":1})", 40);
    const auto text = whole(small);
    CHECK(text.size() == 40);
    const auto j = nlohmann::json::parse(text, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j.at("id") == 1);
    CHECK(j.at("padding").get<std::string>().size() == 40 - std::string_view(R"({"id":1,"padding":""})").size());
    CHECK(nlohmann::json::parse(whole(padded_body("{}", 20)), nullptr, false).at("padding").is_string());
    CHECK(nlohmann::json::parse(whole(padded_body("not json", 20)), nullptr, false).is_object());

    // Too small for the real answer: the real answer is sent as is.
    p.padded_body_bytes = 5;
    const auto real = to_wire(p);
    CHECK_FALSE(real.padded.has_value());
    CHECK(real.body == p.body);
}
