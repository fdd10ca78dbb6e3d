// trocco/request_builder.hpp - builds the HTTP requests of the API's endpoints. Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "detail/config.hpp"
#include "http.hpp"
#include "job_kind.hpp"
#include "requests.hpp"
#include "result.hpp"

namespace trocco {

/// Builds requests for one account: the base URL and API key are checked once, at create(), and every request
/// then carries `Authorization: Token <key>`, `Accept: application/json`, `User-Agent: trocco-cpp/<version>`,
/// and `Content-Type: application/json` when it has a body. Every input is checked before anything is built;
/// a bad one gives errc::invalid_argument whose message names the field (and never contains the key).
///
/// The definition id of a run goes in the query string for every kind (`POST /api/jobs?job_definition_id=42`), as
/// trocco documents it for transfer jobs and workflows; the other run parameters go in a JSON body ("{}" when none
/// is set). For datamart jobs trocco's pages show only a JSON body; the query form is used there too, because a
/// Rails backend such as trocco's merges query and body parameters, so one form serves every endpoint.
class request_builder {
public:
    /// `base_url`: "https://trocco.io" (a path prefix and a trailing slash are fine). `api_key`: non-empty, no
    /// control characters, no surrounding whitespace, valid UTF-8.
    TROCCO_DECL static result<request_builder> create(std::string_view base_url, std::string_view api_key);

    /// POST {base}/api/jobs?job_definition_id=N with a JSON body of the set fields.
    TROCCO_DECL result<http_request> run_job(const run_job_request& request) const;
    /// POST {base}/api/pipeline_jobs?pipeline_definition_id=N with a JSON body of the set fields.
    TROCCO_DECL result<http_request> run_workflow(const run_workflow_request& request) const;
    /// POST {base}/api/datamart_jobs?datamart_definition_id=N with a JSON body of the set fields.
    TROCCO_DECL result<http_request> run_datamart_job(const run_datamart_job_request& request) const;

    /// GET {base}/api/jobs/{id}
    result<http_request> get_job(std::int64_t job_id) const { return get(job_kind::transfer, job_id); }
    /// GET {base}/api/pipeline_jobs/{id}
    result<http_request> get_workflow_job(std::int64_t workflow_job_id) const {
        return get(job_kind::workflow, workflow_job_id);
    }
    /// The status GET of a job of any kind, for code generic over kinds; errc::invalid_argument for a datamart job
    /// (trocco has no endpoint to read one).
    TROCCO_DECL result<http_request> get(job_kind kind, std::int64_t job_id) const;

    /// GET {base}/api/job_definitions/{id}/jobs with the query's filters, one page: `cursor` is the previous page's
    /// next_cursor, empty for the first page. start_time and end_time must be "YYYY-MM-DD HH:MM:SS"; page_size
    /// 1..100.
    TROCCO_DECL result<http_request> job_history(std::int64_t job_definition_id, const job_history_query& query,
                                                 std::string_view cursor = {}) const;
    /// GET {base}/api/job_definitions, /api/pipeline_definitions or /api/datamart_definitions, one page. The name
    /// filter is refused for workflow definitions (trocco has none); page_size is 1..100 for transfer definitions
    /// and 1..200 for the others.
    TROCCO_DECL result<http_request> definitions(job_kind kind, const definition_query& query,
                                                 std::string_view cursor = {}) const;

    /// The base URL without trailing slashes.
    const std::string& base_url() const noexcept { return base_; }

    /// `text` with every occurrence of the API key replaced by "[redacted]": applied to any text that came from
    /// outside (a server message) before it reaches an error, so that a server echoing the key cannot leak it.
    /// A server message cut at its length limit ends in "..." (see error_from_response): the head of a key cut
    /// there (4 bytes or more) is redacted too.
    TROCCO_DECL std::string redact(std::string text) const;

private:
    TROCCO_DECL request_builder(std::string base, std::string api_key);

    TROCCO_DECL http_request make_request(http_method method, std::string url) const;
    TROCCO_DECL http_request make_post(std::string url, std::string body) const;

    std::string base_;
    std::string api_key_;
    std::string authorization_;
};

}  // namespace trocco

#if defined(TROCCO_HEADER_ONLY)
#include "impl/request_builder.ipp"
#endif
