//===- runtime/AtomicFile.cpp - files that are complete or absent ---------===//
//
// 1. Create `PATH.tmp-<pid>-<random>` exclusively (O_EXCL: never another
//    process's file) in PATH's directory, so the rename stays in one file
//    system.
// 2. Let the caller write into it; writes loop over short writes and EINTR.
// 3. fsync and close it: a rename of unflushed data could, after a power
//    loss, leave PATH empty.
// 4. rename it over PATH, then fsync the directory (best effort) so the new
//    name is durable too.
// Any failure before the rename removes the temporary file. A symbolic link
// is followed (the link stays, its target is replaced). A device, FIFO or
// socket (/dev/null, /dev/stdout) is written in place: renaming over it would
// replace it with a file, and a stream has no half-written file to avoid.
//
//===----------------------------------------------------------------------===//
#include "runtime/AtomicFile.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace lgc {
namespace {

/// The longest file name part kept in a temporary name, leaving room for the
/// suffix within NAME_MAX (255) on common file systems.
constexpr size_t kMaxBaseName = 200;

/// What LGC_FAULT_INJECT asks of the writer.
struct FaultPlan {
  long long after = -1; ///< Fail after this many bytes; -1: no fault.
  bool kill = false;    ///< _exit(3) instead of failing.
  std::string bad;      ///< The variable's text when it is malformed.
};

FaultPlan faultPlan() {
  FaultPlan plan;
  const char *env = std::getenv("LGC_FAULT_INJECT");
  if (!env || !*env) return plan;
  std::string text(env);
  const std::string prefix = "write:";
  if (text.compare(0, prefix.size(), prefix) == 0) {
    const char *digits = text.c_str() + prefix.size();
    char *end = nullptr;
    errno = 0;
    long long n = std::strtoll(digits, &end, 10);
    std::string mode = end ? end : "";
    if (end != digits && errno == 0 && n >= 0 &&
        (mode.empty() || mode == ":fail" || mode == ":kill")) {
      plan.after = n;
      plan.kill = mode == ":kill";
      return plan;
    }
  }
  plan.bad = text;
  return plan;
}

/// Eight random hex digits; the pid already separates processes, this
/// separates writes of one process and survives pid reuse.
std::string randomTag() {
  uint64_t bits =
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  try {
    std::random_device device;
    bits ^= (static_cast<uint64_t>(device()) << 32) | device();
  } catch (...) { // No entropy source: the clock alone is enough with O_EXCL.
  }
  char tag[17];
  std::snprintf(tag, sizeof tag, "%08x", static_cast<unsigned>(bits ^ (bits >> 32)));
  return tag;
}

/// `PATH.tmp-<pid>-<random>`, with a long file name shortened.
std::string temporaryName(const std::string &path) {
  size_t slash = path.rfind('/');
  size_t base = slash == std::string::npos ? 0 : slash + 1;
  std::string stem = path.size() - base > kMaxBaseName ? path.substr(0, base + kMaxBaseName) : path;
  return stem + ".tmp-" + std::to_string(::getpid()) + "-" + randomTag();
}

Error cannotWrite(const std::string &path, const std::string &why) {
  return Error::inFile(path, "cannot write file: " + why);
}

/// The directory holding `path`, for fsync after the rename and
/// relative links.
std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

/// Where the bytes go: the file a symbolic link (or a chain of them) points
/// at, even one that does not exist yet, as the shell's `>` does; else `path`.
std::string resolveLink(const std::string &path) {
  std::string target = path;
  for (int hops = 0; hops < 40; ++hops) { // Linux's own limit on a chain
    struct stat st;
    if (::lstat(target.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return target;
    std::string link(static_cast<size_t>(st.st_size > 0 ? st.st_size : 4095) + 1, '\0');
    ssize_t n = ::readlink(target.c_str(), link.data(), link.size());
    if (n < 0 || static_cast<size_t>(n) >= link.size()) return target;
    link.resize(static_cast<size_t>(n));
    target = link[0] == '/' ? link : directoryOf(target) + "/" + link;
  }
  return target; // A loop: open() reports it.
}

/// True for an existing device, FIFO or socket (/dev/null, /dev/stdout):
/// written in place, since renaming over it would replace it with a file.
bool isSpecialFile(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

} // namespace

bool AtomicFileWriter::write(const void *data, size_t size) {
  if (failed()) return false;
  const auto *in = static_cast<const char *>(data);
  while (size > 0) {
    size_t chunk = size;
    bool fault = faultAfter_ >= 0 && written_ + size > static_cast<size_t>(faultAfter_);
    if (fault) chunk = static_cast<size_t>(faultAfter_) - written_;
    if (chunk == 0) {
      if (faultKills_) ::_exit(3); // As if killed here: no cleanup at all.
      failure_ = "fault injected by LGC_FAULT_INJECT after " + std::to_string(written_) + " bytes";
      return false;
    }
    ssize_t n = ::write(fd_, in, chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failure_ = n < 0 ? std::strerror(errno) : "the write made no progress";
      return false;
    }
    in += n;
    size -= static_cast<size_t>(n);
    written_ += static_cast<size_t>(n);
  }
  return true;
}

Error writeFileAtomically(const std::string &path,
                          const std::function<void(AtomicFileWriter &)> &body) {
  FaultPlan plan = faultPlan();
  if (!plan.bad.empty())
    return cannotWrite(path, "LGC_FAULT_INJECT='" + plan.bad +
                                 "' is not write:N, write:N:fail or write:N:kill");
  std::string target = resolveLink(path);
  if (isSpecialFile(target)) {
    int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return cannotWrite(path, std::strerror(errno));
    AtomicFileWriter writer(fd, plan.after, plan.kill);
    body(writer);
    std::string failure = writer.failure_;
    if (::close(fd) != 0 && failure.empty()) failure = std::strerror(errno);
    return failure.empty() ? Error() : cannotWrite(path, failure);
  }
  // Step 1.
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 8; ++attempt) {
    tmp = temporaryName(target);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) return cannotWrite(path, std::strerror(errno));
  // Steps 2 and 3.
  AtomicFileWriter writer(fd, plan.after, plan.kill);
  body(writer);
  std::string failure = writer.failure_;
  if (failure.empty() && ::fsync(fd) != 0) failure = std::strerror(errno);
  if (::close(fd) != 0 && failure.empty()) failure = std::strerror(errno);
  // Step 4.
  if (failure.empty() && ::rename(tmp.c_str(), target.c_str()) != 0) failure = std::strerror(errno);
  if (!failure.empty()) {
    ::unlink(tmp.c_str());
    return cannotWrite(path, failure);
  }
  int dir = ::open(directoryOf(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    (void)::fsync(dir); // Best effort: the file itself is complete already.
    ::close(dir);
  }
  return Error();
}

Error writeFileAtomically(const std::string &path, std::string_view bytes) {
  return writeFileAtomically(path, [&](AtomicFileWriter &w) { w.write(bytes); });
}

} // namespace lgc
