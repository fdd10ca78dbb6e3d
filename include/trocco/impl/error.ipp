// trocco/impl/error.ipp - the bodies of error.hpp (header-only mode: included by it; separately compiled: by
// src/trocco.cpp).
#pragma once

#include <memory>
#include <string>

#include "../error.hpp"

namespace trocco {

TROCCO_DECL std::string error::to_string() const {
    std::string text = trocco::to_string(code_);
    if (http_status_ != 0) text += " (HTTP " + std::to_string(http_status_) + ")";
    text += ": ";
    text += message_;
    if (job_id_) {
        text += " [job " + std::to_string(*job_id_) + "]";
    } else if (const auto definition = definition_id()) {
        text += " [definition " + std::to_string(*definition) + "]";
    }
    return text;
}

// Copy on write: an error's context is shared by its copies until one of them is edited.
TROCCO_DECL detail::error_context& error::edit() {
    if (!context_) {
        context_ = std::make_shared<detail::error_context>();
    } else if (context_.use_count() > 1) {
        context_ = std::make_shared<detail::error_context>(*context_);
    }
    return *context_;
}

}  // namespace trocco
