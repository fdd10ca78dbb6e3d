// Tests of trocco::parse_url and url_parts::host_header.
#include <trocco/trocco.hpp>

#include <cstdint>
#include <string>

#include "../catch.hpp"

TEST_CASE("parse_url splits an absolute URL into scheme, host, port and target", "[url]") {
    struct case_t {
        const char* url;
        const char* scheme;
        const char* host;
        std::uint16_t port;
        const char* target;
        bool https;
    };
    const case_t cases[] = {
        {"https://trocco.io", "https", "trocco.io", 443, "/", true},
        {"http://trocco.io", "http", "trocco.io", 80, "/", false},
        {"https://trocco.io/", "https", "trocco.io", 443, "/", true},
        {"HTTPS://Trocco.IO/API", "https", "Trocco.IO", 443, "/API", true},
        {"HtTp://example.com", "http", "example.com", 80, "/", false},
        {"https://trocco.io/api/jobs/1", "https", "trocco.io", 443, "/api/jobs/1", true},
        {"https://trocco.io/api/jobs?job_definition_id=123", "https", "trocco.io", 443,
         "/api/jobs?job_definition_id=123", true},
        {"https://trocco.io?x=1&y=2", "https", "trocco.io", 443, "/?x=1&y=2", true},
        {"https://trocco.io:8443/api", "https", "trocco.io", 8443, "/api", true},
        {"http://localhost:8080", "http", "localhost", 8080, "/", false},
        {"http://127.0.0.1:1/x", "http", "127.0.0.1", 1, "/x", false},
        {"http://h:65535", "http", "h", 65535, "/", false},
        {"http://h:00080/", "http", "h", 80, "/", false},
        {"https://h:80", "https", "h", 80, "/", true},
        {"http://h:443", "http", "h", 443, "/", false},
        {"http://[::1]", "http", "::1", 80, "/", false},
        {"http://[::1]:8080/x?y", "http", "::1", 8080, "/x?y", false},
        {"https://[2001:db8::1]/api", "https", "2001:db8::1", 443, "/api", true},
        {"https://[2001:db8::1]:443", "https", "2001:db8::1", 443, "/", true},
        {"https://trocco.io/a@b/c", "https", "trocco.io", 443, "/a@b/c", true},
        {"https://trocco.io//double", "https", "trocco.io", 443, "//double", true},
    };
    for (const auto& c : cases) {
        CAPTURE(c.url);
        const auto r = trocco::parse_url(c.url);
        REQUIRE(r.has_value());
        CHECK(r->scheme == c.scheme);
        CHECK(r->host == c.host);
        CHECK(r->port == c.port);
        CHECK(r->target == c.target);
        CHECK(r->is_https() == c.https);
        const trocco::url_parts expected{c.scheme, c.host, c.port, c.target};
        CHECK(*r == expected);
    }
}

TEST_CASE("url_parts::host_header brackets IPv6 and adds a non-default port", "[url]") {
    struct case_t {
        const char* url;
        const char* host_header;
    };
    const case_t cases[] = {
        {"https://trocco.io", "trocco.io"},
        {"https://trocco.io:443/x", "trocco.io"},
        {"http://trocco.io:80", "trocco.io"},
        {"https://trocco.io:8443", "trocco.io:8443"},
        {"http://localhost:8080/api", "localhost:8080"},
        {"http://h:443", "h:443"},
        {"https://h:80", "h:80"},
        {"http://[::1]", "[::1]"},
        {"http://[::1]:8080", "[::1]:8080"},
        {"https://[2001:db8::1]", "[2001:db8::1]"},
        {"https://[2001:db8::1]:9443/", "[2001:db8::1]:9443"},
        {"HTTPS://Trocco.IO", "Trocco.IO"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.url);
        const auto r = trocco::parse_url(c.url);
        REQUIRE(r.has_value());
        CHECK(r->host_header() == c.host_header);
    }
}

