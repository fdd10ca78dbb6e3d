// trocco/detail/config.hpp - how the library is compiled: header-only (the default) or separately.
//
// Header-only: every function is defined in the headers (TROCCO_DECL is `inline`). With TROCCO_SEPARATE_COMPILATION
// defined (for every translation unit of the program, and for the one that compiles the library's sources), the
// headers only declare the non-template functions, and `src/trocco.cpp` (and an adapter's `src/*.cpp`) defines
// them once: a program that includes the headers in many files compiles their bodies, and nlohmann/json or
// Boost.Beast behind them, once. As Boost.Asio's BOOST_ASIO_SEPARATE_COMPILATION.
#pragma once

#if defined(TROCCO_SEPARATE_COMPILATION)
#define TROCCO_DECL
#else
#define TROCCO_HEADER_ONLY 1
#define TROCCO_DECL inline
#endif
