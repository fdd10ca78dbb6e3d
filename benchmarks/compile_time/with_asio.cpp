// The translation unit a user of the asio adapter writes to start a job and wait for it: <trocco/asio.hpp> and the
// core, one run_and_wait over trocco::asio::transport through async_run. Compiled as it is (header-only, the
// default) and through with_asio_separate.cpp (the separately compiled mode), against beast_https_client.cpp.
// Compiled only, never run (it would talk to trocco.io).
#include <trocco/asio.hpp>
#include <trocco/trocco.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <exception>

/// The completion handler (a named type rather than a lambda, so that with_asio_separate.cpp can include this file
/// without g++ warning about a lambda of another file in a template).
struct report_outcome {
    int* code;
    void operator()(std::exception_ptr e, trocco::result<trocco::job> done) const {
        if (!e && done) *code = 0;
        if (!done) std::puts(done.error().to_string().c_str());
    }
};

int main() {
    boost::asio::io_context io;
    trocco::asio::transport transport{io.get_executor()};
    trocco::client client{transport, {.api_key = "key"}};
    int code = 1;
    trocco::asio::async_run(io.get_executor(), client.run_and_wait(trocco::run_job_request{.job_definition_id = 42}),
                            report_outcome{&code});
    io.run();
    return code;
}
