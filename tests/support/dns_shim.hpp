// tests/support/dns_shim.hpp - see dns_shim.cpp: names under `.invalid` fail or stall deterministically.
#pragma once

/// How many lookups of `.invalid` names the shim has answered in this process.
long dns_shim_lookups() noexcept;
