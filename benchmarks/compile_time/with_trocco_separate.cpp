// with_trocco.cpp in the separately compiled mode: the core's headers then declare the non-template functions
// only, and src/trocco.cpp (Meson: dependency trocco-compiled) defines them once. A program defines
// TROCCO_SEPARATE_COMPILATION for every translation unit; here the file does it itself so that it can be compiled
// alone.
#define TROCCO_SEPARATE_COMPILATION 1
#include "with_trocco.cpp"
