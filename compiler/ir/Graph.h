//===- compiler/ir/Graph.h - the Graph IR -----------------------*- C++ -*-===//
//
// A model as a graph: one node per layer, each reading values (model inputs or
// earlier nodes' outputs) and producing one value with a shape. Parameters
// (weights) are named as PyTorch's state_dict names them and referred to by
// the nodes that use them. Every node keeps its source location so that any
// later stage can point the user at the layer in the model file.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Ops.h"
#include "runtime/Error.h"
#include "runtime/Tensor.h"
#include "runtime/WeightRecipe.h"

#include <map>
#include <string>
#include <vector>

namespace lgc {

/// Index of a value in Graph::values.
using ValueId = int;

/// A tensor flowing between layers. Its shape is empty until shape inference.
struct Value {
  std::string name;  ///< The layer's (or model input's) name.
  Shape shape;       ///< Empty: not inferred yet.
  int producer = -1; ///< Index in Graph::nodes, or -1 for a model input.
  Location loc;
};

/// A named parameter a node uses: `conv1.weight : f32[64, 3, 11, 11]`.
struct Param {
  std::string name;
  Shape shape;
};

/// An op applied to a node's result on its way to memory (fusion). `Add`
/// adds node input `operand` (a residual); the others are activations.
struct FusedOp {
  OpKind op = OpKind::ReLU;
  Attrs attrs;        ///< LeakyReLUAttrs for LeakyReLU, else monostate.
  int operand = -1;   ///< For Add: index into Node::inputs of the addend.
  std::string origin; ///< The layer it came from (for dumps and profiles).
};

/// One layer.
struct Node {
  std::string name;
  OpKind op = OpKind::Identity;
  Attrs attrs;
  std::vector<ValueId> inputs;
  ValueId output = -1;
  std::vector<Param> params;
  std::vector<FusedOp> fused; ///< Applied in order to the op's result.
  Location loc;

  /// Inputs the op itself reads (the rest are fused addends, at the end).
  size_t baseInputCount() const;

  template <typename T> T &as() { return std::get<T>(attrs); }
  template <typename T> const T &as() const { return std::get<T>(attrs); }
};

/// A whole model.
struct Graph {
  std::string name; ///< The model's identifier (prefixes AOT symbols).
  std::string file; ///< The model file it came from.
  std::vector<Value> values;
  std::vector<ValueId> inputs;
  std::vector<Node> nodes;
  std::vector<ValueId> outputs;
  /// Parameters the passes changed (a Conv2d's weight with a BatchNorm folded
  /// in), each as a recipe over the model file's parameters; the others are
  /// the file's own.
  std::map<std::string, WeightRecipe> derivedParams;

  const Value &value(ValueId id) const { return values[static_cast<size_t>(id)]; }
  Value &value(ValueId id) { return values[static_cast<size_t>(id)]; }
  const Value &outputOf(const Node &n) const { return value(n.output); }
  const Value &inputOf(const Node &n, size_t i = 0) const { return value(n.inputs[i]); }
  /// The value named `name`, or -1.
  ValueId findValue(const std::string &name) const;
  /// Whether `id` is a model input, a model output, or either (the
  /// caller's buffers).
  bool isInput(ValueId id) const;
  bool isOutput(ValueId id) const;
  bool isEdge(ValueId id) const { return isInput(id) || isOutput(id); }
  /// The indices of the nodes that read `id`, once per read (a node that
  /// reads it twice appears twice).
  std::vector<int> usesOf(ValueId id) const;
};

/// The parameters `node` needs, derived from its attributes alone (weight and
/// bias of Conv2d and Linear; weight, bias, running_mean, running_var of
/// BatchNorm2d), named `<layer>.<param>`.
std::vector<Param> paramsFor(const Node &node);

} // namespace lgc
