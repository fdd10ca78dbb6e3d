// tests/support/jobs.hpp - jobs as trocco answers them, built in one call: the expected value of a parser test,
// the input of a printer test. The status is given once; raw_status is its wire string, as in a real answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include <trocco/job.hpp>
#include <trocco/job_status.hpp>
#include <trocco/timestamp.hpp>

namespace test_support {

/// When a job was created, started and finished; each absent unless given.
struct job_times {
    std::optional<trocco::timestamp> created;
    std::optional<trocco::timestamp> started;
    std::optional<trocco::timestamp> finished;
};

/// The fields that name a job's definition, which the kinds spell differently.
inline auto definition_fields(trocco::job& j) { return std::tie(j.job_definition_id, j.job_definition_name); }
inline auto definition_fields(trocco::workflow_job& j) { return std::tie(j.workflow_definition_id, j.name); }

/// A transfer job (Job = trocco::job) or a workflow job (trocco::workflow_job, no context_time) of definition
/// `definition_id`, named `definition_name`, in `status`, with `times`.
template <class Job>
Job make_job(std::int64_t id, std::int64_t definition_id, std::string definition_name, trocco::job_status status,
             job_times times = {}) {
    Job j;
    j.id = id;
    definition_fields(j) = std::forward_as_tuple(definition_id, std::move(definition_name));
    j.status = status;
    j.raw_status = std::string{trocco::to_string(status)};
    j.created_at = times.created;
    j.started_at = times.started;
    j.finished_at = times.finished;
    return j;
}

/// A datamart job of definition `definition_id` in `status`, with the given context_time.
inline trocco::datamart_job datamart_job(std::int64_t id, std::int64_t definition_id, trocco::job_status status,
                                         std::optional<std::string> context_time = std::nullopt) {
    trocco::datamart_job j;
    j.id = id;
    j.datamart_definition_id = definition_id;
    j.status = status;
    j.raw_status = std::string{trocco::to_string(status)};
    j.context_time = std::move(context_time);
    return j;
}

}  // namespace test_support
