// trocco/http.hpp - plain HTTP request and response values: what the core builds and parses, and what a
// transport sends and returns. No I/O here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "detail/text.hpp"

namespace trocco {

enum class http_method { get, post };

/// "GET" or "POST".
constexpr std::string_view to_string(http_method m) noexcept {
    return m == http_method::get ? "GET" : "POST";
}

/// One header field, as sent or received.
struct http_header {
    std::string name;  ///< the field name, in any case
    std::string value;  ///< the value, without surrounding blanks

    friend bool operator==(const http_header&, const http_header&) = default;
};

/// A request ready to send: `url` is absolute ("https://trocco.io/api/jobs/1"), `headers` are sent as given
/// (the transport adds Host, Content-Length and whatever its protocol needs), `body` is empty for a GET.
struct http_request {
    http_method method = http_method::get;  ///< GET or POST
    std::string url;  ///< absolute, http or https
    std::vector<http_header> headers;  ///< sent as given, in this order
    std::string body;  ///< the JSON body of a POST; empty for a GET
};

/// A complete HTTP answer, whatever its status: a 404 or 503 is a response, not a transport error.
struct http_response {
    int status = 0;  ///< the final HTTP status (interim 1xx answers are never given)
    std::vector<http_header> headers;  ///< as received, in order
    std::string body;  ///< the whole body
};

/// The value of the first header named `name` (compared case-insensitively, as HTTP field names are), or
/// nullptr. The pointer stays valid while `headers` is neither modified nor destroyed.
inline const std::string* find_header(const std::vector<http_header>& headers, std::string_view name) noexcept {
    for (const auto& h : headers) {
        if (detail::iequals(h.name, name)) return &h.value;
    }
    return nullptr;
}

}  // namespace trocco
