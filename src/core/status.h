// Status: the outcome of an operation that can fail because of its environment (disk, network,
// a controller, bad input from outside). Expected domain outcomes (a denied sign-out) are values,
// not Statuses. The code set is small and fixed; each code maps to exactly one HTTP status in
// src/api. Thread-safety: a Status is a value; copies are independent.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace custodian::core {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // The caller's input is malformed or out of range (a bad CSV row, frame).
  kNotFound,            // The thing asked for does not exist.
  kAlreadyExists,       // Creating something that is already there.
  kFailedPrecondition,  // The system is not in a state where this can run (stopped ledger).
  kPermissionDenied,    // The caller may not do this.
  kUnavailable,         // A dependency is down or refused; retrying later may work.
  kDeadlineExceeded,    // A dependency did not answer in time.
  kDataLoss,            // Stored data is corrupt, truncated or was tampered with.
  kInternal,            // A bug: an invariant the program guarantees was broken.
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "DataLoss: event 12: ..." — for logs and command-line output.
  std::string ToString() const;
  // Returns a copy whose message is "context: message"; the code is kept.
  Status Annotate(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgumentError(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExistsError(std::string m) {
  return {StatusCode::kAlreadyExists, std::move(m)};
}
inline Status FailedPreconditionError(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status PermissionDeniedError(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DeadlineExceededError(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

}  // namespace custodian::core

// Returns early from the enclosing function when `expr` (a Status) is not ok.
#define CUSTODIAN_RETURN_IF_ERROR(expr)                    \
  do {                                                     \
    ::custodian::core::Status custodian_status_ = (expr);  \
    if (!custodian_status_.ok()) return custodian_status_; \
  } while (0)
