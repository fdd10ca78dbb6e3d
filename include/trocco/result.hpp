// trocco/result.hpp - result<T>: a value or a trocco::error (std::expected is not in C++20).
#pragma once

#include <stdexcept>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include "detail/config.hpp"
#include "error.hpp"

namespace trocco {

/// Thrown by result<T>::value() when the result holds an error; carries that error.
class error_exception : public std::system_error {
public:
    /// Carries `e`; what() is e.to_string().
    TROCCO_DECL explicit error_exception(trocco::error e);
    /// The error, with everything it carries (job id, last job, ...).
    const trocco::error& error() const noexcept { return error_; }

private:
    trocco::error error_;
};

namespace detail {
// The throws of result<T>, out of line: each instantiation of result<T> then holds a call, not the code that
// builds and throws an exception.
[[noreturn]] TROCCO_DECL void throw_error_exception(const trocco::error& e);
[[noreturn]] TROCCO_DECL void throw_logic_error(const char* what);
}  // namespace detail

/// Holds either a T or a trocco::error. Converts implicitly from both, so a function returning result<job> can
/// `return job;` or `return error{errc::not_found, "..."};`.
template <class T>
class [[nodiscard]] result {
    static_assert(!std::is_reference_v<T> && !std::is_same_v<std::remove_cv_t<T>, trocco::error>,
                  "result<T> holds a value type other than trocco::error");

public:
    /// A result holding a value made from `value`.
    template <class U = T>
        requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::remove_cvref_t<U>, result> &&
                 !std::is_same_v<std::remove_cvref_t<U>, trocco::error>)
    result(U&& value) : storage_(std::in_place_index<0>, std::forward<U>(value)) {}
    /// A result holding the error `e`.
    result(trocco::error e) : storage_(std::in_place_index<1>, std::move(e)) {}

    /// Whether it holds a value (else an error).
    bool has_value() const noexcept { return storage_.index() == 0; }
    /// has_value().
    explicit operator bool() const noexcept { return has_value(); }

    /// The value; throws error_exception carrying the error when there is none.
    T& value() & { check(); return std::get<0>(storage_); }
    /// The value; throws error_exception when there is none.
    const T& value() const& { check(); return std::get<0>(storage_); }
    /// The value, moved out; throws error_exception when there is none.
    T&& value() && { check(); return std::get<0>(std::move(storage_)); }

    /// The error. Precondition: !has_value() (throws std::logic_error otherwise, never undefined behaviour).
    const trocco::error& error() const& {
        if (has_value()) detail::throw_logic_error("trocco::result::error() called on a result holding a value");
        return std::get<1>(storage_);
    }
    /// The error, moved out. Precondition: !has_value() (throws std::logic_error otherwise).
    trocco::error&& error() && {
        if (has_value()) detail::throw_logic_error("trocco::result::error() called on a result holding a value");
        return std::get<1>(std::move(storage_));
    }

    /// value().
    T& operator*() & { return value(); }
    /// value().
    const T& operator*() const& { return value(); }
    /// value(), moved out.
    T&& operator*() && { return std::move(*this).value(); }
    /// The value's members; throws error_exception when there is none.
    T* operator->() { return &value(); }
    /// The value's members; throws error_exception when there is none.
    const T* operator->() const { return &value(); }

private:
    void check() const {
        if (!has_value()) detail::throw_error_exception(std::get<1>(storage_));
    }

    std::variant<T, trocco::error> storage_;
};

/// Success or a trocco::error. A default-constructed result<void> is a success.
template <>
class [[nodiscard]] result<void> {
public:
    result() = default;
    /// A failure with the error `e`.
    result(trocco::error e) : error_(std::move(e)) {}

    /// Whether it is a success.
    bool has_value() const noexcept { return !error_.has_value(); }
    /// has_value().
    explicit operator bool() const noexcept { return has_value(); }
    /// Throws error_exception carrying the error, if there is one.
    void value() const {
        if (error_) detail::throw_error_exception(*error_);
    }
    /// The error. Precondition: !has_value() (throws std::logic_error otherwise).
    const trocco::error& error() const& {
        if (!error_) detail::throw_logic_error("trocco::result<void>::error() called on a success");
        return *error_;
    }
    /// The error, moved out. Precondition: !has_value() (throws std::logic_error otherwise).
    trocco::error&& error() && {
        if (!error_) detail::throw_logic_error("trocco::result<void>::error() called on a success");
        return std::move(*error_);
    }

private:
    std::optional<trocco::error> error_;
};

}  // namespace trocco

#if defined(TROCCO_HEADER_ONLY)
#include "impl/result.ipp"
#endif
