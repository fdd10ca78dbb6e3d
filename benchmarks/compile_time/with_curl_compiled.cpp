// Part d of the benchmarks, curl adapter: with_curl.cpp's program against the separately compiled adapter
// (TROCCO_SEPARATE_COMPILATION, linked with `trocco-curl-compiled`): <trocco/curl.hpp> only declares, without
// <curl/curl.h>, and so do the core's headers (the wait machine, the request builder, the response parser and
// nlohmann/json behind them are compiled once elsewhere); the client<Transport> template is still compiled here.
#ifndef TROCCO_SEPARATE_COMPILATION
#define TROCCO_SEPARATE_COMPILATION
#endif

// The same program, not a copy of it: what differs is only the macro above.
#include "with_curl.cpp"
