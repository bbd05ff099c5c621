//===- runtime/AtomicFile.h - files that are complete or absent -*- C++ -*-===//
//
// Every file lgc writes (.npy outputs, and ahead-of-time objects and cache
// entries) goes through writeFileAtomically: the bytes go to a temporary file
// `PATH.tmp-<pid>-<random>` in the same directory, which is flushed to disk
// (fsync) and then renamed over PATH. rename(2) within one file system is
// atomic, so a reader sees the old file or the whole new one, never a part
// (SPEC §6: "an output file is either complete or absent"). On any failure
// the temporary file is removed and PATH is left as it was. A process killed
// mid-write leaves PATH untouched too, but its temporary file stays behind:
// nothing runs after SIGKILL to remove it (the `.tmp-` name says what it is).
//
// Fault injection, for tests: with `LGC_FAULT_INJECT=write:N` in the
// environment the N+1-th byte written to any one file fails (as a full disk
// would: the write returns an error naming the injection), and with
// `LGC_FAULT_INJECT=write:N:kill` the process calls `_exit(3)` there instead,
// as if killed mid-write. `write:N:fail` is the explicit form of the first.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Error.h"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace lgc {

/// The sink writeFileAtomically hands its callback: bytes appended to the
/// temporary file. After the first failure every write does nothing and
/// returns false; writeFileAtomically then reports that failure.
class AtomicFileWriter {
public:
  /// Appends `size` bytes; false if this or an earlier write failed.
  bool write(const void *data, size_t size);
  /// Appends `bytes`; false if this or an earlier write failed.
  bool write(std::string_view bytes) { return write(bytes.data(), bytes.size()); }
  /// Bytes written so far.
  size_t written() const { return written_; }
  /// True once a write has failed.
  bool failed() const { return !failure_.empty(); }

private:
  friend Error writeFileAtomically(const std::string &,
                                   const std::function<void(AtomicFileWriter &)> &);
  AtomicFileWriter(int fd, long long faultAfter, bool faultKills)
      : fd_(fd), faultAfter_(faultAfter), faultKills_(faultKills) {}

  int fd_;
  long long faultAfter_; ///< Inject a fault after this many bytes; -1: never.
  bool faultKills_;
  size_t written_ = 0;
  std::string failure_; ///< Why a write failed; empty while all is well.
};

/// Writes the file at `path` with the bytes `body` hands to its writer: to a
/// temporary file in the same directory, fsynced, then renamed over `path`.
/// On failure returns `PATH: error: cannot write file: <why>`, with `path`
/// unchanged and no temporary file left. `body` may stop early after a failed
/// write; its writes are what the file holds. A symbolic link is followed; an
/// existing device or FIFO (`/dev/null`, `/dev/stdout`) is written in place.
Error writeFileAtomically(const std::string &path,
                          const std::function<void(AtomicFileWriter &)> &body);

/// Writes `bytes` as the whole file at `path`, atomically as above.
Error writeFileAtomically(const std::string &path, std::string_view bytes);

} // namespace lgc
