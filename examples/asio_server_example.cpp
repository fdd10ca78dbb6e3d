// examples/asio_server_example.cpp - embedding a trocco run in an existing Asio server.
//
// A small HTTP service written with asio::awaitable coroutines has a route, POST /nightly, whose handler starts a
// trocco transfer job, co_awaits its end through trocco::asio::async_run, and answers its own client with the
// outcome. To run on its own, the program starts the bundled fake trocco server, calls its own route once as a
// client would, prints the answer and exits.
#include <utility>  // before Boost 1.74's asio headers

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <trocco/asio.hpp>
#include <trocco/testing/fake_server.hpp>
#include <trocco/trocco.hpp>

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using trocco_client = trocco::client<trocco::asio::transport>;

namespace {

// What the service answers for a finished run.
std::pair<http::status, std::string> describe(const trocco::result<trocco::job>& outcome) {
    if (outcome) return {http::status::ok, "job " + std::to_string(outcome->id) + " succeeded\n"};
    const trocco::error& e = outcome.error();
    switch (e.kind()) {
        case trocco::errc::job_failed:
        case trocco::errc::job_canceled:
        case trocco::errc::job_skipped:
            return {http::status::ok, "job " + std::to_string(*e.job_id()) + " ended " + e.last_job()->raw_status + "\n"};
        case trocco::errc::wait_timeout:
            return {http::status::gateway_timeout, e.to_string() + "\n"};
        default:
            return {http::status::bad_gateway, e.to_string() + "\n"};
    }
}

// The route handler: an ordinary asio::awaitable coroutine of the service.
net::awaitable<void> handle_connection(tcp::socket socket, trocco_client* client) {
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> request;
    co_await http::async_read(socket, buffer, request, net::use_awaitable);

    http::response<http::string_body> response;
    response.version(11);
    if (request.method() == http::verb::post && request.target() == "/nightly") {
        trocco::run_job_request run{.job_definition_id = 42, .custom_variables = {{"$day$", "2026-11-27"}}};
        trocco::wait_options wait;
        wait.poll = trocco::poll_schedule::fixed(std::chrono::milliseconds{200});
        wait.timeout = std::chrono::minutes{5};
        auto executor = co_await net::this_coro::executor;
        // The bridge: a trocco task as an Asio operation, completed with (exception_ptr, result).
        auto outcome = co_await trocco::asio::async_run(executor, client->run_and_wait(std::move(run), std::move(wait)),
                                                        net::use_awaitable);
        auto [status, text] = describe(outcome);
        response.result(status);
        response.body() = std::move(text);
    } else {
        response.result(http::status::not_found);
        response.body() = "no such route\n";
    }
    response.prepare_payload();
    co_await http::async_write(socket, response, net::use_awaitable);
}

net::awaitable<void> serve(tcp::acceptor* acceptor, trocco_client* client) {
    for (;;) {
        tcp::socket socket = co_await acceptor->async_accept(net::use_awaitable);
        net::co_spawn(acceptor->get_executor(), handle_connection(std::move(socket), client), net::detached);
    }
}

// Plays the service's own client: POST /nightly, print the answer.
net::awaitable<void> call_route(tcp::endpoint service, std::string* answer) {
    tcp::socket socket(co_await net::this_coro::executor);
    co_await socket.async_connect(service, net::use_awaitable);
    http::request<http::string_body> request{http::verb::post, "/nightly", 11};
    request.set(http::field::host, "localhost");
    request.prepare_payload();
    co_await http::async_write(socket, request, net::use_awaitable);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    co_await http::async_read(socket, buffer, response, net::use_awaitable);
    *answer = std::to_string(response.result_int()) + " " + response.body();
}

}  // namespace

int main() {
    net::io_context io;
    trocco::testing::fake_server_options fake_options;
    fake_options.api_key = "example-key";
    fake_options.status_duration = std::chrono::milliseconds{200};
    trocco::testing::fake_server trocco_server{io.get_executor(), fake_options};

    trocco::asio::transport transport{io.get_executor()};
    trocco_client client{transport, {.api_key = "example-key", .base_url = trocco_server.base_url()}};

    tcp::acceptor acceptor{io, {net::ip::make_address("127.0.0.1"), 0}};
    net::co_spawn(io, serve(&acceptor, &client), net::detached);

    std::string answer;
    net::co_spawn(io, call_route(acceptor.local_endpoint(), &answer), [&](std::exception_ptr e) {
        if (e) answer = "the call failed";
        acceptor.close();
        trocco_server.stop();
    });
    io.run();
    std::printf("POST /nightly -> %s", answer.c_str());
    return answer.rfind("200 ", 0) == 0 ? 0 : 1;
}
