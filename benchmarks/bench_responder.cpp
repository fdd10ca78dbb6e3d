// The loopback responder of part b as a program, so that the Python and curl-command loops of benchmarks/run
// measure against the very server the C++ transports use. Prints its base URL on one line, then serves until
// its standard input is closed (or it is killed).
#include <cstdio>
#include <iostream>

#include "responder.hpp"

int main() {
    trocco_bench::responder server;
    std::cout << server.base_url() << std::endl;
    while (std::getchar() != EOF) {
    }
    return 0;
}
