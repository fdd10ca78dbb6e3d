// trocco/curl.hpp - the libcurl adapter: trocco::curl::transport and trocco::curl::global_init_guard.
//
//     trocco::curl::global_init_guard curl_init;   // first thing in main(), while single-threaded
//     trocco::curl::transport transport;           // one worker thread, one connection cache
//     trocco::client client{transport, {.api_key = key}};
//     trocco::result<trocco::job> done = trocco::sync_wait(client.run_and_wait({.job_definition_id = 42}));
//
// Or without the worker thread, driven by the calling thread (transport_options::driver):
//
//     trocco::curl::transport transport{{.driver = trocco::curl::driver::caller}};
//     trocco::result<trocco::job> done = transport.run(client.run_and_wait({.job_definition_id = 42}));
//
// Needs libcurl 7.80 or newer (7.87 for prompt stops during a DNS lookup); link with libcurl and threads
// (pkg-config / Meson dependency `trocco-curl`). Header-only, or compiled once: define TROCCO_SEPARATE_COMPILATION
// and link `trocco-curl-compiled` (see trocco/curl/transport.hpp).
#pragma once

#include "curl/global_init.hpp"
#include "curl/transport.hpp"
#include "curl/transport_options.hpp"
