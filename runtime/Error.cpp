//===- runtime/Error.cpp - user and internal errors -----------------------===//
//
// Rendering of diagnostics in the form compilers use, so editors and
// terminals can jump to the position.
//
//===----------------------------------------------------------------------===//
#include "runtime/Error.h"

namespace lgc {

std::string Location::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(col);
}

Error Error::at(Location loc, std::string message) {
  Error e;
  e.failed_ = true;
  e.loc_ = std::move(loc);
  e.message_ = std::move(message);
  return e;
}

Error Error::inFile(std::string file, std::string message) {
  return at(Location{std::move(file), 0, 0}, std::move(message));
}

Error Error::internal(std::string message) {
  Error e = at(Location{"lgc", 0, 0}, std::move(message));
  e.internal_ = true;
  return e;
}

Error &Error::note(std::string message) {
  return note(loc_, std::move(message));
}

Error &Error::note(Location loc, std::string message) {
  notes_.emplace_back(std::move(loc), std::move(message));
  return *this;
}

std::string Error::str() const {
  if (!failed_) return "";
  std::string kind = internal_ ? "internal error: " : "error: ";
  std::string out = loc_.str() + ": " + kind + message_ + "\n";
  for (const auto &[loc, text] : notes_) out += loc.str() + ": note: " + text + "\n";
  return out;
}

} // namespace lgc
