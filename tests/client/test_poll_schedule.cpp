#include <trocco/trocco.hpp>
#include <trocco/testing/scripted_transport.hpp>

#include "../catch.hpp"
