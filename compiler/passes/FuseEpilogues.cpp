//===- compiler/passes/FuseEpilogues.cpp - activations and residual adds --===//
//
// An activation, or the residual Add of a ResNet block, costs a pass over
// memory of its own unless the layer producing its input applies it while
// storing its result. This pass moves such ops into their producer's
// `fused` list, to be applied in order:
//
//   1. Sweep the nodes once, in order (they are topologically sorted, so a
//      producer has taken its earlier epilogues before a later one is seen).
//   2. Activation C (ReLU, ReLU6, LeakyReLU, Sigmoid, Tanh) reading value v:
//      if v's producer P stores computed values (Conv2d, Linear, BatchNorm2d,
//      Add, the pools) and v is read only by C and is not a graph output,
//      C joins P.fused and P takes over C's value.
//   3. Residual Add A of two distinct values: take the one produced later, by
//      P; if P is a Conv2d, Linear or BatchNorm2d without a fused activation
//      (an Add must apply before it) whose value only A reads and is not a
//      graph output, the other value o (defined before P) becomes P's last
//      input, `Add(o)` joins P.fused, and P takes over A's value.
//   4. Compact the graph.
//
//===----------------------------------------------------------------------===//
#include "compiler/passes/GraphEdit.h"
#include "compiler/passes/Passes.h"

#include <utility>

namespace lgc {
namespace {

bool isFusableActivation(OpKind op) {
  switch (op) {
  case OpKind::ReLU:
  case OpKind::ReLU6:
  case OpKind::LeakyReLU:
  case OpKind::Sigmoid:
  case OpKind::Tanh:
    return true;
  default:
    return false;
  }
}

/// Ops whose kernel computes and stores each output element, so it can apply
/// an activation on the way (Flatten only moves data; Concat copies).
bool takesActivation(OpKind op) {
  switch (op) {
  case OpKind::Conv2d:
  case OpKind::Linear:
  case OpKind::BatchNorm2d:
  case OpKind::Add:
  case OpKind::AvgPool2d:
  case OpKind::MaxPool2d:
  case OpKind::AdaptiveAvgPool2d:
    return true;
  default:
    return false;
  }
}

bool takesResidual(const Node &p) {
  if (p.op != OpKind::Conv2d && p.op != OpKind::Linear && p.op != OpKind::BatchNorm2d) return false;
  for (const FusedOp &f : p.fused)
    if (f.op != OpKind::Add) return false;
  return true;
}

/// Step 2 for node `c`.
void fuseActivation(Graph &graph, int c) {
  const Node &act = graph.nodes[static_cast<size_t>(c)];
  ValueId v = act.inputs[0];
  int p = graph.value(v).producer;
  if (p < 0 || !takesActivation(graph.nodes[static_cast<size_t>(p)].op) || !feedsOnly(graph, v, c))
    return;
  graph.nodes[static_cast<size_t>(p)].fused.push_back(FusedOp{act.op, act.attrs, -1, act.name});
  takeOverOutput(graph, p, c);
}

/// Step 3 for node `a`.
void fuseResidual(Graph &graph, int a) {
  const Node &add = graph.nodes[static_cast<size_t>(a)];
  if (add.inputs.size() != 2 || add.inputs[0] == add.inputs[1]) return;
  ValueId v = add.inputs[0], o = add.inputs[1];
  if (graph.value(o).producer > graph.value(v).producer) std::swap(v, o);
  int p = graph.value(v).producer;
  if (p < 0 || graph.value(o).producer >= p) return;
  Node &producer = graph.nodes[static_cast<size_t>(p)];
  if (!takesResidual(producer) || !feedsOnly(graph, v, a)) return;
  producer.inputs.push_back(o);
  int operand = static_cast<int>(producer.inputs.size()) - 1;
  producer.fused.push_back(FusedOp{OpKind::Add, std::monostate(), operand, add.name});
  takeOverOutput(graph, p, a);
}

} // namespace

void fuseEpilogues(Graph &graph) {
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    int self = static_cast<int>(i);
    OpKind op = graph.nodes[i].op;
    if (isFusableActivation(op))
      fuseActivation(graph, self);
    else if (op == OpKind::Add)
      fuseResidual(graph, self);
  }
  compactGraph(graph);
}

} // namespace lgc
