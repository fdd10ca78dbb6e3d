// tests/asio/test_asio_dns.cpp - name resolution through the DNS shim (tests/support/dns_shim.cpp): a failed lookup
// is connect_failed, never a crash (issue 10 item 1); a stalled one (uninterruptible, as a real stuck resolver) is
// bounded by connect_timeout, ends promptly on a stop or the transport's destruction, and holds up no other
// connection (item 6); what ends during resolution says that nothing was sent (item 8).
#include "asio_test_support.hpp"

#include "support/dns_shim.hpp"

namespace asio_tests {
namespace {

/// How long a stalled lookup takes in these tests ("sleep-3000.invalid", "sleep-3000.ok.invalid").
constexpr auto stall = 3000ms;

loopback_server echo_server() {
    return loopback_server([](const received_request& r) { return reply{200, "OK", {}, r.target}; });
}

// Issue 10 item 1: connection::close() used to dereference a stream that did not exist yet (a segfault).
TEST_CASE("asio transport: a name that does not resolve is connect_failed, not a crash", "[asio][dns][issue10]") {
    rig r;
    const long before = dns_shim_lookups();
    for (const char* host : {"nx.invalid", "again.invalid"}) {
        INFO(host);
        const auto g = send_sync(r.transport(), get(std::string("http://") + host + "/api/jobs/1"));
        INFO(describe(g));
        REQUIRE(is_error(g, trocco::errc::connect_failed));
        CHECK_FALSE(g.error().may_have_reached_server());
        CHECK(contains(g.error().message(), std::string("resolving ") + host));
        const auto p = send_sync(r.transport(), post(std::string("https://") + host + "/api/jobs?job_definition_id=1", "{}"));
        INFO(describe(p));
        REQUIRE(is_error(p, trocco::errc::connect_failed));
        CHECK_FALSE(p.error().may_have_reached_server());
    }
    CHECK(dns_shim_lookups() >= before + 4);  // the shim answered: no real resolver was asked
}

TEST_CASE("asio transport: a name that resolves is connected to", "[asio][dns]") {
    auto server = echo_server();
    rig r;
    const auto g = send_sync(r.transport(), get("http://ok.invalid:" + std::to_string(server.port()) + "/api/jobs/1"));
    INFO(describe(g));
    REQUIRE(g.has_value());
    CHECK(g->body == "/api/jobs/1");
    REQUIRE(server.requests().size() == 1);
    CHECK(*server.requests()[0].header("Host") == "ok.invalid:" + std::to_string(server.port()));
}

// Issue 10 item 6: Asio's resolver cannot be interrupted, so connect_timeout did not bound the lookup.
TEST_CASE("asio transport: connect_timeout bounds a stalled lookup", "[asio][dns][issue10]") {
    rig r({.connect_timeout = 300ms});
    const auto start = clock_type::now();
    const auto g = send_sync(r.transport(), get("http://sleep-3000.invalid/api/jobs/1"));
    const auto took = since(start);
    INFO(describe(g) << " after " << took.count() << " ms");
    REQUIRE(is_error(g, trocco::errc::connect_failed));
    CHECK_FALSE(g.error().may_have_reached_server());
    CHECK(contains(g.error().message(), "timed out"));
    CHECK(took >= 300ms);
    CHECK(took < 300ms + prompt);
}

/// A POST whose lookup stalls, ended 100 ms in by a stop (or by destroying the transport): it must end promptly,
/// canceled, marked as never sent.
void end_stalled_lookup(bool destroy) {
    auto server = echo_server();
    rig r;
    std::stop_source source;
    task_group<response_result> stalled;
    stalled.start(as_task(r.transport().send(post("http://sleep-3000.invalid/api/jobs?job_definition_id=1", "{}"),
                                             source.get_token())));
    std::this_thread::sleep_for(100ms);  // the lookup thread is inside getaddrinfo now
    const auto ended = clock_type::now();
    if (destroy) {
        r.destroy_transport();
        CHECK(since(ended) < 50ms);  // the destructor does not wait for the lookup
    } else {
        source.request_stop();
    }
    REQUIRE(stalled.wait_all(stall));
    const auto took = since(ended);
    INFO("ended " << took.count() << " ms after the stop");
    CHECK(took < prompt);
    auto& result = stalled.result(0);
    REQUIRE(result.has_value());
    INFO(describe(*result));
    REQUIRE(is_error(*result, trocco::errc::canceled));
    CHECK_FALSE(result->error().may_have_reached_server());
    CHECK(contains(result->error().message(), destroy ? "destroyed" : "canceled"));
    if (!destroy) {  // the transport goes on working at once
        const auto next = send_sync(r.transport(), get(server.url("/next")));
        REQUIRE(next.has_value());
        CHECK(next->body == "/next");
    }
    // The abandoned lookup ends while this program still runs: its thread must touch nothing freed (ASan).
    std::this_thread::sleep_for(stall);
}

TEST_CASE("asio transport: a stop or the destruction during a stalled lookup ends the send promptly, nothing sent",
          "[asio][dns][issue10]") {
    SECTION("a stop") { end_stalled_lookup(false); }
    SECTION("the transport destroyed") { end_stalled_lookup(true); }
}

TEST_CASE("asio transport: a stalled lookup holds up no other connection", "[asio][dns][issue10]") {
    auto server = echo_server();
    rig r;
    const std::string port = std::to_string(server.port());
    task_group<response_result> slow;
    for (int i = 0; i < 2; ++i) {
        slow.start(as_task(r.transport().send(get("http://sleep-3000.ok.invalid:" + port + "/slow"), {})));
    }
    std::this_thread::sleep_for(100ms);  // both lookups are inside getaddrinfo now

    SECTION("another name is looked up at once") {
        const auto start = clock_type::now();
        const auto g = send_sync(r.transport(), get("http://ok.invalid:" + port + "/fast"));
        CHECK(since(start) < prompt);
        REQUIRE(g.has_value());
        CHECK(g->body == "/fast");
    }
    SECTION("an IP address needs no lookup, even with every lookup thread busy") {
        for (int i = 0; i < 8; ++i) {  // the transport looks up 8 names at once at most
            slow.start(as_task(r.transport().send(get("http://sleep-3000.ok.invalid:" + port + "/slow"), {})));
        }
        std::this_thread::sleep_for(100ms);
        const auto start = clock_type::now();
        const auto g = send_sync(r.transport(), get(server.url("/literal")));
        CHECK(since(start) < prompt);
        REQUIRE(g.has_value());
        CHECK(g->body == "/literal");
    }
    REQUIRE(slow.wait_all(4 * stall));  // the stalled ones end too, and succeed: their names did resolve
    for (std::size_t i = 0; i < slow.started(); ++i) {
        REQUIRE(slow.result(i).has_value());
        INFO(describe(*slow.result(i)));
        CHECK(slow.result(i)->has_value());
    }
}

}  // namespace
}  // namespace asio_tests
