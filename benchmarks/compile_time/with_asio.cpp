// The translation unit a user of the asio adapter writes to start a job and wait for it: <trocco/asio.hpp> and the
// core, one run_and_wait over trocco::asio::transport through async_run. Compiled header-only (the default) and
// with -DTROCCO_SEPARATE_COMPILATION (the transport's internals then come from the trocco_asio library), against
// beast_https_client.cpp.
#include <trocco/asio.hpp>
#include <trocco/trocco.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <exception>

int main() {
    boost::asio::io_context io;
    trocco::asio::transport transport{io.get_executor()};
    trocco::client client{transport, {.api_key = "key"}};
    int code = 1;
    trocco::asio::async_run(io.get_executor(), client.run_and_wait(trocco::run_job_request{.job_definition_id = 42}),
                            [&code](std::exception_ptr e, trocco::result<trocco::job> done) {
                                if (!e && done) code = 0;
                                if (!done) std::puts(done.error().to_string().c_str());
                            });
    io.run();
    return code;
}
