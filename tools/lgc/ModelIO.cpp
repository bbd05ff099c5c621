//===- tools/lgc/ModelIO.cpp - weights, inputs and outputs of a run -------===//
#include "tools/lgc/ModelIO.h"

#include "compiler/frontend/ModelParser.h"
#include "compiler/ir/ParamInit.h"
#include "runtime/Npy.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sys/stat.h>
#include <tuple>

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

namespace {

std::string joinNames(const std::vector<std::string> &names) {
  std::string list;
  for (const std::string &n : names) list += (list.empty() ? "" : ", ") + n;
  return list;
}

/// One `[NAME=]FILE` argument of `flag` as (name, file). `NAME=` with a name
/// the model lacks is an error, not a file name (write `./a=b.npy` for that).
Expected<std::pair<std::string, std::string>> splitNamedFile(const std::string &arg,
                                                             const std::vector<std::string> &names,
                                                             const std::string &flag) {
  std::string kind = flag.substr(2); // "input" or "output"
  size_t eq = arg.find('=');
  std::string prefix = eq == std::string::npos ? "" : arg.substr(0, eq);
  if (std::find(names.begin(), names.end(), prefix) != names.end())
    return std::make_pair(prefix, arg.substr(eq + 1));
  if (isValidName(prefix))
    return Error::inFile("lgc", flag + " '" + arg + "': the model has no " + kind + " '" + prefix +
                                    "' (its " + kind + "s: " + joinNames(names) + ")");
  if (names.size() == 1) return std::make_pair(names[0], arg);
  return Error::inFile("lgc", flag + " '" + arg + "' must be NAME=FILE: the model has " +
                                  std::to_string(names.size()) + " " + kind + "s (" +
                                  joinNames(names) + ")");
}

} // namespace

Expected<std::map<std::string, std::string>> matchNamedFiles(const std::vector<std::string> &args,
                                                             const std::vector<std::string> &names,
                                                             const std::string &flag) {
  std::map<std::string, std::string> files;
  for (const std::string &arg : args) {
    auto named = splitNamedFile(arg, names, flag);
    if (!named) return named.takeError();
    const auto &[name, file] = *named;
    if (file.empty()) return Error::inFile("lgc", flag + " '" + arg + "' names no file");
    if (!files.emplace(name, file).second)
      return Error::inFile("lgc", flag + " given twice for '" + name + "'");
  }
  return files;
}

Error forTensor(Error error, const std::string &tensor) {
  if (error.isInternal()) return error;
  return Error::inFile(error.location().file, tensor + ": " + error.message());
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
                               uint64_t seed, const ImageNormalization &norm) {
  TensorMap inputs;
  for (ValueId id : graph.inputs) {
    const Value &v = graph.value(id);
    auto file = files.find(v.name);
    if (file == files.end()) {
      inputs[v.name] = seededUniform(v.shape, -1.0f, 1.0f, seed, "input:" + v.name);
      continue;
    }
    if (tensorFileKind(file->second) == TensorFileKind::Image) {
      Expected<Tensor> t = readImageTensor(file->second, v.shape, norm);
      if (!t) return forTensor(t.takeError(), "input '" + v.name + "'");
      inputs[v.name] = std::move(*t);
      continue;
    }
    Expected<Tensor> t = readNpy(file->second);
    if (!t) return forTensor(t.takeError(), "input '" + v.name + "'");
    if (t->shape != v.shape)
      return Error::inFile(file->second, "input '" + v.name + "' expects shape " +
                                             formatShape(v.shape) + " (float32), got " +
                                             formatShape(t->shape));
    inputs[v.name] = std::move(*t);
  }
  return inputs;
}

Expected<ImageNormalization> parseNormalization(const std::string &mean, const std::string &std,
                                                const Graph &graph,
                                                const std::map<std::string, std::string> &files) {
  ImageNormalization norm;
  if (mean.empty() && std.empty()) return norm;
  for (auto [text, flag, out] :
       {std::make_tuple(&mean, "--mean", &norm.mean), std::make_tuple(&std, "--std", &norm.std)}) {
    if (text->empty()) continue;
    Expected<std::vector<float>> values = parseChannelValues(*text, flag);
    if (!values) return values.takeError();
    *out = std::move(*values);
  }
  for (float s : norm.std)
    if (s == 0.0f)
      return Error::inFile("lgc", "--std '" + std + "': a standard deviation of 0 divides by zero");
  bool anyImage = false;
  for (ValueId id : graph.inputs) {
    const Value &v = graph.value(id);
    auto file = files.find(v.name);
    if (file == files.end() || tensorFileKind(file->second) != TensorFileKind::Image) continue;
    anyImage = true;
    if (v.shape.size() != 4) continue; // loading the image says what is wrong
    for (auto [values, flag] :
         {std::make_pair(&norm.mean, "--mean"), std::make_pair(&norm.std, "--std")})
      if (values->size() > 1 && static_cast<int64_t>(values->size()) != v.shape[1])
        return Error::inFile("lgc", std::string(flag) + " has " + std::to_string(values->size()) +
                                        " values, but input '" + v.name + "' has " +
                                        std::to_string(v.shape[1]) +
                                        (v.shape[1] == 1 ? " channel" : " channels") +
                                        " (give one value or one per channel)");
  }
  if (!anyImage)
    return Error::inFile("lgc", std::string(mean.empty() ? "--std" : "--mean") +
                                    " applies to image inputs, and no --input is an image");
  return norm;
}

Expected<std::vector<std::string>> readLabels(const std::string &path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Error::inFile(path, "cannot open file: " + std::string(std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) return Error::inFile(path, "not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::inFile(path, "cannot open file: " + std::string(std::strerror(errno)));
  std::vector<std::string> labels;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
  }
  if (in.bad()) return Error::inFile(path, "cannot read file");
  return labels;
}

} // namespace lgc
