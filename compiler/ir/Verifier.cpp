//===- compiler/ir/Verifier.cpp - Graph IR invariants ---------------------===//
//
// One static function per named check; verifyGraph runs them in order.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/Verifier.h"

#include "compiler/ir/ShapeRules.h"

#include <set>

namespace lgc {
namespace {

Error fail(const std::string &check, const Node *n, const std::string &what) {
  std::string where = n ? " at layer '" + n->name + "'" : "";
  return Error::internal("verifier check '" + check + "' failed" + where + ": " + what);
}

Error checkUniqueNames(const Graph &g) {
  std::set<std::string> seen;
  for (const Value &v : g.values)
    if (!seen.insert(v.name).second)
      return fail("unique-names", nullptr, "two values are named '" + v.name + "'");
  return Error();
}

Error checkOperandsDefined(const Graph &g) {
  std::vector<bool> defined(g.values.size(), false);
  for (ValueId id : g.inputs) {
    if (id < 0 || static_cast<size_t>(id) >= g.values.size())
      return fail("operands-defined", nullptr, "model input id " + std::to_string(id));
    defined[static_cast<size_t>(id)] = true;
  }
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node &n = g.nodes[i];
    for (ValueId id : n.inputs)
      if (id < 0 || static_cast<size_t>(id) >= g.values.size() || !defined[static_cast<size_t>(id)])
        return fail("operands-defined", &n, "reads a value not defined before it");
    if (n.output < 0 || static_cast<size_t>(n.output) >= g.values.size() ||
        g.value(n.output).producer != static_cast<int>(i))
      return fail("operands-defined", &n, "its output value does not name it as producer");
    defined[static_cast<size_t>(n.output)] = true;
  }
  return Error();
}

/// Fused Add ops on `n` (each owns one input, after the op's own).
size_t fusedAddends(const Node &n) {
  size_t k = 0;
  for (const FusedOp &f : n.fused) k += f.op == OpKind::Add;
  return k;
}

Error checkArity(const Graph &g) {
  for (const Node &n : g.nodes) {
    if (fusedAddends(n) > n.inputs.size())
      return fail("arity", &n, "more fused addends than inputs");
    bool variadic = n.op == OpKind::Add || n.op == OpKind::Concat;
    size_t k = n.baseInputCount();
    if (variadic ? k < 2 : k != 1) return fail("arity", &n, std::to_string(k) + " inputs");
  }
  return Error();
}

bool attrsFit(const Node &n) {
  switch (n.op) {
  case OpKind::Conv2d:
    return std::holds_alternative<Conv2dAttrs>(n.attrs);
  case OpKind::MaxPool2d:
  case OpKind::AvgPool2d:
    return std::holds_alternative<Pool2dAttrs>(n.attrs);
  case OpKind::AdaptiveAvgPool2d:
    return std::holds_alternative<AdaptiveAvgPool2dAttrs>(n.attrs);
  case OpKind::BatchNorm2d:
    return std::holds_alternative<BatchNorm2dAttrs>(n.attrs);
  case OpKind::Linear:
    return std::holds_alternative<LinearAttrs>(n.attrs);
  case OpKind::Flatten:
    return std::holds_alternative<FlattenAttrs>(n.attrs);
  case OpKind::LeakyReLU:
    return std::holds_alternative<LeakyReLUAttrs>(n.attrs);
  case OpKind::Dropout:
    return std::holds_alternative<DropoutAttrs>(n.attrs);
  case OpKind::Concat:
  case OpKind::Softmax:
    return std::holds_alternative<DimAttrs>(n.attrs);
  default:
    return std::holds_alternative<std::monostate>(n.attrs);
  }
}

Error checkAttrsMatchOp(const Graph &g) {
  for (const Node &n : g.nodes)
    if (!attrsFit(n)) return fail("attrs-match-op", &n, "attributes of the wrong kind for its op");
  return Error();
}

bool isFusedActivation(OpKind op) {
  return op == OpKind::ReLU || op == OpKind::ReLU6 || op == OpKind::LeakyReLU ||
         op == OpKind::Sigmoid || op == OpKind::Tanh;
}

Error checkFused(const Graph &g) {
  for (const Node &n : g.nodes) {
    size_t base = n.baseInputCount();
    std::vector<int> reads(n.inputs.size(), 0);
    for (const FusedOp &f : n.fused) {
      std::string what = "fused " + std::string(opName(f.op)) + " from '" + f.origin + "'";
      if (f.op != OpKind::Add && !isFusedActivation(f.op))
        return fail("fused", &n, what + ": only Add and activations fuse");
      bool leaky = f.op == OpKind::LeakyReLU;
      if (leaky ? !std::holds_alternative<LeakyReLUAttrs>(f.attrs)
                : !std::holds_alternative<std::monostate>(f.attrs))
        return fail("fused", &n, what + " has attributes of the wrong kind");
      if (f.op != OpKind::Add) {
        if (f.operand != -1) return fail("fused", &n, what + " has an operand");
        continue;
      }
      if (f.operand < static_cast<int>(base) || static_cast<size_t>(f.operand) >= n.inputs.size())
        return fail("fused", &n,
                    what + " adds input " + std::to_string(f.operand) +
                        ", not one of the addends after the op's " + std::to_string(base) +
                        " inputs");
      if (++reads[static_cast<size_t>(f.operand)] > 1)
        return fail("fused", &n, what + " adds input " + std::to_string(f.operand) + " again");
    }
  }
  return Error();
}

Error checkParams(const Graph &g) {
  for (const Node &n : g.nodes) {
    std::vector<Param> expected = paramsFor(n);
    bool same = expected.size() == n.params.size();
    for (size_t i = 0; same && i < expected.size(); ++i)
      same = expected[i].name == n.params[i].name && expected[i].shape == n.params[i].shape;
    if (!same) return fail("params", &n, "parameters differ from those its attributes imply");
  }
  return Error();
}

Error checkOutputs(const Graph &g) {
  if (g.outputs.empty()) return fail("outputs", nullptr, "the graph has no outputs");
  for (ValueId id : g.outputs)
    if (id < 0 || static_cast<size_t>(id) >= g.values.size() || g.value(id).producer < 0)
      return fail("outputs", nullptr, "an output is not a layer's value");
  return Error();
}

Error checkShapes(const Graph &g) {
  for (ValueId id : g.inputs)
    if (g.value(id).shape.empty())
      return fail("shapes", nullptr, "model input '" + g.value(id).name + "' has no shape");
  for (const Node &n : g.nodes) {
    Expected<Shape> rule = computeOutputShape(g, n);
    if (!rule) return fail("shapes", &n, "its shape rule fails: " + rule.error().message());
    if (*rule != g.outputOf(n).shape)
      return fail("shapes", &n,
                  "output shape " + formatShape(g.outputOf(n).shape) + " but its rule gives " +
                      formatShape(*rule));
    for (const FusedOp &f : n.fused) {
      if (f.op != OpKind::Add) continue;
      const Value &addend = g.inputOf(n, static_cast<size_t>(f.operand));
      if (addend.shape != *rule)
        return fail("shapes", &n,
                    "fused Add from '" + f.origin + "' adds '" + addend.name + "' of shape " +
                        formatShape(addend.shape) + " to an output of shape " + formatShape(*rule));
    }
  }
  return Error();
}

} // namespace

Error verifyGraph(const Graph &g, VerifyOptions options) {
  for (auto check : {checkUniqueNames, checkOperandsDefined, checkArity, checkAttrsMatchOp,
                     checkFused, checkParams, checkOutputs})
    if (Error e = check(g)) return e;
  return options.shapes ? checkShapes(g) : Error();
}

} // namespace lgc
