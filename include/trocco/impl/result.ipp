// trocco/impl/result.ipp - the bodies of result.hpp (header-only mode: included by it; separately compiled: by
// src/trocco.cpp).
#pragma once

#include <stdexcept>
#include <system_error>
#include <utility>

#include "../result.hpp"

namespace trocco {

TROCCO_DECL error_exception::error_exception(trocco::error e)
    : std::system_error(e.code(), e.to_string()), error_(std::move(e)) {}

namespace detail {

TROCCO_DECL void throw_error_exception(const trocco::error& e) { throw error_exception(e); }

TROCCO_DECL void throw_logic_error(const char* what) { throw std::logic_error(what); }

}  // namespace detail

}  // namespace trocco
