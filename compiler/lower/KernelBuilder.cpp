//===- compiler/lower/KernelBuilder.cpp - building one kernel -------------===//
#include "compiler/lower/KernelBuilder.h"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace lgc {

using namespace loop;

std::string kernelName(size_t position, const std::string &layer) {
  std::string name = "lgc_k" + std::to_string(position) + "_" + layer;
  for (char &c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  return name;
}

KernelBuilder::KernelBuilder(const Graph &graph, const Node &node, LoweredModel &model,
                             const LowerOptions &options)
    : KernelBuilder(graph, node.name, model, options) {
  node_ = &node;
}

KernelBuilder::KernelBuilder(const Graph &graph, const std::string &layer, LoweredModel &model,
                             const LowerOptions &options)
    : graph_(graph), node_(nullptr), model_(model), options_(options) {
  kernel_.layer = layer;
  kernel_.kernel.name = kernelName(model.kernels.size(), layer);
  kernel_.kernel.vectorWidth = options.vectorWidth;
}

const Node &KernelBuilder::node() const {
  if (!node_) throw std::logic_error("lowering: kernel '" + kernel_.layer + "' has no node");
  return *node_;
}

WeightRecipe KernelBuilder::param(const std::string &suffix) const {
  std::string name = node().name + "." + suffix;
  auto derived = graph_.derivedParams.find(name);
  if (derived != graph_.derivedParams.end()) return derived->second;
  for (const Param &p : node().params)
    if (p.name == name) return WeightRecipe{name, p.shape, {}};
  // A bug: ops ask only for parameters they have.
  throw std::logic_error("lowering: layer '" + node().name + "' has no parameter " + name);
}

int64_t KernelBuilder::blockOf(ValueId id) const {
  return model_.storage[static_cast<size_t>(home(id))].block;
}

bool KernelBuilder::allPlain() const {
  if (blockOf(node().output) > 0) return false;
  return std::none_of(node().inputs.begin(), node().inputs.end(),
                      [&](ValueId id) { return blockOf(id) > 0; });
}

int KernelBuilder::storageBuffer(const std::string &name, int storage, Shape view, bool written) {
  const Storage &s = model_.storage[static_cast<size_t>(storage)];
  Shape stored = view;
  std::string layout = s.layoutName();
  if (s.block > 0) {
    // A blocked view keeps N and C and reshapes only the pixels.
    if (view.size() != 4 || view[0] != s.shape[0] || view[1] != s.shape[1] ||
        view[2] * view[3] != s.shape[2] * s.shape[3])
      throw std::logic_error("lowering: view " + formatShape(view) + " of blocked value '" +
                             graph_.value(s.value).name + "'");
    stored = {view[0], (view[1] + s.block - 1) / s.block, view[2], view[3], s.block};
  } else if (numElements(view) != numElements(s.shape)) {
    throw std::logic_error("lowering: view " + formatShape(view) + " of value '" +
                           graph_.value(s.value).name + "' " + formatShape(s.shape));
  }
  return addBuffer(BufferDecl{name, std::move(stored), written, "", layout},
                   KernelArg{KernelArg::Value, storage});
}

int KernelBuilder::valueBuffer(const std::string &name, ValueId id, Shape view) {
  return storageBuffer(name, home(id), std::move(view), false);
}

int KernelBuilder::valueBuffer(const std::string &name, ValueId id) {
  return valueBuffer(name, id, graph_.value(id).shape);
}

int KernelBuilder::blockedRowsBuffer(const std::string &name, ValueId id) {
  const Storage &s = model_.storage[static_cast<size_t>(home(id))];
  if (s.block == 0)
    throw std::logic_error("lowering: rows of plain value '" + graph_.value(id).name + "'");
  Shape rows{s.shape[0], s.elements() / s.shape[0]};
  return addBuffer(BufferDecl{name, std::move(rows), false, "", ""},
                   KernelArg{KernelArg::Value, home(id)});
}

bool KernelBuilder::foldedFlatten(const Node &flatten) const {
  if (flatten.op != OpKind::Flatten || !flatten.fused.empty()) return false;
  // [N, C, H, W] to [N, C*H*W] only, with whole blocks of channels.
  const Shape &in = graph_.inputOf(flatten).shape, &out = graph_.outputOf(flatten).shape;
  int64_t block = blockOf(flatten.inputs[0]);
  if (in.size() != 4 || out != Shape{in[0], in[1] * in[2] * in[3]} || block == 0 ||
      in[1] % block != 0)
    return false;
  // Read once, as the input of a Linear (not as an addend of its epilogue).
  std::vector<int> users = graph_.usesOf(flatten.output);
  if (users.size() != 1 || graph_.isOutput(flatten.output)) return false;
  const Node &reader = graph_.nodes[static_cast<size_t>(users[0])];
  return reader.op == OpKind::Linear && reader.inputs[0] == flatten.output;
}

int KernelBuilder::outputBuffer(Shape view) {
  for (const FusedOp &f : node().fused)
    if (f.op == OpKind::Add)
      addends_.push_back(valueBuffer("addend" + std::to_string(addends_.size()),
                                     node().inputs[static_cast<size_t>(f.operand)], view));
  return storageBuffer("out", home(node().output), std::move(view), true);
}

int KernelBuilder::outputBuffer() {
  return outputBuffer(graph_.outputOf(node()).shape);
}

int KernelBuilder::weightBuffer(const std::string &name, WeightRecipe recipe) {
  Expected<Shape> shape = recipeShape(recipe);
  if (!shape) throw std::logic_error("lowering: " + shape.takeError().str());
  std::string prep = recipe.steps.empty() ? "" : describeRecipe(recipe);
  model_.weights.push_back(std::move(recipe));
  return addBuffer(BufferDecl{name, std::move(*shape), false, std::move(prep), ""},
                   KernelArg{KernelArg::Weight, static_cast<int>(model_.weights.size() - 1)});
}

int KernelBuilder::addBuffer(BufferDecl decl, KernelArg arg) {
  kernel_.kernel.buffers.push_back(std::move(decl));
  kernel_.args.push_back(arg);
  return static_cast<int>(kernel_.kernel.buffers.size() - 1);
}

bool KernelBuilder::blocked(int buffer) const {
  return !kernel_.kernel.buffers[static_cast<size_t>(buffer)].layout.empty();
}

std::vector<E> KernelBuilder::at(int buffer, std::vector<E> indices) const {
  if (!blocked(buffer)) return indices;
  // A blocked buffer's stored shape ends in its block: [N, C/L, H, W, L].
  int64_t block = kernel_.kernel.buffers[static_cast<size_t>(buffer)].shape.back();
  const E &c = indices[1];
  return {indices[0], floorDiv(c, block), indices[2], indices[3], mod(c, block)};
}

E KernelBuilder::read(int buffer, const std::vector<E> &indices, E inRange) const {
  if (blocked(buffer) || !inRange) return load(buffer, at(buffer, indices));
  return guardedLoad(buffer, at(buffer, indices), inRange, 0.0f);
}

StmtRef KernelBuilder::write(int buffer, const std::vector<E> &indices, E value, E inRange) const {
  E guard = blocked(buffer) ? E() : inRange;
  return store(buffer, at(buffer, indices), epilogue(value, indices, inRange), guard);
}

E KernelBuilder::epilogue(E value, const std::vector<E> &indices, E guard) const {
  size_t addend = 0;
  for (const FusedOp &f : node().fused) {
    if (f.op == OpKind::Add) {
      int b = addends_[addend++];
      value = value + guardedLoad(b, at(b, indices), guard, 0.0f);
    } else {
      value = activation(f.op, f.attrs, value);
    }
  }
  return value;
}

void KernelBuilder::finish(StmtRef body, double flops) {
  kernel_.kernel.body = block({std::move(body)});
  kernel_.flops = flops;
  model_.kernels.push_back(std::move(kernel_));
}

E activation(OpKind op, const Attrs &attrs, E x) {
  switch (op) {
  case OpKind::ReLU:
    return select(x < f32(0), f32(0), x);
  case OpKind::ReLU6:
    return select(x < f32(0), f32(0), select(f32(6) < x, f32(6), x));
  case OpKind::LeakyReLU: {
    float slope = static_cast<float>(std::get<LeakyReLUAttrs>(attrs).negativeSlope);
    return select(f32(0) < x, x, x * f32(slope));
  }
  case OpKind::Sigmoid:
    return f32(1) / (f32(1) + call(Callee::Exp, {f32(0) - x}));
  case OpKind::Tanh:
    return call(Callee::Tanh, {x});
  default: // Identity, Dropout, Flatten
    return x;
  }
}

} // namespace lgc
