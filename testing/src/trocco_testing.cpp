// testing/src/trocco_testing.cpp - the separately compiled part of the testing support that needs only the core
// (the scripted transport): with TROCCO_SEPARATE_COMPILATION defined here and in every file that includes the
// headers, the headers declare and this file defines, once. Link it with trocco-compiled (src/trocco.cpp).
#if !defined(TROCCO_SEPARATE_COMPILATION)
#error "compile testing/src/trocco_testing.cpp with -DTROCCO_SEPARATE_COMPILATION (and every file that includes the headers)"
#endif

#include <trocco/testing/impl/scripted_transport.ipp>
