//===- tools/lgc/ModelIO.cpp - weights, inputs and outputs of a run -------===//
#include "tools/lgc/ModelIO.h"

#include "compiler/ir/ParamInit.h"
#include "runtime/Npy.h"

#include <algorithm>
#include <iostream>

namespace lgc {

std::vector<std::string> inputNames(const Graph &graph) {
  std::vector<std::string> names;
  for (ValueId id : graph.inputs) names.push_back(graph.value(id).name);
  return names;
}

std::vector<std::string> outputNames(const Graph &graph) {
  std::vector<std::string> names;
  for (ValueId id : graph.outputs) names.push_back(graph.value(id).name);
  return names;
}

Expected<std::map<std::string, std::string>> matchNamedFiles(const std::vector<std::string> &args,
                                                             const std::vector<std::string> &names,
                                                             const std::string &flag) {
  std::map<std::string, std::string> files;
  for (const std::string &arg : args) {
    std::string name, file = arg;
    size_t eq = arg.find('=');
    if (eq != std::string::npos &&
        std::find(names.begin(), names.end(), arg.substr(0, eq)) != names.end()) {
      name = arg.substr(0, eq);
      file = arg.substr(eq + 1);
    } else if (names.size() == 1) {
      name = names[0];
    } else {
      std::string list;
      for (const std::string &n : names) list += (list.empty() ? "" : ", ") + n;
      return Error::inFile("lgc", flag + " '" + arg + "' must be NAME=FILE: the model has " +
                                      std::to_string(names.size()) + " (" + list + ")");
    }
    if (file.empty()) return Error::inFile("lgc", flag + " '" + arg + "' names no file");
    if (!files.emplace(name, file).second)
      return Error::inFile("lgc", flag + " given twice for '" + name + "'");
  }
  return files;
}

Expected<WeightMap> bindWeights(const Graph &graph, const std::string &weightsPath, uint64_t seed) {
  std::vector<ParamSpec> specs = paramSpecs(graph);
  if (weightsPath.empty()) return seededWeights(specs, seed);
  std::vector<std::string> warnings;
  Expected<WeightMap> weights = loadWeights(specs, weightsPath, warnings);
  for (const std::string &w : warnings) std::cerr << w << "\n";
  return weights;
}

Expected<TensorMap> loadInputs(const Graph &graph, const std::map<std::string, std::string> &files,
                               uint64_t seed) {
  TensorMap inputs;
  for (ValueId id : graph.inputs) {
    const Value &v = graph.value(id);
    auto file = files.find(v.name);
    if (file == files.end()) {
      inputs[v.name] = seededUniform(v.shape, -1.0f, 1.0f, seed, "input:" + v.name);
      continue;
    }
    Expected<Tensor> t = readNpy(file->second);
    if (!t) return t.takeError();
    if (t->shape != v.shape)
      return Error::inFile(file->second, "input '" + v.name + "' expects shape " +
                                             formatShape(v.shape) + " (float32), got " +
                                             formatShape(t->shape));
    inputs[v.name] = std::move(*t);
  }
  return inputs;
}

} // namespace lgc
