// The baseline of the asio compile-time figures: a minimal asynchronous HTTPS GET with Boost.Beast, what any
// program that talks HTTPS through Beast compiles at least (resolve, connect, TLS handshake with verification,
// write a request, read a string response). See with_asio.cpp. Compiled only, never run.
#include <utility>  // Boost 1.74's asio headers use std::exchange without including <utility>

#include <iostream>
#include <memory>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

struct session : std::enable_shared_from_this<session> {
    session(net::io_context& io, net::ssl::context& tls) : resolver(io), stream(io, tls) {}

    void start(const std::string& host) {
        SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
        stream.set_verify_mode(net::ssl::verify_peer);
        stream.set_verify_callback(net::ssl::host_name_verification(host));
        request = {http::verb::get, "/api/jobs/1", 11};
        request.set(http::field::host, host);
        resolver.async_resolve(host, "443", [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
            if (ec) return;
            beast::get_lowest_layer(self->stream).expires_after(std::chrono::seconds(10));
            beast::get_lowest_layer(self->stream).async_connect(r, [self](beast::error_code e, const tcp::endpoint&) {
                if (e) return;
                self->stream.async_handshake(net::ssl::stream_base::client, [self](beast::error_code e2) {
                    if (e2) return;
                    http::async_write(self->stream, self->request, [self](beast::error_code e3, std::size_t) {
                        if (e3) return;
                        http::async_read(self->stream, self->buffer, self->response, [self](beast::error_code e4, std::size_t) {
                            if (!e4) std::cout << self->response.result_int() << ' ' << self->response.body() << '\n';
                        });
                    });
                });
            });
        });
    }

    tcp::resolver resolver;
    beast::ssl_stream<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
    http::request<http::empty_body> request;
    http::response<http::string_body> response;
};

}  // namespace

int main() {
    net::io_context io;
    net::ssl::context tls{net::ssl::context::tls_client};
    tls.set_default_verify_paths();
    std::make_shared<session>(io, tls)->start("trocco.io");
    io.run();
}
