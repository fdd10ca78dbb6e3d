// tests/asio/test_asio_transport.cpp - what is particular to the asio adapter (the rest runs for both transports in
// tests/conformance): async_run with each completion token, cancellation through the factory overload, where
// completions resume, destruction from inside a completion, and the connection pool's own rules.
#include "asio_test_support.hpp"

#include <atomic>
#include <exception>
#include <future>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#if TROCCO_ASIO_HAS_CANCELLATION_SLOTS
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#endif

#include <trocco/testing/fake_server.hpp>
#include <trocco/trocco.hpp>

#include "support/fake_server_settings.hpp"

namespace asio_tests {
namespace {

using asio_client = trocco::client<trocco::asio::transport>;
using trocco::testing::fake_server;

trocco::testing::fake_server_options fast_server() { return test_support::server_options(20ms); }
trocco::wait_options fast_wait() { return test_support::fast_wait(20s); }
using test_support::client_options_for;

boost::asio::awaitable<void> awaitable_run(asio_client* client, trocco::result<trocco::job>* out) {
    auto executor = co_await boost::asio::this_coro::executor;
    trocco::run_job_request request{.job_definition_id = 11};
    *out = co_await trocco::asio::async_run(executor, client->run_and_wait(std::move(request), fast_wait()),
                                            boost::asio::use_awaitable);
}

TEST_CASE("asio: async_run works with use_awaitable, callbacks and use_future", "[asio][async_run]") {
    fake_server server{fast_server()};
    boost::asio::io_context io;
    trocco::asio::transport transport{io.get_executor()};
    asio_client client{transport, client_options_for(server)};

    SECTION("use_awaitable inside an asio::awaitable coroutine") {
        trocco::result<trocco::job> out = trocco::error{trocco::errc::invalid_argument, "not run"};
        boost::asio::co_spawn(io, awaitable_run(&client, &out), [](std::exception_ptr e) { CHECK_FALSE(e); });
        io.run();
        INFO((out ? std::string("ok") : out.error().to_string()));
        REQUIRE(out.has_value());
        CHECK(out->status == trocco::job_status::succeeded);
        CHECK(server.count_requests("POST") == 1);
    }
    SECTION("a callback, invoked on the thread running the io_context, never inside async_run") {
        std::optional<trocco::result<trocco::job>> out;
        std::thread::id completed_on;
        trocco::asio::async_run(io.get_executor(), client.get_job(1), [&](std::exception_ptr e, trocco::result<trocco::job> r) {
            CHECK_FALSE(e);
            completed_on = std::this_thread::get_id();
            out.emplace(std::move(r));
        });
        CHECK_FALSE(out.has_value());
        io.run();
        REQUIRE(out.has_value());
        REQUIRE_FALSE(out->has_value());
        CHECK(out->error().kind() == trocco::errc::not_found);
        CHECK(completed_on == std::this_thread::get_id());
    }
    SECTION("use_future, with the io_context run by another thread") {
        auto guard = boost::asio::make_work_guard(io);
        std::thread runner([&] { io.run(); });
        auto future = trocco::asio::async_run(io.get_executor(), client.get_job(1), boost::asio::use_future);
        auto r = future.get();
        guard.reset();
        runner.join();
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == trocco::errc::not_found);
    }
    SECTION("an exception thrown in the task reaches the handler, with an error placeholder") {
        auto wait = fast_wait();
        wait.on_triggered = [](std::int64_t) { throw std::runtime_error("callback failed"); };
        std::exception_ptr seen;
        bool placeholder_is_error = false;
        trocco::asio::async_run(io.get_executor(),
                                client.run_and_wait(trocco::run_job_request{.job_definition_id = 1}, wait),
                                [&](std::exception_ptr e, trocco::result<trocco::job> r) {
                                    seen = e;
                                    placeholder_is_error = !r.has_value();
                                });
        io.run();
        REQUIRE(seen);
        CHECK_THROWS_AS(std::rethrow_exception(seen), std::runtime_error);
        CHECK(placeholder_is_error);
    }
    SECTION("use_future rethrows the task's exception") {
        auto wait = fast_wait();
        wait.on_triggered = [](std::int64_t) { throw std::runtime_error("callback failed"); };
        auto future = trocco::asio::async_run(
            io.get_executor(), client.run_and_wait(trocco::run_job_request{.job_definition_id = 1}, wait),
            boost::asio::use_future);
        io.run();
        CHECK_THROWS_AS(future.get(), std::runtime_error);
    }
}

TEST_CASE("asio: async_run's factory overload hands the task a stop token", "[asio][async_run]") {
    fake_server server{fast_server()};
    boost::asio::io_context io;
    trocco::asio::transport transport{io.get_executor()};
    asio_client client{transport, client_options_for(server)};
    int made = 0;
    std::optional<trocco::result<trocco::job>> out;
#if TROCCO_ASIO_HAS_CANCELLATION_SLOTS
    auto wait_with = [&](std::stop_token stop) {
        auto wait = fast_wait();
        wait.poll = trocco::poll_schedule::fixed(10s);  // the wait sleeps: only a stop ends it early
        wait.stop_token = std::move(stop);
        return client.run_and_wait(trocco::run_job_request{.job_definition_id = 1}, std::move(wait));
    };
    // Boost >= 1.77: an Asio cancellation signal on the handler's slot stops the wait.
    boost::asio::cancellation_signal signal;
    trocco::asio::async_run(io.get_executor(), [&](std::stop_token stop) { ++made; return wait_with(std::move(stop)); },
                            boost::asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr, trocco::result<trocco::job> r) {
                                out.emplace(std::move(r));
                            }));
    boost::asio::steady_timer timer{io, 200ms};
    timer.async_wait([&](boost::system::error_code) { signal.emit(boost::asio::cancellation_type::terminal); });
    const auto start = clock_type::now();
    io.run();
    CHECK(since(start) < 2s);
    REQUIRE(out.has_value());
    REQUIRE_FALSE(out->has_value());
    CHECK(out->error().kind() == trocco::errc::canceled);
