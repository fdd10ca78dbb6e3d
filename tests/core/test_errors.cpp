#include <trocco/trocco.hpp>

#include "../catch.hpp"
