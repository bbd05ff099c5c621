//===- runtime/Error.h - user and internal errors ---------------*- C++ -*-===//
//
// lgc reports two kinds of failure, kept apart as Halide keeps user_assert and
// internal_assert: a user error points at the file (and, for model files, the
// line and column) and says what is wrong; an internal error is a bug in lgc
// and says so. Library code returns `Error` / `Expected<T>`; only tools/ turns
// them into exit codes.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lgc {

/// A place in a user file. `line == 0` means the whole file (no position).
/// Lines and columns are 1-based, as editors show them.
struct Location {
  std::string file;
  int line = 0;
  int col = 0;

  /// "FILE:LINE:COL" or "FILE" when there is no position.
  std::string str() const;
};

/// A failure or success. A failed Error carries one diagnostic plus notes,
/// rendered as `FILE:LINE:COL: error: what` and `FILE:LINE:COL: note: ...`.
class [[nodiscard]] Error {
public:
  /// Success.
  Error() = default;

  /// A user error at a position in a user file.
  static Error at(Location loc, std::string message);
  /// A user error about a whole file (weights, tensors): `FILE: error: what`.
  static Error inFile(std::string file, std::string message);
  /// A bug in lgc. Rendered as `lgc: internal error: what`.
  static Error internal(std::string message);

  /// Adds a `note:` line. With no location the note reuses the error's.
  Error &note(std::string message);
  Error &note(Location loc, std::string message);

  /// True when this is a failure (as llvm::Error).
  explicit operator bool() const { return failed_; }
  bool isInternal() const { return internal_; }
  const Location &location() const { return loc_; }
  const std::string &message() const { return message_; }

  /// The full text, one line per diagnostic, each ending in '\n'.
  std::string str() const;

private:
  bool failed_ = false;
  bool internal_ = false;
  Location loc_;
  std::string message_;
  std::vector<std::pair<Location, std::string>> notes_;
};

/// A value or the Error explaining why there is none.
template <typename T> class [[nodiscard]] Expected {
public:
  Expected(T value) : value_(std::move(value)) {}
  Expected(Error error) : error_(std::move(error)) {
    assert(error_ && "Expected built from a success Error");
  }

  /// True when a value is present.
  explicit operator bool() const { return value_.has_value(); }
  T &operator*() { return *value_; }
  const T &operator*() const { return *value_; }
  T *operator->() { return &*value_; }
  const T *operator->() const { return &*value_; }
  /// The error (only valid when there is no value).
  Error takeError() { return std::move(error_); }
  const Error &error() const { return error_; }

private:
  std::optional<T> value_;
  Error error_;
};

} // namespace lgc