#else
    // Boost 1.74 has no cancellation slots: the factory still gets a real token (for the caller's own stop source
    // to be linked to), is called once, during async_run, and the wait runs as usual.
    trocco::asio::async_run(
        io.get_executor(),
        [&](std::stop_token stop) {
            ++made;
            CHECK(stop.stop_possible());
            auto wait = fast_wait();
            wait.stop_token = std::move(stop);
            return client.run_and_wait(trocco::run_job_request{.job_definition_id = 1}, std::move(wait));
        },
        [&](std::exception_ptr, trocco::result<trocco::job> r) { out.emplace(std::move(r)); });
    CHECK(made == 1);
    io.run();
    REQUIRE(out.has_value());
    INFO((*out ? std::string("ok") : out->error().to_string()));
    CHECK(out->has_value());
#endif
    CHECK(made == 1);
}

TEST_CASE("asio: destroying the transport inside a completion ends the others, none inside the destructor",
          "[asio][lifetime]") {
    loopback_server* self = nullptr;
    loopback_server server([&self](const received_request& r) -> script {
        if (r.target != "/quick") return script().wait(5000ms).then(reply{});
        self->wait_for_requests(4, 5s);  // answer once the slow ones are all in flight
        return reply{200, "OK", {}, "quick"};
    });
    self = &server;
    boost::asio::io_context io;
    auto transport = std::make_unique<trocco::asio::transport>(io.get_executor());
    bool destroying = false;
    std::vector<std::optional<response_result>> slow(3);
    for (auto& slot : slow) {
        trocco::asio::async_run(io.get_executor(), as_task(transport->send(get(server.url("/slow")), {})),
                                [&slot, &destroying](std::exception_ptr, response_result r) {
                                    CHECK_FALSE(destroying);
                                    slot.emplace(std::move(r));
                                });
    }
    std::optional<trocco::result<void>> slept;
    trocco::asio::async_run(io.get_executor(), as_task(transport->sleep_for(10s, {})),
                            [&](std::exception_ptr, trocco::result<void> r) {
                                CHECK_FALSE(destroying);
                                slept.emplace(std::move(r));
                            });
    trocco::asio::async_run(io.get_executor(), as_task(transport->send(get(server.url("/quick")), {})),
                            [&](std::exception_ptr, response_result r) {
                                CHECK(r.has_value());
                                destroying = true;
                                transport.reset();  // on the io_context's thread, with four operations in flight
                                destroying = false;
                            });
    const auto start = clock_type::now();
    io.run();
    CHECK(since(start) < 3s);
    CHECK(server.count("GET") == 4);
    for (const auto& r : slow) {
        REQUIRE(r.has_value());
        INFO(describe(*r));
        CHECK(is_error(*r, trocco::errc::canceled));
        CHECK(r->error().may_have_reached_server());
    }
    REQUIRE(slept.has_value());
    REQUIRE_FALSE(slept->has_value());
    CHECK(slept->error().kind() == trocco::errc::canceled);
}

