// examples/shared_budget_example.cpp - one rate budget for one account (README.md, kept identical by a test): two
// clients, 300 waits at once on a simulated free-plan account (100 calls per 10 minutes), and not one 429.
#include <cstdio>
#include <memory>
#include <vector>

#include <trocco/testing/simulated_trocco.hpp>
#include <trocco/trocco.hpp>

int main() {
    trocco::testing::simulated_trocco account{{.rate_limit = 100}};  // trocco enforcing 100 calls per 10 minutes
    auto budget = std::make_shared<trocco::in_process_budget>(trocco::budget_plan::free());
    trocco::client nightly{account, {.api_key = "k", .budget = budget}};
    trocco::client reports{account, {.api_key = "k", .budget = budget}};
    int succeeded = 0;
    for (int i = 1; i <= 300; ++i) {
        auto& client = i % 2 ? nightly : reports;
        account.spawn(client.run_and_wait(trocco::run_job_request{.job_definition_id = i}),
                      [&](const trocco::result<trocco::job>& done) { succeeded += done ? 1 : 0; });
    }
    account.run();
    std::printf("%d of 300 succeeded, %zu calls, %zu answered 429, %.1f virtual hours\n", succeeded,
                account.stats().requests, account.stats().rate_limited,
                std::chrono::duration<double, std::ratio<3600>>(account.elapsed()).count());
    return succeeded == 300 && account.stats().rate_limited == 0 ? 0 : 1;
}
