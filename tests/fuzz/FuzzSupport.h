//===- tests/fuzz/FuzzSupport.h - helpers shared by the fuzz targets -*- C++ -*-===//
//
// What every libFuzzer target here needs around the code under test: a file
// holding the current input (lgc's readers take paths, as the driver does),
// and the oracle that an answer to a bad file is a user error, never an
// internal one. A crash, a sanitizer report or an abort() here is a finding.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Error.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace lgc::fuzz {

/// A file in $TMPDIR (or /tmp) named for this process, rewritten with each
/// input and removed at exit.
class InputFile {
public:
  /// `suffix` ends the name, e.g. ".yaml".
  explicit InputFile(const std::string &suffix) {
    const char *dir = std::getenv("TMPDIR");
    path_ = std::string(dir && *dir ? dir : "/tmp") + "/lgc-fuzz-" + std::to_string(::getpid()) +
            suffix;
  }
  ~InputFile() { ::unlink(path_.c_str()); }
  InputFile(const InputFile &) = delete;
  InputFile &operator=(const InputFile &) = delete;

  const std::string &path() const { return path_; }

  /// Replaces the file's contents with `size` bytes at `data`.
  void write(const uint8_t *data, size_t size) const {
    std::FILE *f = std::fopen(path_.c_str(), "wb");
    if (!f || (size > 0 && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
      std::perror(path_.c_str());
      std::abort(); // the fuzzer's machine, not lgc: stop rather than test nothing
    }
  }

private:
  std::string path_;
};

/// The oracle for a failure: a user error with a file and a message. An
/// internal error (a bug lgc admits to) on any input is a finding.
inline void expectUserError(const Error &error, const char *stage) {
  if (!error) return;
  if (error.isInternal() || error.location().file.empty() || error.message().empty()) {
    std::fprintf(stderr, "%s: not a user error:\n%s", stage, error.str().c_str());
    std::abort();
  }
}

/// Aborts with `error` when it is a failure: for steps that must succeed
/// once the earlier ones did (the verifier after a pass).
inline void expectSuccess(const Error &error, const char *stage) {
  if (!error) return;
  std::fprintf(stderr, "%s failed on an accepted model:\n%s", stage, error.str().c_str());
  std::abort();
}

} // namespace lgc::fuzz
