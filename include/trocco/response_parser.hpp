// trocco/response_parser.hpp - turns an http_response into a job, a list page, or a typed error. Never throws
// (but std::bad_alloc) and never crashes, whatever the body holds.
#pragma once

#include <cstddef>
#include <cstdint>

#include "definitions.hpp"
#include "detail/config.hpp"
#include "error.hpp"
#include "http.hpp"
#include "job.hpp"
#include "job_kind.hpp"
#include "result.hpp"

namespace trocco {

namespace detail {

/// Server messages are kept, but bounded: a proxy's 1 MB error page must not become a 1 MB error message.
inline constexpr std::size_t max_server_message_bytes = 2048;

}  // namespace detail

/// The error for a non-2xx answer: the code from errc_for_status, http_status() set, and the server's message
/// from `{"error": …}`, `{"message": …}` or `{"message": …, "errors": [{"attribute": …, "message": …}]}`
/// ("message: attribute message; attribute message"), else the status line ("502 Bad Gateway"). Messages longer
/// than 2 KiB are cut (at a UTF-8 boundary) and end in "...".
TROCCO_DECL error error_from_response(const http_response& response);

/// A transfer job from a POST /api/jobs or GET /api/jobs/{id} answer. 2xx with a JSON object holding `id`,
/// `job_definition_id` and `status` gives the job; a non-2xx status gives error_from_response(); anything else
/// (not JSON, a missing required field, a wrong type, a malformed timestamp) gives errc::protocol_error naming
/// what was wrong. Unknown fields are ignored; absent or null timestamps stay empty.
TROCCO_DECL result<job> parse_job_response(const http_response& response);

/// A workflow job from a POST /api/pipeline_jobs or GET /api/pipeline_jobs/{id} answer; rules as for
/// parse_job_response, with `id`, `pipeline_definition_id` and `status` required.
TROCCO_DECL result<workflow_job> parse_workflow_job_response(const http_response& response);

/// A datamart job from a POST /api/datamart_jobs answer: `id` and `datamart_definition_id` required; `status`,
/// `context_time` and `created_at` read when present.
TROCCO_DECL result<datamart_job> parse_datamart_job_response(const http_response& response);

/// The answer about a job of `kind`, for code generic over kinds.
TROCCO_DECL result<any_job> parse_any_job_response(job_kind kind, const http_response& response);

/// One page of GET /api/job_definitions/{id}/jobs: `{"items": [job, ...], "next_cursor": ...}`. Each item is read as
/// parse_job_response reads a job. A missing or non-array `items`, an item that is not a valid job, or a
/// `next_cursor` that is neither a string nor null is errc::protocol_error naming the item.
TROCCO_DECL result<list_page<job>> parse_job_history_page(const http_response& response);

/// One page of a definition list of `kind`: items need `id` (positive integer) and `name` (string); description,
/// created_at, updated_at and labels (strings, or objects with a `name`) are read when present.
TROCCO_DECL result<list_page<definition_summary>> parse_definitions_page(job_kind kind, const http_response& response);

}  // namespace trocco

#if defined(TROCCO_HEADER_ONLY)
#include "impl/response_parser.ipp"
#endif
