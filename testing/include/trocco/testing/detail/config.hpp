// trocco/testing/detail/config.hpp - how the fake server is compiled: header-only (the default) or separately.
//
// Header-only: fake_server.hpp defines every member, and with them includes the listener and the Beast sessions
// behind it (TROCCO_TESTING_DECL is `inline`). With TROCCO_TESTING_SEPARATE_COMPILATION defined (for every
// translation unit of the program, and for testing/src/fake_server.cpp), fake_server.hpp only declares the members
// that touch the listener and includes no Beast: fake_server.cpp defines them once, so that a test program whose
// every file includes the fake server code-generates its Beast sessions once (Meson: `trocco-testing-separate`).
// That mode is independent of the core's: the library and the program then both use the header-only core.
//
// TROCCO_SEPARATE_COMPILATION (the core and the adapters compiled once) implies it, as it switches the asio
// adapter: a program that chose to compile the library once wants the Beast code compiled once too, with one
// macro. `trocco-testing-compiled` then carries the fake server's bodies (the same fake_server.cpp, compiled on the
// compiled core). Either way the program and the library it links must see the same two macros.
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