TEST_CASE("parse_url rejects what a transport cannot use", "[url][invalid]") {
    struct case_t {
        const char* url;
        const char* why;  // a part of the message
    };
    const case_t cases[] = {
        {"", "http:// or https://"},
        {"trocco.io", "http:// or https://"},
        {"//trocco.io", "http:// or https://"},
        {"ftp://trocco.io", "http:// or https://"},
        {"ws://trocco.io", "http:// or https://"},
        {"httpx://trocco.io", "http:// or https://"},
        {"http:/trocco.io", "http:// or https://"},
        {"https://", "host"},
        {"https:///api", "host"},
        {"https://?q", "host"},
        {"https://:8080", "host"},
        {"https://[]", "host"},
        {"https://user@trocco.io", "user info"},
        {"https://user:pw@trocco.io/x", "user info"},
        {"https://trocco.io/#frag", "fragment"},
        {"https://trocco.io#frag", "fragment"},
        {"https://trocco.io/x?y#frag", "fragment"},
        {"https://trocco.io:", "port"},
        {"https://trocco.io:/x", "port"},
        {"https://trocco.io:0", "port"},
        {"https://trocco.io:65536", "port"},
        {"https://trocco.io:100000", "port"},
        {"https://trocco.io:18446744073709551617", "port"},
        {"https://trocco.io:8o", "port"},
        {"https://trocco.io:+80", "port"},
        {"https://[::1]:", "port"},
        {"https://[::1]:x", "port"},
        {"https://[::1", "IPv6"},
        {"https://[::1]x", "IPv6"},
        {"https://tro cco.io", "spaces"},
        {" https://trocco.io", "spaces"},
        {"https://trocco.io ", "spaces"},
        {"https://trocco.io/a b", "spaces"},
        {"https://trocco.io\r\nX-Injected: 1", "control"},
        {"https://trocco.io/\x7f", "control"},
        {"https://trocco.io/\xff", "UTF-8"},
        {"https://tro\xc0\xaf" "cco.io", "UTF-8"},
        {"https://trocco.io/\xe3\x81", "UTF-8"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.url);
        const auto r = trocco::parse_url(c.url);
        REQUIRE_FALSE(r.has_value());
        CAPTURE(r.error().message());
        CHECK(r.error().code() == trocco::errc::invalid_argument);
        CHECK(r.error().message().rfind("url ", 0) == 0);  // names the input
        CHECK(r.error().message().find(c.why) != std::string::npos);
    }

    SECTION("a NUL byte inside the URL") {
        const auto r = trocco::parse_url(std::string_view("https://trocco.io\0.evil.com", 27));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == trocco::errc::invalid_argument);
    }

    SECTION("the name of the input is used in the message") {
        const auto r = trocco::parse_url("ftp://x", "base_url");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().message() == "base_url must start with http:// or https://");
    }
}

TEST_CASE("parse_url rejects a bare colon in a host that is not a bracketed IPv6 address", "[url][invalid]") {
    // "a:b:80" is not a host and a port: an IPv6 literal must be in brackets (RFC 3986 3.2.2).
    for (const char* url : {"http://trocco.io:80:90", "http://::1", "http://::1:8080/", "http://a:b:c"}) {
        CAPTURE(url);
        const auto r = trocco::parse_url(url);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == trocco::errc::invalid_argument);
    }
}

TEST_CASE("parse_url: a bracketed host must look like an IPv6 address", "[url]") {
    // Found by fuzz_url (url-bracket-host): "[[~" was taken as a host, and its Host header did not parse back.
    for (const char* bad : {"http://[[~]/", "http://[abc]/", "http://[]/", "http://[1.2.3.4]/", "http://[::1%25eth0]/"}) {
        CAPTURE(bad);
        const auto r = trocco::parse_url(bad);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == trocco::errc::invalid_argument);
    }
    for (const char* good : {"http://[::1]/", "https://[2001:db8::1]:8443/x", "http://[::ffff:127.0.0.1]/"}) {
        CAPTURE(good);
        const auto r = trocco::parse_url(good);
        REQUIRE(r.has_value());
        CHECK(trocco::parse_url(r->scheme + "://" + r->host_header() + r->target).value() == *r);
    }
}
