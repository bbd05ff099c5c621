//===- compiler/ir/Printer.cpp - Graph IR as text -------------------------===//
//
// See Printer.h. Attributes print in a fixed order per op, numbers in their
// shortest exact form, so the text changes only when the graph does.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/Printer.h"

#include <algorithm>
#include <sstream>

namespace lgc {
namespace {

std::string typeStr(const Shape &shape) {
  if (shape.empty()) return "f32[?]";
  std::string s = formatShape(shape);
  return "f32" + s;
}

std::string pairStr(const Pair &p) {
  return "[" + std::to_string(p.h) + ", " + std::to_string(p.w) + "]";
}

std::string boolStr(bool b) {
  return b ? "true" : "false";
}

std::string doubleStr(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  // Prefer the shortest form that reads back to the same double.
  for (int p = 1; p <= 17; ++p) {
    std::ostringstream t;
    t.precision(p);
    t << v;
    if (std::stod(t.str()) == v) return t.str();
  }
  return os.str();
}

struct AttrList {
  std::vector<std::string> items;
  void add(const std::string &k, const std::string &v) { items.push_back(k + "=" + v); }
  std::string str() const {
    if (items.empty()) return "";
    std::string s = "{";
    for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + items[i];
    return s + "}";
  }
};

void addConv(AttrList &l, const Conv2dAttrs &a) {
  l.add("in_channels", std::to_string(a.inChannels));
  l.add("out_channels", std::to_string(a.outChannels));
  l.add("kernel", pairStr(a.kernel));
  l.add("stride", pairStr(a.stride));
  l.add("padding", "[" + std::to_string(a.padBegin.h) + ", " + std::to_string(a.padBegin.w) + ", " +
                       std::to_string(a.padEnd.h) + ", " + std::to_string(a.padEnd.w) + "]");
  l.add("dilation", pairStr(a.dilation));
  l.add("groups", std::to_string(a.groups));
  if (a.flip) l.add("flip", "true");
}

void addPool(AttrList &l, OpKind op, const Pool2dAttrs &a) {
  l.add("kernel", pairStr(a.kernel));
  l.add("stride", pairStr(a.stride));
  l.add("padding", pairStr(a.padBegin)); // the same after
  if (op == OpKind::MaxPool2d) l.add("dilation", pairStr(a.dilation));
  l.add("ceil_mode", boolStr(a.ceilMode));
  if (op == OpKind::AvgPool2d) {
    l.add("count_include_pad", boolStr(a.countIncludePad));
    if (a.divisorOverride) l.add("divisor_override", std::to_string(a.divisorOverride));
  }
}

/// `Add(%x) from add1`, `ReLU from relu1`, `LeakyReLU{negative_slope=0.2} from act`.
std::string fusedStr(const Graph &g, const Node &n, const FusedOp &f) {
  std::string s(opName(f.op));
  if (f.op == OpKind::Add) {
    bool valid = f.operand >= 0 && static_cast<size_t>(f.operand) < n.inputs.size();
    s += "(%" + (valid ? g.value(n.inputs[static_cast<size_t>(f.operand)]).name : "?") + ")";
  } else {
    Node act;
    act.op = f.op;
    act.attrs = f.attrs;
    s += printAttrs(act);
  }
  return s + " from " + f.origin;
}

} // namespace

std::string printAttrs(const Node &n) {
  AttrList l;
  if (auto *a = std::get_if<Conv2dAttrs>(&n.attrs))
    addConv(l, *a);
  else if (auto *a = std::get_if<Pool2dAttrs>(&n.attrs))
    addPool(l, n.op, *a);
  else if (auto *a = std::get_if<AdaptiveAvgPool2dAttrs>(&n.attrs))
    l.add("output_size", pairStr(a->outputSize));
  else if (auto *a = std::get_if<BatchNorm2dAttrs>(&n.attrs)) {
    l.add("num_features", std::to_string(a->numFeatures));
    l.add("eps", doubleStr(a->eps));
  } else if (auto *a = std::get_if<LinearAttrs>(&n.attrs)) {
    l.add("in_features", std::to_string(a->inFeatures));
    l.add("out_features", std::to_string(a->outFeatures));
  } else if (auto *a = std::get_if<FlattenAttrs>(&n.attrs)) {
    l.add("start_dim", std::to_string(a->startDim));
    l.add("end_dim", std::to_string(a->endDim));
  } else if (auto *a = std::get_if<LeakyReLUAttrs>(&n.attrs))
    l.add("negative_slope", doubleStr(a->negativeSlope));
  else if (auto *a = std::get_if<DropoutAttrs>(&n.attrs))
    l.add("p", doubleStr(a->p));
  else if (auto *a = std::get_if<DimAttrs>(&n.attrs))
    l.add("dim", std::to_string(a->dim));
  return l.str();
}

std::string printNode(const Graph &g, const Node &n) {
  // The value's name, not the layer's: they differ once a layer has taken
  // over a later layer's value (fusion), and readers refer to the value.
  std::string s = "%" + g.outputOf(n).name + " = " + std::string(opName(n.op)) + "(";
  size_t base = std::min(n.baseInputCount(), n.inputs.size()); // addends print with their Add
  for (size_t i = 0; i < base; ++i) s += (i ? ", %" : "%") + g.value(n.inputs[i]).name;
  s += ")";
  std::string attrs = printAttrs(n);
  if (!attrs.empty()) s += " " + attrs;
  if (!n.params.empty()) {
    s += " params(";
    for (size_t i = 0; i < n.params.size(); ++i)
      s += (i ? ", @" : "@") + n.params[i].name + " : " + typeStr(n.params[i].shape);
    s += ")";
  }
  if (!n.fused.empty()) {
    s += " fused(";
    for (size_t i = 0; i < n.fused.size(); ++i) s += (i ? ", " : "") + fusedStr(g, n, n.fused[i]);
    s += ")";
  }
  s += " : " + typeStr(g.outputOf(n).shape);
  if (n.loc.line > 0)
    s += " loc(" + std::to_string(n.loc.line) + ":" + std::to_string(n.loc.col) + ")";
  return s;
}

std::string printGraph(const Graph &g) {
  std::string s = "graph " + g.name + " {\n";
  for (ValueId id : g.inputs)
    s += "  input %" + g.value(id).name + " : " + typeStr(g.value(id).shape) + "\n";
  for (const Node &n : g.nodes) s += "  " + printNode(g, n) + "\n";
  for (ValueId id : g.outputs) s += "  output %" + g.value(id).name + "\n";
  return s + "}\n";
}

std::ostream &operator<<(std::ostream &os, const Graph &graph) {
  return os << printGraph(graph);
}

} // namespace lgc
