// Fuzz target: the base-URL parser and the request builder (parse_url, request_builder::create, the requests it
// builds, redact).
//
// Input: the URL up to the first '\n', then the API key (the rest, '\n' included). Without a '\n' the whole input is
// the URL and the key is a fixed one.
// Checked: nothing crashes; an accepted URL has scheme http or https, a host, a non-zero port and a target starting
// with '/', and rebuilt from its parts (scheme://host_header()target) it parses to the same parts; a rejected URL is
// an invalid_argument whose message names the input. create() rejects exactly a bad URL (with parse_url's message),
// a query in it, or a bad key; its message does not depend on what the key says (so it cannot leak it); an
// accepted pair builds requests whose URLs are base_url() plus the documented path, parse as URLs on the same host,
// and carry the key only in `Authorization: Token <key>`; redact() leaves no copy of the key, nor the head of one
// cut before "...".
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <trocco/detail/text.hpp>
#include <trocco/request_builder.hpp>
#include <trocco/url.hpp>

#include "fuzz_support.hpp"

namespace {

using trocco_fuzz::contains;
using trocco_fuzz::fail;

void check_url(std::string_view text) {
    const auto parts = trocco::parse_url(text);
    if (!parts) {
        if (parts.error().kind() != trocco::errc::invalid_argument || !parts.error().message().starts_with("url ")) {
            fail("parse_url", "a rejection is not an invalid_argument naming the input");
        }
        return;
    }
    if ((parts->scheme != "http" && parts->scheme != "https") || parts->host.empty() || parts->port == 0 ||
        !parts->target.starts_with("/") || contains(parts->target, "#")) {
        fail("parse_url", "accepted URL with impossible parts");
    }
    const std::string rebuilt = parts->scheme + "://" + parts->host_header() + parts->target;
    const auto again = trocco::parse_url(rebuilt);
    if (!again || !(*again == *parts)) {
        fail("parse_url", "rebuilt from its parts, the URL parses differently: " + rebuilt);
    }
}

// The key with every ASCII letter and digit shifted to the next one: the same kind of key (same length, same
// control characters, spaces and UTF-8 validity) that says something else.
std::string shifted(std::string_view key) {
    std::string out(key);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c == 'z' ? 'a' : c + 1);
        else if (c >= 'A' && c <= 'Z') c = static_cast<char>(c == 'Z' ? 'A' : c + 1);
        else if (c >= '0' && c <= '9') c = static_cast<char>(c == '9' ? '0' : c + 1);
    }
    return out;
}

// `request` is built with the key, `twin` the same way with shifted(key): apart from the Authorization value they
// must be identical, so the key is nowhere else in the request (whatever it says).
void check_request(const trocco::result<trocco::http_request>& request,
                   const trocco::result<trocco::http_request>& twin, const trocco::url_parts& base,
                   const std::string& expected_url, std::string_view key) {
    if (!request || !twin) fail("request_builder", "could not build a request from valid arguments");
    if (request->url != expected_url) fail("request_builder", "unexpected URL " + request->url);
    const auto parts = trocco::parse_url(request->url);
    if (!parts || parts->scheme != base.scheme || parts->host != base.host || parts->port != base.port) {
        fail("request_builder", "the request URL does not parse to the base URL's host: " + request->url);
    }
    const auto* authorization = trocco::find_header(request->headers, "Authorization");
    if (!authorization || *authorization != "Token " + std::string(key)) fail("request_builder", "bad Authorization");
    if (request->url != twin->url || request->body != twin->body || request->method != twin->method ||
        request->headers.size() != twin->headers.size()) {
        fail("request_builder", "the request depends on the key outside the Authorization header");
    }
    for (std::size_t i = 0; i < request->headers.size(); ++i) {
        const auto& h = request->headers[i];
        if (h.name != twin->headers[i].name || (h.name != "Authorization" && h.value != twin->headers[i].value)) {
            fail("request_builder", "a header other than Authorization depends on the key");
        }
    }
}

void check_redaction(const trocco::request_builder& builder, std::string_view key) {
    // Only for keys that "[redacted]" cannot re-form (no brackets, not a piece of the word): for those the
    // documented promise is exact.
    if (key.find_first_of("[]") != std::string_view::npos || contains("redacted", key)) return;
    const std::string k(key);
    const std::string text = "server said: " + k + " and " + k + k + " / " + k.substr(0, key.size() - 1) + "...";
    const std::string clean = builder.redact(text);
    if (contains(clean, key)) fail("redact", "the key survived redaction");
    for (std::size_t n = 4; n < key.size(); ++n) {
        if (clean.ends_with(k.substr(0, n) + "...")) fail("redact", "the head of the key survived before \"...\"");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto newline = input.find('\n');
    const std::string_view url = input.substr(0, newline);
    const std::string_view key = newline == std::string_view::npos ? "tra_fuzz_key_0001" : input.substr(newline + 1);

    check_url(url);

    const auto builder = trocco::request_builder::create(url, key);
    const auto parts = trocco::parse_url(url, "base_url");
    if (!parts) {
        if (builder || builder.error().message() != parts.error().message()) {
            fail("request_builder::create", "a bad base_url is not rejected with parse_url's message");
        }
        return 0;
    }
    if (!builder) {
        if (builder.error().kind() != trocco::errc::invalid_argument) fail("request_builder::create", "not invalid_argument");
        const auto other = trocco::request_builder::create(url, shifted(key));
        if (other || other.error().message() != builder.error().message()) {
            fail("request_builder::create", "the message depends on what the key says");
        }
        const bool bad_key = key.empty() || trocco::detail::has_control_char(key) || key.front() == ' ' ||
                             key.back() == ' ' || !trocco::detail::is_valid_utf8(key);
        if (!bad_key && !contains(parts->target, "?")) fail("request_builder::create", "rejected a valid pair");
        return 0;
    }
    if (contains(parts->target, "?")) fail("request_builder::create", "accepted a base_url with a query");
    std::string base(url);
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (builder->base_url() != base) fail("request_builder", "base_url() is not the URL without trailing slashes");

    const auto twin = trocco::request_builder::create(url, shifted(key));
    if (!twin) fail("request_builder::create", "accepted a key but not the same key shifted");
    const trocco::run_job_request run{.job_definition_id = 42, .custom_variables = {{"$v$", "x"}}};
    const trocco::run_workflow_request run_workflow{.workflow_definition_id = 3, .context_time = "2024-02-29 23:59:59"};
    check_request(builder->get_job(7), twin->get_job(7), *parts, base + "/api/jobs/7", key);
    check_request(builder->get_workflow_job(INT64_MAX), twin->get_workflow_job(INT64_MAX), *parts,
                  base + "/api/pipeline_jobs/9223372036854775807", key);
    check_request(builder->run_job(run), twin->run_job(run), *parts, base + "/api/jobs?job_definition_id=42", key);
    check_request(builder->run_workflow(run_workflow), twin->run_workflow(run_workflow), *parts,
                  base + "/api/pipeline_jobs?pipeline_definition_id=3", key);
    check_redaction(*builder, key);
    return 0;
}
