// Status and Result<T>: the error model of every layer below the CLI.
//
// A Status is either OK or carries a code and a message. Messages name the
// file, the offset or the key involved, and never contain secrets.
// Status and Result are cheap to move and not thread-safe to mutate.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace freshet {

// Frozen: codes appear in batch logs and in the metastore.
enum class StatusCode {
  kOk = 0,
  kNotFound = 1,
  kCorruption = 2,
  kIOError = 3,
  kInvalidArgument = 4,
  kNotSupported = 5,
  kAlreadyExists = 6,
  kFailedPrecondition = 7,  // e.g. lease lost, epoch fenced
  kUnavailable = 8,         // transient: retry may succeed
  kAborted = 9,             // stopped on request (signal, crash point)
};

std::string_view StatusCodeName(StatusCode code);

// What a code alone does not say, where a caller decides on it (an exit
// code, a retry, a standby). Never inferred from a message. Frozen: the CLI's
// exit codes follow them (README, "Exit codes").
enum class StatusSubCode {
  kNone = 0,
  kLeaseHeld = 1,        // FailedPrecondition: another holder's lease is live
  kFenced = 2,           // FailedPrecondition: our epoch was superseded or released
  kCollapseRefused = 3,  // FailedPrecondition: a generation that drops most docs
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  Status(StatusCode code, StatusSubCode subcode, std::string message)
      : code_(code), subcode_(subcode), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotSupported(std::string m) { return {StatusCode::kNotSupported, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status FailedPrecondition(std::string m, StatusSubCode subcode = StatusSubCode::kNone) {
    return {StatusCode::kFailedPrecondition, subcode, std::move(m)};
  }
  // FailedPrecondition with the sub-codes callers decide on.
  static Status LeaseHeld(std::string m) {
    return FailedPrecondition(std::move(m), StatusSubCode::kLeaseHeld);
  }
  static Status Fenced(std::string m) {
    return FailedPrecondition(std::move(m), StatusSubCode::kFenced);
  }
  static Status CollapseRefused(std::string m) {
    return FailedPrecondition(std::move(m), StatusSubCode::kCollapseRefused);
  }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Aborted(std::string m) { return {StatusCode::kAborted, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  StatusSubCode subcode() const { return subcode_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }
  bool IsAlreadyExists() const { return code_ == StatusCode::kAlreadyExists; }
  bool IsLeaseHeld() const { return subcode_ == StatusSubCode::kLeaseHeld; }
  bool IsFenced() const { return subcode_ == StatusSubCode::kFenced; }
  bool IsCollapseRefused() const { return subcode_ == StatusSubCode::kCollapseRefused; }

  // "Corruption: segment 3f2a.seg: checksum mismatch in section TERMS".
  std::string ToString() const;

  // Returns a copy (same code and sub-code) whose message is prefixed with
  // `context` and ": ".
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  StatusSubCode subcode_ = StatusSubCode::kNone;
  std::string message_;
};

// Holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "Result constructed from an OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok()
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace freshet

#define FRESHET_CONCAT_INNER(a, b) a##b
#define FRESHET_CONCAT(a, b) FRESHET_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)       \
  do {                              \
    ::freshet::Status _st = (expr); \
    if (!_st.ok()) return _st;      \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(FRESHET_CONCAT(_result_, __LINE__), lhs, expr)
