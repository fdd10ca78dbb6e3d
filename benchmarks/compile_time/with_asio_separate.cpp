// with_asio.cpp in the separately compiled mode: <trocco/asio.hpp> then declares the transport only (no Beast, no
// OpenSSL headers); the definitions come from the trocco_asio library (adapters/asio/src/trocco_asio.cpp). A program
// defines TROCCO_SEPARATE_COMPILATION for every translation unit (Meson: dependency trocco-asio-compiled); here
// the file does it itself so that it can be compiled alone.
#define TROCCO_SEPARATE_COMPILATION 1
#include "with_asio.cpp"
