//===- tools/lgc/Compile.cpp - compile and run on this machine ------------===//
#include "tools/lgc/Compile.h"

#include "compiler/passes/Pipeline.h"

namespace lgc {

Expected<std::unique_ptr<CompiledModel>> compileForHost(Graph &graph, WeightMap &weights) {
  if (Error e = optimizeGraph(graph, weights)) return e;
  return CompiledModel::compile(graph, weights, hostTarget());
}

TensorMap allocateOutputs(const Program &program) {
  TensorMap outputs;
  for (size_t i = 0; i < program.outputNames.size(); ++i)
    outputs[program.outputNames[i]] = Tensor(program.outputShapes[i]);
  return outputs;
}

void runOnce(Executor &executor, const Program &program, const TensorMap &inputs,
             TensorMap &outputs) {
  std::vector<const float *> in;
  for (const std::string &name : program.inputNames) in.push_back(inputs.at(name).data.data());
  std::vector<float *> out;
  for (const std::string &name : program.outputNames) out.push_back(outputs.at(name).data.data());
  executor.run(in.data(), out.data());
}

int threadCount(int requested) {
  return requested > 0 ? requested : ThreadPool::availableCores();
}

} // namespace lgc
