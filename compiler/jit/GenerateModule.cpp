//===- compiler/jit/GenerateModule.cpp - a graph as one LLVM module -------===//
//
// 1. Lower the graph to kernels (Loop IR) and weight recipes.
// 2. Emit one LLVM module holding every distinct kernel.
// 3. Describe the program: a step per kernel, each argument bound to a model
//    input or output, a prepared weight, or an arena buffer placed by the
//    buffer's lifetime (the steps from its producer to its last reader).
//
//===----------------------------------------------------------------------===//
#include "compiler/jit/GenerateModule.h"

#include "compiler/codegen/CodeGen.h"
#include "compiler/lower/Lower.h"
#include "runtime/MemoryPlan.h"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace lgc {
namespace {

/// Binds storage `index` to a model input, a model output, or an arena
/// buffer (created on first sight, its lifetime stretched to `step`).
BufferRef bindValue(const Graph &graph, const LoweredModel &lowered, int index, int step,
                    std::map<int, int> &arenaIds, std::vector<BufferLifetime> &lifetimes) {
  if (size_t(index) < graph.values.size()) {
    for (size_t i = 0; i < graph.inputs.size(); ++i)
      if (graph.inputs[i] == index) return {BufferKind::Input, static_cast<int64_t>(i)};
    for (size_t i = 0; i < graph.outputs.size(); ++i)
      if (graph.outputs[i] == index) return {BufferKind::Output, static_cast<int64_t>(i)};
  }
  auto [it, added] = arenaIds.emplace(index, static_cast<int>(lifetimes.size()));
  if (added) lifetimes.push_back({lowered.storage[size_t(index)].elements() * 4, step, step});
  lifetimes[static_cast<size_t>(it->second)].last = step;
  return {BufferKind::Arena, it->second};
}

/// Plans the arena with each aliased buffer inside the one holding it: the
/// holder lives from the first step that writes any part of it to the last
/// that reads any part.
ArenaPlan planWithAliases(std::vector<BufferLifetime> &lifetimes,
                          const std::vector<ValueAlias> &aliases,
                          const std::map<int, int> &arenaIds) {
  std::map<size_t, std::pair<size_t, int64_t>> inside; // buffer -> (holder, byte offset)
  for (const ValueAlias &a : aliases) {
    auto v = arenaIds.find(a.value), w = arenaIds.find(a.within);
    // Lowering aliases only values that kernels write and read.
    if (v == arenaIds.end() || w == arenaIds.end())
      throw std::logic_error("describeProgram: an in-place value has no buffer");
    size_t value = size_t(v->second), holder = size_t(w->second);
    lifetimes[holder].first = std::min(lifetimes[holder].first, lifetimes[value].first);
    lifetimes[holder].last = std::max(lifetimes[holder].last, lifetimes[value].last);
    inside[value] = {holder, a.offset * 4};
  }
  std::vector<BufferLifetime> planned;
  std::vector<size_t> index(lifetimes.size());
  for (size_t i = 0; i < lifetimes.size(); ++i)
    if (!inside.count(i)) index[i] = planned.size(), planned.push_back(lifetimes[i]);
  ArenaPlan plan = planArena(planned);
  std::vector<int64_t> offsets(lifetimes.size());
  for (size_t i = 0; i < lifetimes.size(); ++i)
    offsets[i] = inside.count(i) ? 0 : plan.offsets[index[i]];
  for (const auto &[value, place] : inside) offsets[value] = offsets[place.first] + place.second;
  plan.offsets = std::move(offsets);
  return plan;
}

ProgramImage describeProgram(const Graph &graph, LoweredModel &lowered,
                             const std::vector<ParamSpec> &params) {
  ProgramImage image;
  image.model = graph.name;
  std::map<int, int> arenaIds;
  std::vector<BufferLifetime> lifetimes;
  for (size_t k = 0; k < lowered.kernels.size(); ++k) {
    const LoweredKernel &lk = lowered.kernels[k];
    StepImage step{lk.layer, lk.symbol(), lk.kernel.parallelExtent(), {}, lk.flops};
    for (const KernelArg &arg : lk.args)
      step.args.push_back(
          arg.kind == KernelArg::Weight
              ? BufferRef{BufferKind::Weight, arg.index}
              : bindValue(graph, lowered, arg.index, static_cast<int>(k), arenaIds, lifetimes));
    image.steps.push_back(std::move(step));
  }
  ArenaPlan plan = planWithAliases(lifetimes, lowered.aliases, arenaIds);
  for (size_t i = 0; i < lifetimes.size(); ++i)
    image.buffers.push_back({lifetimes[i].bytes, plan.offsets[i]});
  image.arenaBytes = plan.totalBytes;
  image.weights = std::move(lowered.weights);
  image.params = params;
  for (ValueId id : graph.inputs) {
    image.inputNames.push_back(graph.value(id).name);
    image.inputShapes.push_back(graph.value(id).shape);
  }
  for (ValueId id : graph.outputs) {
    image.outputNames.push_back(graph.value(id).name);
    image.outputShapes.push_back(graph.value(id).shape);
  }
  return image;
}

} // namespace

Expected<GeneratedModule> generateModule(const Graph &graph, const std::vector<ParamSpec> &params,
                                         const Target &target, LayoutPolicy layouts) {
  Expected<LoweredModel> lowered = lowerGraph(graph, LowerOptions{target.vectorWidth, layouts});
  if (!lowered) return lowered.takeError();
  GeneratedModule out;
  out.context = std::make_unique<llvm::LLVMContext>();
  std::vector<const loop::Kernel *> kernels;
  for (const LoweredKernel &k : lowered->kernels)
    if (k.sameAs.empty()) kernels.push_back(&k.kernel);
  out.module = emitKernels(kernels, *out.context, target, graph.name);
  try {
    out.image = describeProgram(graph, *lowered, params);
  } catch (const std::logic_error &e) {
    return Error::internal(e.what());
  }
  return out;
}

} // namespace lgc