/// "/<i>", built without `"/" + std::to_string(i)`, which g++ 12 -O2 flags with a false -Wrestrict.
std::string numbered_path(int i) {
    std::string path = "/";
    path += std::to_string(i);
    return path;
}

TEST_CASE("asio: the pool bounds connections per host and queues the rest", "[asio][pool]") {
    loopback_server server([](const received_request& r) { return script().wait(50ms).then(reply{200, "OK", {}, r.target}); });
    rig r({.max_connections_per_host = 3});
    task_group<response_result> all;
    for (int i = 0; i < 20; ++i) all.start(as_task(r.transport().send(get(server.url(numbered_path(i))), {})));
    REQUIRE(all.wait_all(30s));
    for (std::size_t i = 0; i < all.started(); ++i) {
        REQUIRE(all.result(i).has_value());
        INFO(describe(*all.result(i)));
        REQUIRE(all.result(i)->has_value());
        CHECK(all.result(i)->value().body == numbered_path(static_cast<int>(i)));
    }
    CHECK(server.connections() == 3);
    CHECK(server.peak_in_flight() <= 3);
}

TEST_CASE("asio: a POST always opens a new connection, which then serves GETs", "[asio][pool]") {
    loopback_server server([](const received_request& r) { return reply{200, "OK", {}, r.target}; });
    rig r({.max_connections_per_host = 1});
    REQUIRE(send_sync(r.transport(), get(server.url("/a"))).has_value());  // connection 1, then idle
    REQUIRE(send_sync(r.transport(), post(server.url("/run"), "{}")).has_value());  // replaces it: connection 2
    REQUIRE(send_sync(r.transport(), get(server.url("/b"))).has_value());  // reuses connection 2
    const auto requests = server.requests();
    REQUIRE(requests.size() == 3);
    CHECK(requests[0].connection == 1);
    CHECK(requests[1].connection == 2);
    CHECK(requests[2].connection == 2);
    CHECK(server.connections() == 2);
}

TEST_CASE("asio: an idle connection is not reused after idle_timeout, nor after the server closed it",
          "[asio][pool]") {
    loopback_server server([](const received_request& r) { return reply{200, "OK", {}, r.target}; });
    SECTION("idle_timeout") {
        rig r({.idle_timeout = 100ms});
        REQUIRE(send_sync(r.transport(), get(server.url("/a"))).has_value());
        REQUIRE(send_sync(r.transport(), get(server.url("/b"))).has_value());  // at once: reused
        std::this_thread::sleep_for(200ms);
        REQUIRE(send_sync(r.transport(), get(server.url("/c"))).has_value());
        CHECK(server.connections() == 2);
    }
    SECTION("closed by the server: noticed before the reuse, so the GET is written only once") {
        rig r;
        REQUIRE(send_sync(r.transport(), get(server.url("/a"))).has_value());
        REQUIRE(server.close_idle_connections() == 1);
        std::this_thread::sleep_for(50ms);  // the FIN has arrived
        const auto g = send_sync(r.transport(), get(server.url("/b")));
        REQUIRE(g.has_value());
        CHECK(g->body == "/b");
        const auto log = server.connection_log();
        REQUIRE(log.size() == 2);
        CHECK(log[0].requests == 1);
        CHECK(log[1].requests == 1);
    }
}

}  // namespace
}  // namespace asio_tests
