// trocco/url.hpp - splitting an absolute http/https URL into what a transport needs to connect.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "detail/text.hpp"
#include "result.hpp"

namespace trocco {

/// The parts of an absolute URL. `host` is without brackets for an IPv6 literal ("::1"); `target` is the
/// path and query sent in the request line ("/api/jobs/1"), "/" when the URL has no path.
struct url_parts {
    std::string scheme;  ///< "http" or "https", lower case
    std::string host;  ///< the host name or address, lower case
    std::uint16_t port = 0;  ///< the explicit port, else 80 or 443
    std::string target;  ///< path and query

    /// Whether the scheme is https.
    bool is_https() const noexcept { return scheme == "https"; }
    /// The Host header value: host, bracketed if IPv6, with ":port" unless it is the scheme's default.
    std::string host_header() const {
        // Appended piece by piece: g++ 12 at -O2 and above warns falsely (-Wrestrict) on "literal" + std::string.
        const bool bracketed = host.find(':') != std::string::npos;
        std::string h;
        if (bracketed) h += '[';
        h += host;
        if (bracketed) h += ']';
        if (port != (is_https() ? 443 : 80)) {
            h += ':';
            h += std::to_string(port);
        }
        return h;
    }

    friend bool operator==(const url_parts&, const url_parts&) = default;
};

/// Parses "http[s]://host[:port][/path][?query]". Rejects other schemes, a missing host, user info ("user@"),
/// a fragment, a bad port, whitespace and control characters, invalid UTF-8, each as errc::invalid_argument
/// naming the problem.
/// `what` names the input in messages ("base_url").
inline result<url_parts> parse_url(std::string_view url, std::string_view what = "url") {
    const auto fail = [&](std::string_view why) {
        return error{errc::invalid_argument, std::string(what) + " " + std::string(why)};
    };
    for (char c : url) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return fail("must not contain spaces or control characters");
    }
    if (!detail::is_valid_utf8(url)) return fail("must be valid UTF-8");
    url_parts parts;
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return fail("must start with http:// or https://");
    for (char c : url.substr(0, scheme_end)) parts.scheme += detail::ascii_lower(c);
    if (parts.scheme != "http" && parts.scheme != "https") return fail("must start with http:// or https://");

    std::string_view rest = url.substr(scheme_end + 3);
    const auto authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view tail = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
    if (tail.find('#') != std::string_view::npos) return fail("must not contain a fragment (#)");
    if (authority.find('@') != std::string_view::npos) return fail("must not contain user info (user@host)");

    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {  // IPv6 literal
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return fail("has an unterminated IPv6 address");
        parts.host = std::string(authority.substr(1, close - 1));
        // Hex digits, colons and (for an embedded IPv4 part) dots only, with at least one colon: "[~" or "[abc]"
        // would make a Host header that does not parse back.
        const bool ipv6_like = parts.host.find(':') != std::string::npos &&
                               parts.host.find_first_not_of("0123456789abcdefABCDEF:.") == std::string::npos;
        if (!ipv6_like) return fail("has a bracketed host that is not an IPv6 address");
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return fail("has text after the IPv6 address");
            port_text = after.substr(1);
            if (port_text.empty()) return fail("has an empty port");
        }
    } else {
        const auto colon = authority.rfind(':');
        parts.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) return fail("has an empty port");
        }
        // "a:b:80" or "::1": a colon left in the host is not a port separator; IPv6 must be in brackets.
        if (parts.host.find(':') != std::string::npos) {
            return fail("has a ':' in the host (an IPv6 address must be in brackets)");
        }
    }
    if (parts.host.empty()) return fail("must name a host");

    parts.port = parts.is_https() ? 443 : 80;
    if (!port_text.empty()) {
        unsigned long port = 0;
        for (char c : port_text) {
            if (c < '0' || c > '9' || port > 65535) return fail("has an invalid port");
            port = port * 10 + static_cast<unsigned long>(c - '0');
        }
        if (port == 0 || port > 65535) return fail("has an invalid port");
        parts.port = static_cast<std::uint16_t>(port);
    }
    if (tail.empty() || tail.front() != '/') parts.target += '/';  // not "/" + string: see host_header()
    parts.target += tail;
    return parts;
}

}  // namespace trocco
