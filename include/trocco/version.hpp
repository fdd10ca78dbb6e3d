// trocco/version.hpp - the library version (kept equal to the version in meson.build).
#pragma once

#define TROCCO_VERSION_MAJOR 0
#define TROCCO_VERSION_MINOR 1
#define TROCCO_VERSION_PATCH 0
#define TROCCO_VERSION_STRING "0.1.0"

namespace trocco {

inline constexpr const char* version = TROCCO_VERSION_STRING;

}  // namespace trocco
