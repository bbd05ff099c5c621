//===- compiler/jit/CompiledModel.cpp - a model compiled in memory --------===//
//
// 1. Lower the graph to kernels (Loop IR) with prepared weights.
// 2. Emit one LLVM module, run O3 for the host, hand it to the JIT.
// 3. Build the Program: a step per kernel, each argument bound to a model
//    input or output, a prepared weight, or an arena buffer placed by the
//    buffer's lifetime (the steps from its producer to its last reader).
//
//===----------------------------------------------------------------------===//
#include "compiler/jit/CompiledModel.h"

#include "compiler/codegen/CodeGen.h"
#include "compiler/lower/Lower.h"
#include "runtime/MemoryPlan.h"

#include <chrono>
#include <map>

namespace lgc {
namespace {

double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

/// Binds graph value `id` to a model input, a model output, or an arena
/// buffer (created on first sight, its lifetime stretched to `step`).
BufferRef bindValue(const Graph &graph, ValueId id, int step, std::map<ValueId, int> &arenaIds,
                    std::vector<BufferLifetime> &lifetimes) {
  for (size_t i = 0; i < graph.inputs.size(); ++i)
    if (graph.inputs[i] == id) return {BufferKind::Input, static_cast<int64_t>(i)};
  for (size_t i = 0; i < graph.outputs.size(); ++i)
    if (graph.outputs[i] == id) return {BufferKind::Output, static_cast<int64_t>(i)};
  auto [it, added] = arenaIds.emplace(id, static_cast<int>(lifetimes.size()));
  if (added) lifetimes.push_back({numElements(graph.value(id).shape) * 4, step, step});
  lifetimes[static_cast<size_t>(it->second)].last = step;
  return {BufferKind::Arena, it->second};
}

Program buildProgram(const Graph &graph, LoweredModel &lowered, const std::vector<KernelFn> &fns) {
  Program program;
  std::map<ValueId, int> arenaIds;
  std::vector<BufferLifetime> lifetimes;
  for (size_t k = 0; k < lowered.kernels.size(); ++k) {
    const LoweredKernel &lk = lowered.kernels[k];
    Step step{lk.layer, fns[k], lk.kernel.parallelExtent(), {}, lk.flops};
    for (const KernelArg &arg : lk.args)
      step.args.push_back(
          arg.kind == KernelArg::Weight
              ? BufferRef{BufferKind::Weight, arg.index}
              : bindValue(graph, arg.index, static_cast<int>(k), arenaIds, lifetimes));
    program.steps.push_back(std::move(step));
  }
  ArenaPlan plan = planArena(lifetimes);
  for (size_t i = 0; i < lifetimes.size(); ++i)
    program.buffers.push_back({lifetimes[i].bytes, plan.offsets[i]});
  program.arenaBytes = plan.totalBytes;
  program.weights = std::move(lowered.weights);
  for (ValueId id : graph.inputs) {
    program.inputNames.push_back(graph.value(id).name);
    program.inputShapes.push_back(graph.value(id).shape);
  }
  for (ValueId id : graph.outputs) {
    program.outputNames.push_back(graph.value(id).name);
    program.outputShapes.push_back(graph.value(id).shape);
  }
  return program;
}

} // namespace

Expected<std::unique_ptr<CompiledModel>>
CompiledModel::compile(const Graph &graph, const WeightMap &weights, const Target &target) {
  std::unique_ptr<CompiledModel> model(new CompiledModel());
  auto start = std::chrono::steady_clock::now();
  Expected<LoweredModel> lowered = lowerGraph(graph, weights, LowerOptions{target.vectorWidth});
  if (!lowered) return lowered.takeError();
  model->timings_.lower = msSince(start);

  start = std::chrono::steady_clock::now();
  auto context = std::make_unique<llvm::LLVMContext>();
  std::vector<const loop::Kernel *> kernels;
  for (const LoweredKernel &k : lowered->kernels) kernels.push_back(&k.kernel);
  std::unique_ptr<llvm::Module> module = emitKernels(kernels, *context, target, graph.name);
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(target);
  if (!machine) return Error::internal("no LLVM target for " + target.triple);
  optimizeModule(*module, *machine);
  model->timings_.optimize = msSince(start);

  start = std::chrono::steady_clock::now();
  Expected<std::unique_ptr<Jit>> jit = Jit::create(target);
  if (!jit) return jit.takeError();
  model->jit_ = std::move(*jit);
  if (Error e = model->jit_->addModule(std::move(module), std::move(context))) return e;
  std::vector<KernelFn> fns;
  for (const loop::Kernel *k : kernels) {
    Expected<void *> fn = model->jit_->lookup(k->name);
    if (!fn) return fn.takeError();
    fns.push_back(reinterpret_cast<KernelFn>(*fn));
  }
  model->timings_.codegen = msSince(start);
  model->program_ = buildProgram(graph, *lowered, fns);
  return model;
}

} // namespace lgc
