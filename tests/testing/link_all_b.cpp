// Two translation units include every public testing header, header-only (trocco-testing), and are linked into one
// program: a function defined in a header without `inline` (TROCCO_DECL, TROCCO_TESTING_DECL) would be a duplicate
// symbol here. The test programs of this repository use the fake server separately compiled
// (trocco-testing-separate), so this is the one linked program that checks its default, header-only mode.
#include <trocco/testing/fake_api.hpp>
#include <trocco/testing/fake_records.hpp>
#include <trocco/testing/fake_server.hpp>
#include <trocco/testing/fault.hpp>
#include <trocco/testing/fault_spec.hpp>
#include <trocco/testing/reply_plan.hpp>
#include <trocco/testing/scripted_transport.hpp>
#include <trocco/testing/simulated_trocco.hpp>
#include <trocco/testing/test_certificates.hpp>
#include <trocco/testing/virtual_clock.hpp>

#include "../catch.hpp"

TEST_CASE("testing link_all_b: the testing headers can be used from two translation units") {
    CHECK(trocco::testing::fake_server_options{}.host == "127.0.0.1");
}
