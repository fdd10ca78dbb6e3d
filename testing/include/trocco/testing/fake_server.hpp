// trocco/testing/fake_server.hpp - a fake trocco API server over loopback, for tests, demos and users' own
// integration tests. Boost.Asio + Boost.Beast (Boost >= 1.74), OpenSSL for HTTPS.
//
//     trocco::testing::fake_server server;                  // owns an io_context and one thread
//     server.set_job_outcome(42, trocco::testing::scripted_outcome::error);
//     server.inject({.what = trocco::testing::fault::kind::reset_after_read, .method = trocco::http_method::post});
//     // point a client at server.base_url() with api_key "fake-api-key"
//     // ... server.requests(), server.count_requests("POST", "/api/jobs"), server.connections_accepted()
//
// What it serves, and every rule it follows, is fake_api's (fake_api.hpp: endpoints, bodies, errors, paging,
// rate limit); the faults it can commit are in fault.hpp. This class puts fake_api behind a Beast listener.
//
// Connections are HTTP/1.1 keep-alive (Connection: close honoured); idle ones are closed after
// `keep_alive_timeout`. TLS when a certificate and key are given (test_certificates.hpp makes throwaway ones).
//
// Threads: every public member function is thread-safe. Handlers run on per-connection strands of the executor,
// so the executor may be run by several threads; its execution context must outlive the server. Destroying the
// server (or stop()) closes the listening socket and every connection, with requests in flight or delayed
// answers pending. With the owned io_context the destructor joins its thread; do not destroy the server from
// one of its own handlers.
//
// Compilation: header-only by default (Meson: `trocco-testing`). With TROCCO_TESTING_SEPARATE_COMPILATION defined in
// every file of the program, this header declares the members that reach the listener and includes no Beast, and
// testing/src/fake_server.cpp defines them once (Meson: `trocco-testing-separate`, on the header-only core): a test
// program with many files generates the Beast sessions once, not once per file. TROCCO_SEPARATE_COMPILATION implies
// it (Meson: `trocco-testing-compiled`). See <trocco/testing/detail/config.hpp>.
#pragma once

#include <utility>  // first: Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include <trocco/requests.hpp>
#include <trocco/testing/detail/config.hpp>
#include <trocco/testing/fake_api.hpp>
#include <trocco/testing/fake_records.hpp>
#include <trocco/testing/fault.hpp>

namespace trocco::testing {

namespace detail {
class listener;  // detail/listener.hpp: the listening socket and its sessions, shared with handlers in flight
}  // namespace detail

struct fake_server_options {
    std::string api_key = "fake-api-key";
    std::string host = "127.0.0.1";  // an IP address (or a name, resolved once at start)
    std::uint16_t port = 0;          // 0: a free port, see port()
    /// How long each of queued, setting_up, executing (and error, retry_waiting for error_then_retry) lasts.
    /// Zero: a GET sees the outcome at once (the POST answer still says queued).
    std::chrono::milliseconds status_duration{100};
    /// An idle keep-alive connection is closed after this long without a request.
    std::chrono::milliseconds keep_alive_timeout{30'000};
    /// TLS: when both are set (PEM text; see test_certificates.hpp) the server speaks HTTPS only.
    std::string tls_certificate_chain_pem = {};
    std::string tls_private_key_pem = {};
    /// The X-Rate-Limit-* accounting; `rate_limit.enforce` answers 429 beyond the limit.
    rate_limit_policy rate_limit = {};
};

/// A fake trocco API server. See the top of this file.
class fake_server {
public:
    /// Serves on `executor` (run it yourself; several threads are fine). Binds at once: port() is valid on
    /// return. Throws boost::system::system_error if the address cannot be bound, std::invalid_argument for half
    /// a TLS configuration.
    TROCCO_TESTING_DECL explicit fake_server(boost::asio::any_io_executor executor, fake_server_options options = {});

    /// Serves on its own io_context run by one thread, joined by stop() and the destructor.
    TROCCO_TESTING_DECL explicit fake_server(fake_server_options options = {});

    fake_server(const fake_server&) = delete;
    fake_server& operator=(const fake_server&) = delete;

    TROCCO_TESTING_DECL ~fake_server();

    /// Closes the listening socket and every connection (idempotent). With the owned io_context, waits for its
    /// thread to finish; on a caller's executor the closing runs there, later.
    TROCCO_TESTING_DECL void stop();

