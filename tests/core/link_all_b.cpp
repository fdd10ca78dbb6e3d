// Two translation units include every public header and are linked into one program: a function defined in a
// header without `inline` would be a duplicate symbol here.
#include <trocco/trocco.hpp>

#include "../catch.hpp"

TEST_CASE("link_all_b: the headers can be used from two translation units") {
    CHECK(trocco::is_terminal(trocco::parse_job_status("skipped")));
}
