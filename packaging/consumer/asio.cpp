// A program on the Boost.Asio transport (trocco::asio or trocco::asio_compiled): one GET to a closed loopback
// port, which must fail with errc::connect_failed. Proves that the installed adapter compiles and links with
// Boost, OpenSSL and threads.
#include <trocco/asio.hpp>
#include <trocco/trocco.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <exception>

int main() {
    boost::asio::io_context io;
    trocco::asio::transport transport{io.get_executor()};
    trocco::client_options options{.api_key = "consumer-key", .base_url = "http://127.0.0.1:9"};
    options.retry.max_attempts = 1;
    trocco::client client{transport, options};
    bool as_expected = false;
    trocco::asio::async_run(io.get_executor(), client.get_job(7),
                            [&](std::exception_ptr e, trocco::result<trocco::job> job) {
                                as_expected = !e && !job && job.error().code() == trocco::errc::connect_failed;
                            });
    io.run();
    std::puts(as_expected ? "consumer asio: connect_failed, as expected"
                          : "consumer asio: expected connect_failed from a closed port");
    return as_expected ? 0 : 1;
}
