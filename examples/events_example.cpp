// examples/events_example.cpp - the events of README.md (kept identical to it by a test): a log line per event and
// counters for metrics, from one observer, over a wait on the simulated trocco (a virtual clock: it runs at once).
#include <cstdio>
#include <map>
#include <string>
#include <variant>

#include <trocco/testing/simulated_trocco.hpp>
#include <trocco/trocco.hpp>

// A log line per event.
void log_event(const trocco::wait_event& event) {
    std::visit(
        [](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, trocco::events::status_changed>) {
                std::printf("job %lld: %s -> %s\n", static_cast<long long>(e.job_id), std::string(e.from).c_str(),
                            std::string(e.to).c_str());
            } else if constexpr (std::is_same_v<E, trocco::events::retry_scheduled>) {
                std::printf("retrying a %s in %lld ms: %s\n", std::string(trocco::to_string(e.role)).c_str(),
                            static_cast<long long>(e.delay.count()), std::string(e.message).c_str());
            } else if constexpr (std::is_same_v<E, trocco::events::wait_finished>) {
                std::printf("finished: %s after %d polls\n", e.failure ? trocco::to_string(*e.failure) : "succeeded",
                            e.polls);
            }
        },
        event);
}

// Counters for metrics: requests by role, answers by status, retries by reason.
struct metrics {
    std::map<std::string, long> counters;
    void operator()(const trocco::wait_event& event) {
        if (const auto* sent = std::get_if<trocco::events::request_sent>(&event)) {
            ++counters["requests." + std::string(trocco::to_string(sent->role))];
        } else if (const auto* answer = std::get_if<trocco::events::answer_received>(&event)) {
            ++counters["answers." + (answer->failure ? std::string(trocco::to_string(*answer->failure))
                                                     : std::to_string(answer->http_status))];
        } else if (const auto* retry = std::get_if<trocco::events::retry_scheduled>(&event)) {
            ++counters["retries." + std::string(trocco::to_string(retry->reason))];
        }
    }
};

int main() {
    // Every third request of the simulated account fails with a 503 before it is processed.
    trocco::testing::simulated_trocco trocco_account{
        {.fault = [](const trocco::http_request&, std::size_t n) {
            return n % 3 == 1 ? trocco::testing::simulated_fault::server_error_before : trocco::testing::simulated_fault::none;
        }}};
    metrics counts;
    trocco::client client{trocco_account, {.api_key = "k", .observer = [&](const trocco::wait_event& e) {
                                               log_event(e);
                                               counts(e);
                                           }}};
    auto done = trocco_account.run(client.run_and_wait(trocco::run_job_request{.job_definition_id = 42}));
    for (const auto& [name, value] : counts.counters) std::printf("%s %ld\n", name.c_str(), value);
    return done ? 0 : 1;
}
