// Catch2 v2's main, compiled once into a static library shared by every test program (v3 brings its own).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
