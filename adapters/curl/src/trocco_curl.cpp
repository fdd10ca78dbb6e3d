// adapters/curl/src/trocco_curl.cpp - the curl adapter compiled once, for programs built with
// TROCCO_SEPARATE_COMPILATION (Meson: dependency `trocco-curl-compiled`, which defines the macro for its users).
// Every translation unit of such a program sees only declarations in <trocco/curl.hpp>, without <curl/curl.h>.
#if !defined(TROCCO_SEPARATE_COMPILATION)
#error "src/trocco_curl.cpp is the separately compiled curl adapter: compile it with -DTROCCO_SEPARATE_COMPILATION"
#endif

#include <trocco/curl.hpp>

#include <trocco/curl/impl/engine.ipp>
#include <trocco/curl/impl/global_init.ipp>
#include <trocco/curl/impl/transfer.ipp>
