//===- tools/lgc/CompileCommand.cpp - lgc compile -------------------------===//
//
// Ahead of time: the model as a relocatable object with SPEC §7's C
// interface, and its header. Weights are read by the program at create time
// (a --weights file given here is checked now, so a wrong one fails early) or
// embedded with --embed-weights (the file's, or the seeded defaults). The
// target is the host unless --target-cpu / --mattr say otherwise.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Driver.h"
#include "tools/lgc/Commands.h"
#include "tools/lgc/ModelIO.h"

#include <cstdio>
#include <sys/stat.h>

namespace lgc {
namespace {

/// OUT.o -> OUT.h; any other name gets ".h" appended.
std::string defaultHeader(const std::string &object) {
  if (object.size() > 2 && object.compare(object.size() - 2, 2, ".o") == 0)
    return object.substr(0, object.size() - 2) + ".h";
  return object + ".h";
}

std::string sizeText(const std::string &path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return "?";
  double kb = double(st.st_size) / 1024.0;
  char buf[32];
  std::snprintf(buf, sizeof buf, kb < 10240 ? "%.0f KiB" : "%.1f MiB", kb < 10240 ? kb : kb / 1024);
  return buf;
}

} // namespace

int runCompile(const CompileOptions &options) {
  Expected<Target> target = targetFor(options.targetCpu, options.mattr);
  if (!target) return usageError(target.error().message());
  std::string header = options.header.empty() ? defaultHeader(options.output) : options.header;
  if (header == options.output) return usageError("--header names the object file itself");

  Expected<Compilation> compilation =
      Compilation::open(options.model, DriverOptions(options.batch, layoutOption(options.layout)));
  if (!compilation) return report(compilation.takeError());
  std::optional<WeightMap> weights;
  if (options.embedWeights || !options.weights.empty()) {
    Expected<WeightMap> bound = bindWeights(compilation->graph(), options.weights, options.seed);
    if (!bound) return report(bound.takeError());
    weights = std::move(*bound);
  }

  AotOptions aot{options.output, header, options.embedWeights ? &*weights : nullptr};
  if (Error e = compilation->compileObject(*target, aot)) return report(e);
  const Graph *graph = &compilation->graph();
  std::printf("compiled %s for %s (%d-lane vectors): %s (%s%s), %s\n", graph->name.c_str(),
              target->cpu.c_str(), target->vectorWidth, options.output.c_str(),
              sizeText(options.output).c_str(), options.embedWeights ? ", weights embedded" : "",
              header.c_str());
  return kExitOk;
}

} // namespace lgc
