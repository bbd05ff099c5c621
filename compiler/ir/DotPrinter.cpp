//===- compiler/ir/DotPrinter.cpp - Graph IR for Graphviz -----------------===//
//
// See DotPrinter.h. Pure text, in graph order, so the output is stable and
// golden-testable. Labels use DOT's `\n` (a centred line break) between lines;
// names are escaped (`"` and `\`) and never used as node identifiers.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/DotPrinter.h"

#include <sstream>

namespace lgc {
namespace {

/// `s` as a DOT string body: quotes and backslashes escaped.
std::string escape(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

/// A label from lines, each escaped, joined by DOT's `\n`.
std::string label(const std::vector<std::string> &lines) {
  std::string s;
  for (size_t i = 0; i < lines.size(); ++i) s += (i ? "\\n" : "") + escape(lines[i]);
  return "\"" + s + "\"";
}

/// "3" for [3, 3], "3x1" for [3, 1].
std::string pairShort(const Pair &p) {
  return p.h == p.w ? std::to_string(p.h) : std::to_string(p.h) + "x" + std::to_string(p.w);
}

std::string kernelStr(const Pair &k) {
  return std::to_string(k.h) + "x" + std::to_string(k.w);
}

std::string number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

std::string convSummary(const Conv2dAttrs &a) {
  std::string s = "Conv2d " + kernelStr(a.kernel) + " s" + pairShort(a.stride);
  if (a.padBegin == a.padEnd)
    s += " p" + pairShort(a.padBegin);
  else // `same` padding with one more at the bottom/right
    s += " p[" + std::to_string(a.padBegin.h) + "," + std::to_string(a.padBegin.w) + "," +
         std::to_string(a.padEnd.h) + "," + std::to_string(a.padEnd.w) + "]";
  if (a.dilation != Pair{1, 1}) s += " d" + pairShort(a.dilation);
  if (a.groups != 1) s += " g" + std::to_string(a.groups);
  if (a.flip) s += " flip";
  return s + ", " + std::to_string(a.outChannels) + " out";
}

std::string poolSummary(OpKind op, const Pool2dAttrs &a) {
  std::string s = std::string(opName(op)) + " " + kernelStr(a.kernel) + " s" + pairShort(a.stride);
  if (a.padBegin != Pair{0, 0}) s += " p" + pairShort(a.padBegin); // the same after
  if (op == OpKind::MaxPool2d && a.dilation != Pair{1, 1}) s += " d" + pairShort(a.dilation);
  if (a.ceilMode) s += " ceil";
  if (op == OpKind::AvgPool2d && !a.countIncludePad) s += " exclude-pad";
  if (op == OpKind::AvgPool2d && a.divisorOverride)
    s += " divisor " + std::to_string(a.divisorOverride);
  return s;
}

/// One fused op's line: "+ ReLU (relu1)", "+ Add %x (layer1.0.add)".
std::string fusedLine(const Graph &g, const Node &n, const FusedOp &f) {
  std::string s = "+ " + std::string(opName(f.op));
  if (f.op == OpKind::Add) {
    bool valid = f.operand >= 0 && static_cast<size_t>(f.operand) < n.inputs.size();
    s += " %" + (valid ? g.value(n.inputs[static_cast<size_t>(f.operand)]).name : "?");
  } else if (auto *a = std::get_if<LeakyReLUAttrs>(&f.attrs)) {
    s += " " + number(a->negativeSlope);
  }
  return s + " (" + f.origin + ")";
}

} // namespace

std::string opSummary(const Node &n) {
  if (auto *a = std::get_if<Conv2dAttrs>(&n.attrs)) return convSummary(*a);
  if (auto *a = std::get_if<Pool2dAttrs>(&n.attrs)) return poolSummary(n.op, *a);
  std::string op(opName(n.op));
  if (auto *a = std::get_if<AdaptiveAvgPool2dAttrs>(&n.attrs))
    return op + " to " + kernelStr(a->outputSize);
  if (auto *a = std::get_if<BatchNorm2dAttrs>(&n.attrs))
    return op + " " + std::to_string(a->numFeatures);
  if (auto *a = std::get_if<LinearAttrs>(&n.attrs))
    return op + " " + std::to_string(a->inFeatures) + "->" + std::to_string(a->outFeatures);
  if (auto *a = std::get_if<FlattenAttrs>(&n.attrs))
    return a->startDim == 1 && a->endDim == -1
               ? op
               : op + " " + std::to_string(a->startDim) + ".." + std::to_string(a->endDim);
  if (auto *a = std::get_if<LeakyReLUAttrs>(&n.attrs)) return op + " " + number(a->negativeSlope);
  if (auto *a = std::get_if<DropoutAttrs>(&n.attrs)) return op + " p=" + number(a->p);
  if (auto *a = std::get_if<DimAttrs>(&n.attrs)) return op + " dim=" + std::to_string(a->dim);
  return op;
}

std::string printDot(const Graph &g) {
  // Where each value comes from, as a DOT node identifier.
  std::vector<std::string> source(g.values.size());
  for (size_t i = 0; i < g.inputs.size(); ++i)
    source[static_cast<size_t>(g.inputs[i])] = "in" + std::to_string(i);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].output >= 0)
      source[static_cast<size_t>(g.nodes[i].output)] = "n" + std::to_string(i);
  auto shapeOf = [&](ValueId id) {
    const Shape &s = g.value(id).shape;
    return s.empty() ? std::string("[?]") : formatShape(s);
  };
  auto edge = [&](ValueId from, const std::string &to, const std::string &note) {
    const std::string &src = source[static_cast<size_t>(from)];
    return "  " + (src.empty() ? "\"?\"" : src) + " -> " + to +
           " [label=" + label({shapeOf(from) + note}) + "];\n";
  };

  std::string s = "digraph " + label({g.name}) + " {\n";
  s += "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f4f4f4\", "
       "fontname=\"Helvetica\"];\n";
  s += "  edge [fontname=\"Helvetica\", fontsize=10];\n";
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const Value &v = g.value(g.inputs[i]);
    s += "  in" + std::to_string(i) +
         " [label=" + label({v.name, "input " + shapeOf(g.inputs[i])}) +
         ", shape=invhouse, fillcolor=\"#d8e8f8\"];\n";
  }
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node &n = g.nodes[i];
    std::vector<std::string> lines{n.name, opSummary(n)};
    for (const FusedOp &f : n.fused) lines.push_back(fusedLine(g, n, f));
    // After fusion or folding the layer's result may carry a later layer's name.
    // (Not repeated when the last fused op's line already names it.)
    if (n.output >= 0 && g.value(n.output).name != n.name &&
        (n.fused.empty() || n.fused.back().origin != g.value(n.output).name))
      lines.push_back("result %" + g.value(n.output).name);
    std::string id = "n" + std::to_string(i);
    s += "  " + id + " [label=" + label(lines) +
         (n.fused.empty() ? "" : ", fillcolor=\"#fff2cc\"") + "];\n";
    size_t base = std::min(n.baseInputCount(), n.inputs.size());
    for (size_t k = 0; k < n.inputs.size(); ++k)
      s += edge(n.inputs[k], id, k < base ? "" : " (add)");
  }
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const Value &v = g.value(g.outputs[i]);
    std::string id = "out" + std::to_string(i);
    s += "  " + id + " [label=" + label({v.name, "output"}) +
         ", shape=house, fillcolor=\"#d9f2d9\"];\n";
    s += edge(g.outputs[i], id, "");
  }
  return s + "}\n";
}

} // namespace lgc
