// adapters/asio/src/trocco_asio.cpp - the separately compiled asio adapter: the definitions of
// trocco::asio::transport and its internals, compiled once (Meson: static library behind the dependency
// `trocco-asio-compiled`). Every translation unit of a program using it defines TROCCO_SEPARATE_COMPILATION, so
// that <trocco/asio.hpp> only declares the transport there and includes neither Beast nor OpenSSL's headers.
//
// The core's own definitions come from src/trocco.cpp (dependency `trocco-compiled`), which the program links too.
#if !defined(TROCCO_SEPARATE_COMPILATION)
#error "compile trocco_asio.cpp with TROCCO_SEPARATE_COMPILATION defined (and every file that uses it)"
#endif

#include <trocco/asio/impl/transport.ipp>
