// trocco/trocco.hpp - everything of the protocol core in one include.
#pragma once

#include "context_time.hpp"
#include "errc.hpp"
#include "error.hpp"
#include "http.hpp"
#include "http_status.hpp"
#include "job.hpp"
#include "job_status.hpp"
#include "rate_limit.hpp"
#include "request_builder.hpp"
#include "requests.hpp"
#include "response_parser.hpp"
#include "result.hpp"
#include "timestamp.hpp"
#include "url.hpp"
#include "version.hpp"