    TROCCO_TESTING_DECL std::uint16_t port() const noexcept;
    /// "http://127.0.0.1:PORT", or "https://…" with TLS.
    TROCCO_TESTING_DECL std::string base_url() const;
    const std::string& api_key() const noexcept { return api().options().api_key; }
    /// The routing and state behind the sockets, for what the forwarders below do not cover.
    TROCCO_TESTING_DECL fake_api& api() noexcept;
    TROCCO_TESTING_DECL const fake_api& api() const noexcept;

    // ---- scripting ------------------------------------------------------------------------------------------

    /// How jobs of a definition end (default: succeeded). Applies to jobs created afterwards.
    void set_job_outcome(std::int64_t job_definition_id, scripted_outcome outcome) {
        api().set_outcome(job_kind::transfer, job_definition_id, outcome);
    }
    void set_workflow_outcome(std::int64_t pipeline_definition_id, scripted_outcome outcome) {
        api().set_outcome(job_kind::workflow, pipeline_definition_id, outcome);
    }
    /// The name reported for a definition's jobs (default "fake_job_definition_<id>" /
    /// "fake_pipeline_definition_<id>"), unless the definition is registered (then its name).
    void set_job_definition_name(std::int64_t job_definition_id, std::string name) {
        api().set_definition_name(job_kind::transfer, job_definition_id, std::move(name));
    }
    void set_workflow_definition_name(std::int64_t pipeline_definition_id, std::string name) {
        api().set_definition_name(job_kind::workflow, pipeline_definition_id, std::move(name));
    }
    /// Registers a definition for GET /api/job_definitions, /api/pipeline_definitions, /api/datamart_definitions.
    void add_job_definition(definition d) { api().add_definition(job_kind::transfer, std::move(d)); }
    void add_workflow_definition(definition d) { api().add_definition(job_kind::workflow, std::move(d)); }
    void add_datamart_definition(definition d) { api().add_definition(job_kind::datamart, std::move(d)); }
    /// Adds a past transfer job (listed by GET /api/job_definitions/{id}/jobs); returns its id.
    std::int64_t seed_job(seeded_job job) { return api().seed_job(std::move(job)); }

    /// Adds a fault (times == 0: ignored). Faults are matched in the order injected.
    void inject(fault f) { api().inject(std::move(f)); }
    /// Faults not used up yet.
    std::size_t pending_faults() const { return api().pending_faults(); }
    void clear_faults() { api().clear_faults(); }

    // ---- what it saw ----------------------------------------------------------------------------------------

    /// Every request read so far (a copy).
    std::vector<recorded_request> requests() const { return api().requests(); }
    void clear_requests() { api().clear_requests(); }
    /// Requests whose method is `method` ("" = any) and whose target starts with `target_prefix`.
    std::size_t count_requests(std::string_view method, std::string_view target_prefix = "") const {
        return api().count_requests(method, target_prefix);
    }
    TROCCO_TESTING_DECL std::size_t connections_accepted() const;

    /// Ids of the jobs created (or seeded) so far, ascending: transfer jobs from 100001, workflow jobs from
    /// 200001, datamart jobs from 300001.
    std::vector<std::int64_t> job_ids() const { return api().job_ids(job_kind::transfer); }
    std::vector<std::int64_t> workflow_job_ids() const { return api().job_ids(job_kind::workflow); }
    std::vector<std::int64_t> datamart_job_ids() const { return api().job_ids(job_kind::datamart); }
    /// What the POST that created a job carried; nullopt for an unknown id.
    std::optional<run_parameters> job_run_parameters(std::int64_t job_id) const {
        return api().run_parameters_of(job_kind::transfer, job_id);
    }
    std::optional<run_parameters> workflow_job_run_parameters(std::int64_t pipeline_job_id) const {
        return api().run_parameters_of(job_kind::workflow, pipeline_job_id);
    }
    std::optional<run_parameters> datamart_job_run_parameters(std::int64_t datamart_job_id) const {
        return api().run_parameters_of(job_kind::datamart, datamart_job_id);
    }
    std::optional<std::vector<custom_variable>> job_custom_variables(std::int64_t job_id) const {
        auto p = job_run_parameters(job_id);
        if (!p) return std::nullopt;
        return std::move(p->custom_variables);
    }

private:
    TROCCO_TESTING_DECL static std::shared_ptr<detail::listener> make_listener(boost::asio::any_io_executor executor,
                                                                               fake_server_options o);

    std::unique_ptr<boost::asio::io_context> io_;  // owned mode only; destroyed after listener_
    std::shared_ptr<detail::listener> listener_;
    std::thread thread_;
};

}  // namespace trocco::testing

#if defined(TROCCO_TESTING_HEADER_ONLY)
#include <trocco/testing/impl/fake_server.ipp>
#endif
