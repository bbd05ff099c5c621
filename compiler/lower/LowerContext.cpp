//===- compiler/lower/LowerContext.cpp - building one kernel --------------===//
#include "compiler/lower/LowerContext.h"

#include "compiler/lower/Simplify.h"

#include <algorithm>

namespace lgc {

using namespace loop;

namespace {

/// A C identifier from a layer name: every other character becomes '_'.
std::string identifier(const std::string &name) {
  std::string s = name;
  for (char &c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  return s;
}

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

} // namespace

LowerContext::LowerContext(const Graph &graph, const Node &node, const WeightMap &weights,
                           LoweredModel &model, const LowerOptions &options)
    : graph_(graph), node_(node), weights_(weights), model_(model), options_(options) {
  kernel_.layer = node.name;
  kernel_.kernel.name =
      "lgc_k" + std::to_string(model.kernels.size()) + "_" + identifier(node.name);
  kernel_.kernel.vectorWidth = options.vectorWidth;
}

const Tensor &LowerContext::param(const std::string &suffix) const {
  return weights_.at(node_.name + "." + suffix);
}

int LowerContext::valueBuffer(const std::string &name, ValueId id, Shape view) {
  kernel_.kernel.buffers.push_back(BufferDecl{name, std::move(view), false});
  kernel_.args.push_back(KernelArg{KernelArg::Value, id});
  return static_cast<int>(kernel_.kernel.buffers.size() - 1);
}

int LowerContext::outputBuffer(Shape view) {
  for (const FusedOp &f : node_.fused)
    if (f.op == OpKind::Add)
      addends_.push_back(valueBuffer("addend" + std::to_string(addends_.size()),
                                     node_.inputs[static_cast<size_t>(f.operand)], view));
  int out = valueBuffer("out", node_.output, std::move(view));
  kernel_.kernel.buffers[static_cast<size_t>(out)].written = true;
  return out;
}

int LowerContext::weightBuffer(const std::string &name, Tensor prepared) {
  Shape shape = prepared.shape;
  model_.weights.push_back(std::move(prepared));
  kernel_.kernel.buffers.push_back(BufferDecl{name, std::move(shape), false});
  kernel_.args.push_back(KernelArg{KernelArg::Weight, static_cast<int>(model_.weights.size() - 1)});
  return static_cast<int>(kernel_.kernel.buffers.size() - 1);
}

E LowerContext::epilogue(E value, const std::vector<E> &indices, E guard) const {
  size_t addend = 0;
  for (const FusedOp &f : node_.fused) {
    if (f.op == OpKind::Add)
      value = value + guardedLoad(addends_[addend++], indices, guard, 0.0f);
    else
      value = activation(f.op, f.attrs, value);
  }
  return value;
}

void LowerContext::finish(StmtRef body, double flops) {
  kernel_.kernel.body = block({std::move(body)});
  kernel_.flops = flops;
  simplifyKernel(kernel_.kernel);
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

std::vector<std::pair<int64_t, int64_t>>
windowRegions(int64_t outSize, int64_t inSize, int64_t stride, int64_t padBegin, int64_t span) {
  int64_t lo = std::clamp<int64_t>((padBegin + stride - 1) / stride, 0, outSize);
  int64_t hi = std::clamp<int64_t>(floorDiv(inSize - 1 + padBegin - span, stride) + 1, 0, outSize);
  if (hi <= lo) return {{0, outSize}};
  std::vector<std::pair<int64_t, int64_t>> regions;
  for (auto r :
       {std::make_pair(int64_t(0), lo), std::make_pair(lo, hi), std::make_pair(hi, outSize)})
    if (r.first < r.second) regions.push_back(r);
  return regions;
}

Shape rowsView(const Shape &shape) {
  if (shape.size() <= 2) return shape.size() == 2 ? shape : Shape{1, shape.empty() ? 1 : shape[0]};
  int64_t rows = shape[0] * shape[1];
  return {rows, numElements(shape) / rows};
}

} // namespace lgc
