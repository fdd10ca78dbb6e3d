// src/trocco.cpp - the separately compiled core: with TROCCO_SEPARATE_COMPILATION defined for this file and for
// every translation unit that includes the library's headers, the headers only declare the non-template
// functions and this file defines them, once. nlohmann/json is then compiled here alone.
#if !defined(TROCCO_SEPARATE_COMPILATION)
#error "compile src/trocco.cpp with -DTROCCO_SEPARATE_COMPILATION (and every file that includes the headers)"
#endif

#include <trocco/impl/client_support.ipp>
#include <trocco/impl/error.ipp>
#include <trocco/impl/file_idempotency_store.ipp>
#include <trocco/impl/in_process_budget.ipp>
#include <trocco/impl/poll_schedule.ipp>
#include <trocco/impl/request_builder.ipp>
#include <trocco/impl/response_parser.ipp>
#include <trocco/impl/result.ipp>
#include <trocco/impl/wait_machine.ipp>
