// testing/src/fake_server.cpp - the separately compiled fake server: with TROCCO_TESTING_SEPARATE_COMPILATION (or
// TROCCO_SEPARATE_COMPILATION, which implies it) defined here and in every file of the program, fake_server.hpp
// declares the members that reach the listener and this file defines them, generating the Beast sessions once.
// Meson compiles it twice, into two libraries, one per mode of the core (testing/meson.build): on the header-only
// core for `trocco-testing-separate`, on the compiled core for `trocco-testing-compiled`.
#include <trocco/testing/detail/config.hpp>

#if !defined(TROCCO_TESTING_SEPARATE_COMPILATION)
#error "compile with -DTROCCO_TESTING_SEPARATE_COMPILATION, as every file that includes fake_server.hpp"
#endif

#include <trocco/testing/impl/fake_server.ipp>
