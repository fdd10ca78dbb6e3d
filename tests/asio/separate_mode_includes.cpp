// Compiled with TROCCO_SEPARATE_COMPILATION (dependency trocco-asio-compiled): the adapter's public headers then
// declare the transport only, so that a user's translation unit compiles neither Beast nor OpenSSL's headers.
#include <trocco/asio.hpp>
#include <trocco/transport.hpp>

#if !defined(TROCCO_SEPARATE_COMPILATION)
#error "this check is meant for the separately compiled mode"
#endif
#if defined(BOOST_BEAST_VERSION) || defined(BOOST_BEAST_CORE_HPP) || defined(BOOST_BEAST_HTTP_PARSER_HPP)
#error "<trocco/asio.hpp> includes Boost.Beast in the separately compiled mode"
#endif
#if defined(OPENSSL_SSL_H) || defined(HEADER_SSL_H) || defined(BOOST_ASIO_SSL_STREAM_HPP)
#error "<trocco/asio.hpp> includes OpenSSL (or asio/ssl) in the separately compiled mode"
#endif

// The transport is complete enough to use: it models the Transport concept.
static_assert(trocco::transport<trocco::asio::transport>);
