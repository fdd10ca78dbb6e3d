// trocco/job_kind.hpp - what differs between the kinds of trocco job, in one place: transfer jobs, workflow jobs
// and datamart jobs. The client, the request builder, the response parser and the command-line tool all read it
// instead of forking per kind.
#pragma once

#include <cstdint>
#include <string_view>

namespace trocco {

struct job;
struct workflow_job;
struct datamart_job;
struct run_job_request;
struct run_workflow_request;
struct run_datamart_job_request;

/// The kinds of job trocco runs. The wire calls a workflow a "pipeline" (/api/pipeline_jobs, pipeline_definition_id);
/// this library calls it a workflow everywhere a user reads.
enum class job_kind : unsigned char { transfer, workflow, datamart };

/// The facts of one job kind: its names, its wire paths and fields, and how a wait treats it.
struct job_kind_info {
    job_kind kind;  ///< the kind these facts are of
    std::string_view name;                   ///< "transfer job", for messages
    std::string_view definition_name;        ///< "transfer definition"
    std::string_view cli_noun;               ///< "job": the command-line tool's word (`trocco job run 42`)
    std::string_view run_path;               ///< POST; the definition id goes in the query string
    std::string_view status_path;            ///< GET prefix, the job id follows; empty: trocco has no status endpoint
    std::string_view wire_definition_field;  ///< "job_definition_id", "pipeline_definition_id", "datamart_definition_id"
    std::string_view wire_name_field;        ///< the definition's name in a job answer; empty when none is sent
    /// A job of this kind that reads `error` may still be retried automatically by trocco (a workflow's retry
    /// setting: error -> retry_waiting -> queued): a wait confirms such an `error` before taking it as final.
    bool error_may_be_retried;
    /// GET /api/job_definitions/{id}/jobs lists jobs of this kind (used to reconcile an unknown trigger outcome).
    bool has_history;
};

namespace detail {

inline constexpr job_kind_info job_kinds[] = {
    {job_kind::transfer, "transfer job", "transfer definition", "job", "/api/jobs", "/api/jobs/",
     "job_definition_id", "job_definition_name", false, true},
    {job_kind::workflow, "workflow job", "workflow definition", "workflow", "/api/pipeline_jobs",
     "/api/pipeline_jobs/", "pipeline_definition_id", "name", true, false},
    {job_kind::datamart, "datamart job", "datamart definition", "datamart", "/api/datamart_jobs", "",
     "datamart_definition_id", "", false, false},
};

}  // namespace detail

/// The facts of `kind`.
constexpr const job_kind_info& info(job_kind kind) noexcept { return detail::job_kinds[static_cast<unsigned>(kind)]; }

/// "transfer job", "workflow job", "datamart job".
constexpr std::string_view to_string(job_kind kind) noexcept { return info(kind).name; }

/// The compile-time side: which model and which run request belong to a kind. `job_traits<trocco::job>::kind`.
template <class Job>
struct job_traits;

template <>
/// Transfer jobs.
struct job_traits<job> {
    static constexpr job_kind kind = job_kind::transfer;  ///< the kind of the model
    using run_request = run_job_request;  ///< the request that starts one
};

template <>
/// Workflow jobs.
struct job_traits<workflow_job> {
    static constexpr job_kind kind = job_kind::workflow;  ///< the kind of the model
    using run_request = run_workflow_request;  ///< the request that starts one
};

template <>
/// Datamart jobs.
struct job_traits<datamart_job> {
    static constexpr job_kind kind = job_kind::datamart;  ///< the kind of the model
    using run_request = run_datamart_job_request;  ///< the request that starts one
};

/// A model type of the library's jobs: trocco::job, trocco::workflow_job or trocco::datamart_job.
template <class Job>
concept job_model = requires { job_traits<Job>::kind; };

}  // namespace trocco
