// trocco/http_status.hpp - what an HTTP status means for a trocco client.
#pragma once

#include <string>
#include <string_view>

#include "errc.hpp"

namespace trocco {

/// The error code of a non-2xx status: 400/422 bad_request, 401 unauthorized, 403 forbidden, 404 not_found,
/// 429 rate_limited, 5xx server_error, anything else http_error.
constexpr errc errc_for_status(int status) noexcept {
    switch (status) {
        case 400:
        case 422: return errc::bad_request;
        case 401: return errc::unauthorized;
        case 403: return errc::forbidden;
        case 404: return errc::not_found;
        case 429: return errc::rate_limited;
        default: return status >= 500 && status <= 599 ? errc::server_error : errc::http_error;
    }
}

constexpr bool is_success_status(int status) noexcept { return status >= 200 && status <= 299; }

/// The standard reason phrase ("Not Found"), or "" for a status without one here.
constexpr std::string_view reason_phrase(int status) noexcept {
    switch (status) {
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 413: return "Payload Too Large";
        case 422: return "Unprocessable Entity";
        case 429: return "Too Many Requests";
        case 500: return "Internal Server Error";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        default: return "";
    }
}

/// "404 Not Found", or "599" for a status without a known reason phrase.
inline std::string status_line(int status) {
    std::string line = std::to_string(status);
    if (const auto reason = reason_phrase(status); !reason.empty()) line.append(" ").append(reason);
    return line;
}

}  // namespace trocco
