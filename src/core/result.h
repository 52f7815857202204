// Result<T>: a T or a non-ok Status. It mirrors the parts of C++23 std::expected that the code
// uses (has_value, value, error, operator*, operator->), so moving to std::expected is a one-line
// change. Accessing the value of an error Result is a program bug and aborts.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "core/status.h"

namespace custodian::core {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit like std::expected
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = InternalError("Result constructed from an ok Status");
  }

  bool has_value() const { return value_.has_value(); }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    Check();
    return *value_;
  }
  const T& value() const& {
    Check();
    return *value_;
  }
  T&& value() && {
    Check();
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The error; an ok Status when there is a value.
  const Status& error() const { return status_; }
  Status status() const { return status_; }

 private:
  void Check() const {
    if (!value_) {
      std::fprintf(stderr, "fatal: value() of an error Result: %s\n", status_.ToString().c_str());
      std::abort();
    }
  }
  std::optional<T> value_;
  Status status_;
};

}  // namespace custodian::core

#define CUSTODIAN_CONCAT_INNER(a, b) a##b
#define CUSTODIAN_CONCAT(a, b) CUSTODIAN_CONCAT_INNER(a, b)
// `CUSTODIAN_ASSIGN_OR_RETURN(auto x, Foo());` — declares x from a Result or returns its error.
#define CUSTODIAN_ASSIGN_OR_RETURN(lhs, expr) \
  CUSTODIAN_ASSIGN_OR_RETURN_IMPL(CUSTODIAN_CONCAT(custodian_result_, __LINE__), lhs, expr)
#define CUSTODIAN_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.has_value()) return tmp.error();             \
  lhs = std::move(*tmp)
