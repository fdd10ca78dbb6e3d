// trocco/testing/detail/config.hpp - how the fake server is compiled: header-only (the default) or separately.
//
// Header-only: fake_server.hpp defines every member, and with them includes the listener and the Beast sessions
// behind it (TROCCO_TESTING_DECL is `inline`). With TROCCO_TESTING_SEPARATE_COMPILATION defined (for every
// translation unit of the program, and for testing/src/fake_server.cpp), fake_server.hpp only declares the members
// that touch the listener and includes no Beast: fake_server.cpp defines them once, so that a test program whose
// every file includes the fake server code-generates its Beast sessions once (Meson: `trocco-testing-separate`).
// That mode is independent of the core's: the library and the program then both use the header-only core.
//
// TROCCO_SEPARATE_COMPILATION (the core and the adapters compiled once) implies it: a program on the compiled core
// gets the fake server's bodies from `trocco-testing-compiled` too (testing/src/fake_server_compiled.cpp), so the
// two macros never disagree between that library and the program that links it.
#pragma once

#include <trocco/detail/config.hpp>

#if defined(TROCCO_SEPARATE_COMPILATION) && !defined(TROCCO_TESTING_SEPARATE_COMPILATION)
#define TROCCO_TESTING_SEPARATE_COMPILATION 1
#endif

#if defined(TROCCO_TESTING_SEPARATE_COMPILATION)
#define TROCCO_TESTING_DECL
#else
#define TROCCO_TESTING_HEADER_ONLY 1
#define TROCCO_TESTING_DECL inline
#endif
