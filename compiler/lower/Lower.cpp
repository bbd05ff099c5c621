//===- compiler/lower/Lower.cpp - Graph IR to Loop IR ---------------------===//
//
// lowerGraph is a straight list of named steps (Lower.h lists them), as the
// graph passes are: each step's function here, then the list.
//
//===----------------------------------------------------------------------===//
#include "compiler/lower/Lower.h"

#include "compiler/loop/ShareKernels.h"
#include "compiler/loop/Simplify.h"
#include "compiler/lower/LowerOps.h"

#include <algorithm>
#include <stdexcept>

namespace lgc {

namespace {

/// lower-nodes: one node's kernel, by its op family.
void lowerNode(const Graph &graph, const Node &node, LoweredModel &model,
               const LowerOptions &options) {
  KernelBuilder kb(graph, node, model, options);
  switch (node.op) {
  case OpKind::Conv2d:
    lowerConv2d(kb);
    break;
  case OpKind::MaxPool2d:
  case OpKind::AvgPool2d:
    lowerPool2d(kb);
    break;
  case OpKind::AdaptiveAvgPool2d:
    lowerAdaptiveAvgPool2d(kb);
    break;
  case OpKind::Linear:
    lowerLinear(kb);
    break;
  case OpKind::BatchNorm2d:
    lowerBatchNorm2d(kb);
    break;
  case OpKind::Concat:
    lowerConcat(kb);
    break;
  case OpKind::Softmax:
    lowerSoftmax(kb);
    break;
  default:
    lowerElementwise(kb);
    break;
  }
}

/// plan-storage: every value's storage as `model.blocks` lays it out. Model
/// inputs and outputs stay plain (they are the caller's buffers); a blocked
/// one gets a blocked copy after them, its home, which the kernels use.
void planStorage(const Graph &graph, LoweredModel &model) {
  const std::vector<int64_t> &blocks = model.blocks;
  for (size_t i = 0; i < graph.values.size(); ++i) {
    ValueId id = static_cast<ValueId>(i);
    model.storage.push_back({id, graph.value(id).shape, graph.isEdge(id) ? 0 : blocks[i]});
    model.home.push_back(static_cast<int>(i));
  }
  for (size_t i = 0; i < graph.values.size(); ++i) {
    ValueId id = static_cast<ValueId>(i);
    if (model.storage[i].block == 0 && blocks[i] > 0) {
      model.home[i] = static_cast<int>(model.storage.size());
      model.storage.push_back({id, graph.value(id).shape, blocks[i]});
    }
  }
}

/// The kernel copying value `id` into its blocked home (`intoHome`) or out
/// of it, appended to `model`.
void lowerEdgeCopy(const Graph &graph, ValueId id, bool intoHome, LoweredModel &model,
                   const LowerOptions &options) {
  int home = model.home[static_cast<size_t>(id)];
  std::string layout = model.storage[size_t(home)].layoutName();
  KernelBuilder kb(graph, graph.value(id).name + " (" + (intoHome ? "to " : "from ") + layout + ")",
                   model, options);
  if (intoHome)
    lowerLayoutCopy(kb, id, home);
  else
    lowerLayoutCopy(kb, home, id);
}

/// Whether `kernel` writes storage `storage`, or a value written in place
/// into it.
bool writesInto(const LoweredKernel &kernel, int storage, const LoweredModel &model) {
  for (size_t b = 0; b < kernel.args.size(); ++b) {
    const KernelArg &arg = kernel.args[b];
    if (arg.kind != KernelArg::Value || !kernel.kernel.buffers[b].written) continue;
    if (arg.index == storage) return true;
    for (const ValueAlias &a : model.aliases)
      if (a.value == arg.index && a.within == storage) return true;
  }
  return false;
}

/// insert-edge-copies: each blocked model input is copied into its home
/// before every kernel; each blocked model output out of its home right after
/// the last kernel that writes it. Kernels are then renamed for their
/// positions.
void insertEdgeCopies(const Graph &graph, LoweredModel &model, const LowerOptions &options) {
  std::vector<LoweredKernel> nodeKernels = std::move(model.kernels);
  model.kernels.clear();
  auto blockedHome = [&](ValueId id) { return model.home[size_t(id)] != id; };
  for (ValueId id : graph.inputs)
    if (blockedHome(id)) lowerEdgeCopy(graph, id, true, model, options);
  std::vector<std::vector<ValueId>> copiesAfter(nodeKernels.size());
  for (ValueId id : graph.outputs) {
    if (!blockedHome(id)) continue;
    auto last = std::find_if(nodeKernels.rbegin(), nodeKernels.rend(), [&](const LoweredKernel &k) {
      return writesInto(k, model.home[size_t(id)], model);
    });
    if (last == nodeKernels.rend())
      throw std::logic_error("lowering: no kernel writes output '" + graph.value(id).name + "'");
    copiesAfter[size_t(nodeKernels.rend() - last) - 1].push_back(id);
  }
  for (size_t k = 0; k < nodeKernels.size(); ++k) {
    model.kernels.push_back(std::move(nodeKernels[k]));
    for (ValueId id : copiesAfter[k]) lowerEdgeCopy(graph, id, false, model, options);
  }
  for (size_t k = 0; k < model.kernels.size(); ++k)
    model.kernels[k].kernel.name = kernelName(k, model.kernels[k].layer);
}

/// share-kernels: each kernel whose code repeats an earlier kernel's is
/// marked `sameAs` that one.
void shareKernels(LoweredModel &model) {
  std::vector<const loop::Kernel *> kernels;
  for (const LoweredKernel &k : model.kernels) kernels.push_back(&k.kernel);
  std::vector<int> same = loop::findSameCode(kernels);
  for (size_t k = 0; k < same.size(); ++k)
    if (same[k] >= 0) model.kernels[k].sameAs = model.kernels[size_t(same[k])].kernel.name;
}

} // namespace

Shape Storage::stored() const {
  if (block == 0) return shape;
  return {shape[0], (shape[1] + block - 1) / block, shape[2], shape[3], block};
}

std::string Storage::layoutName() const {
  return block == 0 ? "" : "nChw" + std::to_string(block) + "c";
}

const char *layoutPolicyName(LayoutPolicy policy) {
  switch (policy) {
  case LayoutPolicy::Auto:
    return "auto";
  case LayoutPolicy::Plain:
    return "nchw";
  case LayoutPolicy::Blocked:
    return "blocked";
  }
  return "?";
}

std::optional<LayoutPolicy> layoutPolicyNamed(const std::string &name) {
  for (LayoutPolicy p : {LayoutPolicy::Auto, LayoutPolicy::Plain, LayoutPolicy::Blocked})
    if (name == layoutPolicyName(p)) return p;
  return std::nullopt;
}

Expected<LoweredModel> lowerGraph(const Graph &graph, const LowerOptions &options) {
  LoweredModel model;
  auto step = [&](const char *name, const std::function<void()> &run) {
    run();
    if (options.afterStep) options.afterStep(name, model);
  };
  try {
    step("choose-layouts", [&] { model.blocks = chooseLayouts(graph, options); });
    step("plan-storage", [&] { planStorage(graph, model); });
    step("lower-nodes", [&] {
      for (const Node &node : graph.nodes) lowerNode(graph, node, model, options);
    });
    step("insert-edge-copies", [&] { insertEdgeCopies(graph, model, options); });
    step("simplify", [&] {
      for (LoweredKernel &k : model.kernels) loop::simplifyKernel(k.kernel);
    });
    step("share-kernels", [&] { shareKernels(model); });
  } catch (const std::logic_error &e) {
    return Error::internal(e.what());
  }
  return model;
}

} // namespace lgc
