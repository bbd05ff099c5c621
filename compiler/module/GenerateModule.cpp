//===- compiler/module/GenerateModule.cpp - a graph as LLVM modules ----------===//
//
// 1. Lower the graph to kernels (Loop IR) and weight recipes.
// 2. Emit every distinct kernel, in one LLVM module or spread over several
//    of about equal size (compiled on separate threads).
// 3. Describe the program: a step per kernel, each argument bound to a model
//    input or output, a prepared weight, or an arena buffer placed by the
//    buffer's lifetime (the steps from its producer to its last reader).
//
//===----------------------------------------------------------------------===//
#include "compiler/module/GenerateModule.h"

#include "compiler/codegen/CodeGen.h"
#include "compiler/lower/Lower.h"
#include "runtime/ForEachOnThreads.h"
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

/// About how many LLVM instructions `s` becomes: unrolled loops count their
/// body once per iteration (the emitter copies it out).
int64_t emittedSize(const loop::Stmt &s) {
  int64_t size = 1;
  for (const loop::StmtRef &c : s.body) size += emittedSize(*c);
  if (s.kind == loop::StmtKind::For && s.loop == loop::LoopKind::Unrolled)
    size *= std::max<int64_t>(1, s.end - s.begin);
  return size;
}

/// `kernels` in at most `parts` shares of about equal size (largest first,
/// each to the smallest share so far); in kernel order within a share.
std::vector<std::vector<const loop::Kernel *>>
spreadKernels(const std::vector<const loop::Kernel *> &kernels, int parts) {
  size_t count = std::max<size_t>(1, std::min(kernels.size(), size_t(std::max(parts, 1))));
  std::vector<std::pair<int64_t, size_t>> bySize; // (size, kernel index)
  for (size_t i = 0; i < kernels.size(); ++i) bySize.push_back({emittedSize(*kernels[i]->body), i});
  std::stable_sort(bySize.begin(), bySize.end(),
                   [](const auto &a, const auto &b) { return a.first > b.first; });
  std::vector<int64_t> load(count, 0);
  std::vector<std::vector<size_t>> chosen(count);
  for (const auto &[size, index] : bySize) {
    size_t least = size_t(std::min_element(load.begin(), load.end()) - load.begin());
    load[least] += size;
    chosen[least].push_back(index);
  }
  std::vector<std::vector<const loop::Kernel *>> shares(count);
  for (size_t p = 0; p < count; ++p) {
    std::sort(chosen[p].begin(), chosen[p].end());
    for (size_t index : chosen[p]) shares[p].push_back(kernels[index]);
  }
  return shares;
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
                                         const Target &target, LayoutPolicy layouts, int parts) {
  Expected<LoweredModel> lowered = lowerGraph(graph, LowerOptions{target.vectorWidth, layouts});
  if (!lowered) return lowered.takeError();
  GeneratedModule out;
  std::vector<const loop::Kernel *> kernels;
  for (const LoweredKernel &k : lowered->kernels)
    if (k.sameAs.empty()) kernels.push_back(&k.kernel);
  std::vector<std::vector<const loop::Kernel *>> shares = spreadKernels(kernels, parts);
  // Each part has an LLVM context of its own, so the parts are emitted side
  // by side (the kernels are only read).
  out.parts.resize(shares.size());
  forEachOnThreads(shares.size(), shares.size(), [&](size_t i) {
    ModulePart &part = out.parts[i];
    part.context = std::make_unique<llvm::LLVMContext>();
    std::string name = shares.size() == 1 ? graph.name : graph.name + ".part" + std::to_string(i);
    part.module = emitKernels(shares[i], *part.context, target, name);
  });
  try {
    out.image = describeProgram(graph, *lowered, params);
  } catch (const std::logic_error &e) {
    return Error::internal(e.what());
  }
  return out;
}

} // namespace lgc
