//===- tools/lgc/ConfigCommand.cpp - lgc config ---------------------------===//
//
// What a program built from `lgc compile` output needs, as pkg-config would
// print it. The runtime library is found next to this lgc: an installed lgc
// (PREFIX/bin/lgc) uses PREFIX/lib and PREFIX/include/lgc, wherever PREFIX
// was moved; an lgc run from its build tree uses that build's library and
// the source tree's headers.
//
//===----------------------------------------------------------------------===//
#include "tools/lgc/Commands.h"

#include <iostream>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lgc {
namespace {

bool exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

/// The directory holding the running executable.
std::string executableDir() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string path(buf, size_t(n));
  return path.substr(0, path.rfind('/'));
}

struct Paths {
  std::string libDir, includeDir;
};

Paths runtimePaths() {
  std::string prefix = executableDir() + "/..";
  if (exists(prefix + "/lib/liblgc_runtime.a")) {
    char real[PATH_MAX];
    if (::realpath(prefix.c_str(), real)) prefix = real;
    return {prefix + "/lib", prefix + "/include/lgc"};
  }
  return {LGC_BUILD_RUNTIME_DIR, LGC_SOURCE_DIR};
}

} // namespace

int runConfig(const ConfigOptions &options) {
  Paths paths = runtimePaths();
  if (options.cflags) std::cout << "-I" << paths.includeDir << (options.libs ? " " : "\n");
  if (options.libs) std::cout << "-L" << paths.libDir << " -llgc_runtime -lstdc++ -lm -pthread\n";
  return kExitOk;
}

} // namespace lgc
