//===- tools/lgc/RunCommand.cpp - lgc run ---------------------------------===//
//
// Build the graph, bind weights and inputs (.npy files or images), run once,
// print each output's shape (and, for 2-D outputs, the top-5 of each row,
// with class names from --labels), write requested outputs to .npy files.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Driver.h"
#include "runtime/Executor.h"
#include "runtime/Npy.h"
#include "tools/lgc/Commands.h"
#include "tools/lgc/ModelIO.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <optional>

namespace lgc {
namespace {

/// `"name"` with backslashes and quotes escaped, for a label in a top-5 line.
std::string quoted(const std::string &label) {
  std::string s = "\"";
  for (char c : label) {
    if (c == '"' || c == '\\') s += '\\';
    s += c;
  }
  return s + "\"";
}

/// "top-5: 3 (0.8123), 7 (0.102), ..." for one row of a 2-D output, or with
/// labels "top-5: 3 \"three\" (0.8123), 7 \"seven\" (0.102), ...".
std::string topFive(const float *row, int64_t len, const std::vector<std::string> *labels) {
  std::vector<int64_t> order(static_cast<size_t>(len));
  std::iota(order.begin(), order.end(), 0);
  size_t k = std::min<size_t>(5, order.size());
  std::partial_sort(
      order.begin(), order.begin() + static_cast<long>(k), order.end(),
      [&](int64_t a, int64_t b) { return row[a] > row[b] || (row[a] == row[b] && a < b); });
  std::string s = "top-" + std::to_string(k) + ":";
  for (size_t i = 0; i < k; ++i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " (%.6g)", static_cast<double>(row[order[i]]));
    std::string label = labels ? " " + quoted((*labels)[static_cast<size_t>(order[i])]) : "";
    s += (i ? ", " : " ") + std::to_string(order[i]) + label + buf;
  }
  return s;
}

void printOutput(const std::string &name, const Tensor &t, const std::vector<std::string> *labels) {
  std::cout << "output " << name << " " << formatShape(t.shape) << "\n";
  if (t.shape.size() != 2) return;
  for (int64_t r = 0; r < t.shape[0]; ++r) {
    std::string prefix = t.shape[0] > 1 ? "  [" + std::to_string(r) + "] " : "  ";
    std::cout << prefix << topFive(t.data.data() + r * t.shape[1], t.shape[1], labels) << "\n";
  }
}

/// The labels of --labels, checked against every 2-D output: one label per
/// class at least (more are allowed: a file may serve a family of models).
Expected<std::vector<std::string>> loadLabels(const std::string &path, const Graph &graph) {
  Expected<std::vector<std::string>> labels = readLabels(path);
  if (!labels) return labels.takeError();
  for (ValueId id : graph.outputs) {
    const Value &v = graph.value(id);
    if (v.shape.size() == 2 && static_cast<int64_t>(labels->size()) < v.shape[1])
      return Error::inFile(path, "has " + std::to_string(labels->size()) + " labels but output '" +
                                     v.name + "' has " + std::to_string(v.shape[1]) + " classes");
  }
  return labels;
}

/// JIT-compiles the model for this machine and runs it once.
Expected<TensorMap> runCompiled(Compilation &compilation, const WeightMap &weights,
                                const TensorMap &inputs, const RunOptions &options) {
  Expected<std::unique_ptr<CompiledModel>> model =
      compilation.compileJit(weights, hostTarget(), !options.noCache);
  if (!model) return model.takeError();
  const Program &program = (*model)->program();
  return Executor(program, threadCount(options.threads)).run(inputs);
}

} // namespace

int runRun(const RunOptions &options) {
  Expected<Compilation> compilation =
      Compilation::open(options.model, DriverOptions(options.batch, layoutOption(options.layout)));
  if (!compilation) return report(compilation.takeError());
  // The graph as the file describes it: --reference interprets it as it is.
  const Graph *graph = &compilation->graph();

  auto inputFiles = matchNamedFiles(options.inputs, inputNames(*graph), "--input");
  if (!inputFiles) return usageError(inputFiles.error().message());
  auto outputFiles = matchNamedFiles(options.outputs, outputNames(*graph), "--output");
  if (!outputFiles) return usageError(outputFiles.error().message());

  Expected<ImageNormalization> norm =
      parseNormalization(options.mean, options.std, *graph, *inputFiles);
  if (!norm) return usageError(norm.error().message());

  std::optional<std::vector<std::string>> labels;
  if (!options.labels.empty()) {
    Expected<std::vector<std::string>> read = loadLabels(options.labels, *graph);
    if (!read) return report(read.takeError());
    labels = std::move(*read);
  }

  Expected<WeightMap> weights = bindWeights(*graph, options.weights, options.seed);
  if (!weights) return report(weights.takeError());
  Expected<TensorMap> inputs = loadInputs(*graph, *inputFiles, options.seed, *norm);
  if (!inputs) return report(inputs.takeError());

  Expected<TensorMap> outputs = options.reference
                                    ? interpret(*graph, *weights, *inputs)
                                    : runCompiled(*compilation, *weights, *inputs, options);
  if (!outputs) return report(outputs.takeError());

  for (const std::string &name : outputNames(*graph))
    printOutput(name, outputs->at(name), labels ? &*labels : nullptr);
  for (const auto &[name, file] : *outputFiles)
    if (Error e = writeNpy(file, outputs->at(name)))
      return report(forTensor(std::move(e), "output '" + name + "'"));
  return kExitOk;
}

} // namespace lgc
