// trocco/asio/detail/request_bytes.hpp - an http_request as the bytes of an HTTP/1.1 request.
//
// Written by hand rather than through Beast's serializer: a request is a few short lines, and one string
// written with write_some needs no composed write operation per stream type.
#pragma once

#include <string>
#include <string_view>

#include <trocco/detail/text.hpp>
#include <trocco/errc.hpp>
#include <trocco/error.hpp>
#include <trocco/http.hpp>
#include <trocco/result.hpp>
#include <trocco/url.hpp>

namespace trocco::asio::detail {

/// RFC 9110 token characters: what a header name may be made of.
inline bool is_token(std::string_view name) noexcept {
    if (name.empty()) return false;
    for (const char c : name) {
        const auto b = static_cast<unsigned char>(c);
        const bool alnum = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
        if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
    }
    return true;
}

/// A field value without control characters (tab allowed): no CR or LF can smuggle in another header.
inline bool is_field_value(std::string_view value) noexcept {
    for (const char c : value) {
        const auto b = static_cast<unsigned char>(c);
        if ((b < 0x20 && b != '\t') || b == 0x7F) return false;
    }
    return true;
}

/// The header names the transport writes itself.
inline bool is_transport_header(std::string_view name) noexcept {
    return trocco::detail::iequals(name, "host") || trocco::detail::iequals(name, "content-length") ||
           trocco::detail::iequals(name, "transfer-encoding") || trocco::detail::iequals(name, "connection");
}

/// The request line, Host, the caller's headers, Content-Length for a POST, `Connection: close` without
/// keep-alive, then the body. errc::invalid_argument for a bad header (named; its value never appears in the
/// message: it may be the API key) and for a body on a GET.
inline result<std::string> request_bytes(const http_request& request, const url_parts& url, bool keep_alive) {
    if (request.method == http_method::get && !request.body.empty()) {
        return error{errc::invalid_argument, "a GET request cannot have a body"};
    }
    // Reserved to its size: the string lives as long as the send, queued sends included.
    const std::string host = url.host_header();
    const std::string content_length = std::to_string(request.body.size());
    std::size_t size = to_string(request.method).size() + url.target.size() + host.size() + request.body.size() + 32;
    for (const auto& h : request.headers) size += h.name.size() + h.value.size() + 4;
    if (request.method == http_method::post) size += content_length.size() + 18;
    if (!keep_alive) size += 19;
    std::string out;
    out.reserve(size);
    out += to_string(request.method);
    out += ' ';
    out += url.target;
    out += " HTTP/1.1\r\nHost: ";
    out += host;
    out += "\r\n";
    for (const auto& h : request.headers) {
        if (!is_token(h.name)) return error{errc::invalid_argument, "a request header name is not an HTTP token"};
        if (!is_field_value(h.value)) {
            return error{errc::invalid_argument, "the value of request header " + h.name + " has a control character"};
        }
        if (is_transport_header(h.name)) continue;
        out += h.name;
        out += ": ";
        out += h.value;
        out += "\r\n";
    }
    if (request.method == http_method::post) {
        out += "Content-Length: ";
        out += content_length;
        out += "\r\n";
    }
    if (!keep_alive) out += "Connection: close\r\n";
    out += "\r\n";
    out += request.body;
    return out;
}

}  // namespace trocco::asio::detail
