//===- tools/lgc/Commands.h - the lgc subcommands ---------------*- C++ -*-===//
//
// Each subcommand is a function from its parsed options to an exit status
// (SPEC §4: 0 success, 1 bad model/weights/input, 2 bad command line). They
// print results on stdout and errors on stderr.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/lower/Lower.h"
#include "runtime/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lgc {

/// Exit statuses of SPEC §4.
enum ExitCode { kExitOk = 0, kExitBadInput = 1, kExitUsage = 2 };

/// Prints `error` on stderr and returns kExitBadInput.
int report(const Error &error);
/// Prints `lgc: error: message` on stderr and returns kExitUsage.
int usageError(const std::string &message);

/// The policy --layout names (the option's values are checked when parsed).
LayoutPolicy layoutOption(const std::string &layout);

/// `requested` threads, or every available core when it is 0.
int threadCount(int requested);

struct CheckOptions {
  std::string model;
  int64_t batch = 0;
};
int runCheck(const CheckOptions &options);

struct DumpOptions {
  std::string model;
  std::string emit = "graph";
  bool printAfterAll = false;
  int64_t batch = 0;
  std::string layout = "auto"; ///< --layout: auto, nchw or blocked
  std::string targetCpu;       ///< --target-cpu; empty: the host
  std::string mattr;           ///< --mattr "+avx2,-avx512f"
};
int runDump(const DumpOptions &options);
/// The --emit levels, in pipeline order.
const std::vector<std::string> &emitLevels();

struct RunOptions {
  std::string model;
  std::string weights;
  std::vector<std::string> inputs;  ///< [NAME=]FILE (.npy or an image)
  std::vector<std::string> outputs; ///< [NAME=]FILE.npy
  std::string mean;                 ///< --mean for image inputs: "a" or "a,b,c"; empty: none
  std::string std;                  ///< --std likewise
  std::string labels;               ///< --labels FILE: class names for top-5 lines
  int threads = 0;
  int64_t batch = 0;
  uint64_t seed = 0;
  bool reference = false;
  bool noCache = false;        ///< --no-cache: compile afresh, leave the cache alone
  std::string layout = "auto"; ///< --layout: auto, nchw or blocked
};
int runRun(const RunOptions &options);

struct BenchOptions {
  std::string model;
  std::string weights;
  int threads = 0;
  int64_t batch = 0;
  int repeat = 0;     ///< 0: at least 10 runs and one second.
  int warmupMs = 200; ///< untimed runs first, for at least this long (and one run)
  uint64_t seed = 0;
  bool json = false;
  bool profile = false;
  bool noCache = false;
  std::string layout = "auto";
};
int runBench(const BenchOptions &options);

struct CompileOptions {
  std::string model;
  std::string output;  ///< -o OUT.o
  std::string header;  ///< --header OUT.h; default: OUT.o's name with .h
  std::string weights; ///< checked now; embedded with embedWeights
  bool embedWeights = false;
  std::string targetCpu; ///< --target-cpu; empty: the host
  std::string mattr;     ///< --mattr "+avx2,-avx512f"
  int64_t batch = 0;
  uint64_t seed = 0; ///< seeded weights when embedding without --weights
  std::string layout = "auto";
};
int runCompile(const CompileOptions &options);

struct ConfigOptions {
  bool cflags = false;
  bool libs = false;
};
int runConfig(const ConfigOptions &options);

} // namespace lgc
