//===- compiler/ir/ShapeRules.cpp - each op's output shape ----------------===//
//
// One function per family of ops. Every check is one PyTorch would make (or a
// restriction of SPEC §1), phrased with the layer's name and the numbers.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/ShapeRules.h"

#include "compiler/ir/OutputSize.h"

namespace lgc {
namespace {

std::string str(int64_t v) {
  return std::to_string(v);
}

Error layerError(const Node &n, const std::string &what) {
  return Error::at(n.loc, "layer '" + n.name + "' " + what);
}

/// Checks that input `i` is 4-D (N, C, H, W).
Error expect4d(const Graph &g, const Node &n, size_t i = 0) {
  const Value &in = g.inputOf(n, i);
  if (in.shape.size() == 4) return Error();
  return layerError(n, "(" + std::string(opName(n.op)) + ") needs a 4-D input [N, C, H, W], but '" +
                           in.name + "' has shape " + formatShape(in.shape));
}

/// Applies the output-size formula to both spatial axes.
Expected<Shape> windowShape(const Node &n, const Shape &in, int64_t channels,
                            const Window &window) {
  WindowAxis h = window.rows(in[2]), w = window.columns(in[3]);
  int64_t oh = outputSize(h), ow = outputSize(w);
  if (oh <= 0) return layerError(n, "output height is " + str(oh) + ": " + outputSizeArithmetic(h));
  if (ow <= 0) return layerError(n, "output width is " + str(ow) + ": " + outputSizeArithmetic(w));
  return Shape{in[0], channels, oh, ow};
}

Expected<Shape> conv2dShape(const Graph &g, const Node &n) {
  if (Error e = expect4d(g, n)) return e;
  const auto &a = n.as<Conv2dAttrs>();
  const Value &in = g.inputOf(n);
  if (in.shape[1] != a.inChannels)
    return layerError(n, "expects in_channels=" + str(a.inChannels) + " but its input '" + in.name +
                             "' has " + str(in.shape[1]) + " channels");
  return windowShape(n, in.shape, a.outChannels, a);
}

Expected<Shape> pool2dShape(const Graph &g, const Node &n) {
  if (Error e = expect4d(g, n)) return e;
  const auto &a = n.as<Pool2dAttrs>();
  const Shape &in = g.inputOf(n).shape;
  return windowShape(n, in, in[1], a);
}

Expected<Shape> adaptivePoolShape(const Graph &g, const Node &n) {
  if (Error e = expect4d(g, n)) return e;
  const auto &a = n.as<AdaptiveAvgPool2dAttrs>();
  const Shape &in = g.inputOf(n).shape;
  return Shape{in[0], in[1], a.outputSize.h, a.outputSize.w};
}

Expected<Shape> batchNormShape(const Graph &g, const Node &n) {
  if (Error e = expect4d(g, n)) return e;
  const Value &in = g.inputOf(n);
  int64_t c = n.as<BatchNorm2dAttrs>().numFeatures;
  if (in.shape[1] != c)
    return layerError(n, "expects num_features=" + str(c) + " but its input '" + in.name +
                             "' has " + str(in.shape[1]) + " channels");
  return in.shape;
}

Expected<Shape> linearShape(const Graph &g, const Node &n) {
  const auto &a = n.as<LinearAttrs>();
  const Value &in = g.inputOf(n);
  if (in.shape.empty() || in.shape.back() != a.inFeatures) {
    Error e = layerError(n, "expects in_features=" + str(a.inFeatures) + " but its input '" +
                                in.name + "' has shape " + formatShape(in.shape));
    if (in.shape.size() == 4)
      e.note(n.loc, "a 4-D input needs a Flatten layer before it, which gives " + str(in.shape[1]) +
                        "*" + str(in.shape[2]) + "*" + str(in.shape[3]) + " = " +
                        str(in.shape[1] * in.shape[2] * in.shape[3]) + " features");
    return e;
  }
  Shape out = in.shape;
  out.back() = a.outFeatures;
  return out;
}

Expected<Shape> flattenShape(const Graph &g, const Node &n) {
  const auto &a = n.as<FlattenAttrs>();
  const Shape &in = g.inputOf(n).shape;
  int64_t s = normaliseDim(a.startDim, in.size()), e = normaliseDim(a.endDim, in.size());
  if (s < 0 || e < 0 || s > e)
    return layerError(n, "cannot flatten dims " + str(a.startDim) + ".." + str(a.endDim) +
                             " of a " + str(static_cast<int64_t>(in.size())) + "-D input " +
                             formatShape(in));
  Shape out(in.begin(), in.begin() + s);
  int64_t merged = 1;
  for (int64_t d = s; d <= e; ++d) merged *= in[static_cast<size_t>(d)];
  out.push_back(merged);
  out.insert(out.end(), in.begin() + e + 1, in.end());
  return out;
}

Expected<Shape> addShape(const Graph &g, const Node &n) {
  const Value &first = g.inputOf(n);
  for (size_t i = 1; i < n.baseInputCount(); ++i) {
    const Value &other = g.inputOf(n, i);
    if (other.shape != first.shape)
      return layerError(n, "adds inputs of different shapes: '" + first.name + "' is " +
                               formatShape(first.shape) + ", '" + other.name + "' is " +
                               formatShape(other.shape));
  }
  return first.shape;
}

Expected<Shape> concatShape(const Graph &g, const Node &n) {
  const Value &first = g.inputOf(n);
  int64_t dim = normaliseDim(n.as<DimAttrs>().dim, first.shape.size());
  if (dim < 0)
    return layerError(n, "concatenates along dim " + str(n.as<DimAttrs>().dim) + ", but '" +
                             first.name + "' has " + str(int64_t(first.shape.size())) +
                             " dimensions");
  Shape out = first.shape;
  for (size_t i = 1; i < n.baseInputCount(); ++i) {
    const Value &other = g.inputOf(n, i);
    if (other.shape.size() != first.shape.size())
      return layerError(n, "concatenates inputs with different numbers of dimensions: '" +
                               first.name + "' is " + formatShape(first.shape) + ", '" +
                               other.name + "' is " + formatShape(other.shape));
    bool same = true;
    for (size_t d = 0; same && d < out.size(); ++d)
      same = static_cast<int64_t>(d) == dim || other.shape[d] == first.shape[d];
    if (!same)
      return layerError(n, "concatenates along dim " + str(dim) +
                               " inputs whose other dims differ: '" + first.name + "' is " +
                               formatShape(first.shape) + ", '" + other.name + "' is " +
                               formatShape(other.shape));
    out[static_cast<size_t>(dim)] += other.shape[static_cast<size_t>(dim)];
  }
  return out;
}

Expected<Shape> softmaxShape(const Graph &g, const Node &n) {
  const Value &in = g.inputOf(n);
  if (normaliseDim(n.as<DimAttrs>().dim, in.shape.size()) < 0)
    return layerError(n, "takes softmax along dim " + str(n.as<DimAttrs>().dim) + ", but '" +
                             in.name + "' has shape " + formatShape(in.shape));
  return in.shape;
}

} // namespace

bool shapeWithinLimit(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && n > kMaxTensorElements / d)) return false;
    n *= d;
  }
  return n <= kMaxTensorElements;
}

int64_t normaliseDim(int64_t dim, size_t rank) {
  int64_t r = static_cast<int64_t>(rank);
  int64_t d = dim < 0 ? dim + r : dim;
  return d >= 0 && d < r ? d : -1;
}

Expected<Shape> computeOutputShape(const Graph &g, const Node &n) {
  switch (n.op) {
  case OpKind::Conv2d:
    return conv2dShape(g, n);
  case OpKind::MaxPool2d:
  case OpKind::AvgPool2d:
    return pool2dShape(g, n);
  case OpKind::AdaptiveAvgPool2d:
    return adaptivePoolShape(g, n);
  case OpKind::BatchNorm2d:
    return batchNormShape(g, n);
  case OpKind::Linear:
    return linearShape(g, n);
  case OpKind::Flatten:
    return flattenShape(g, n);
  case OpKind::Add:
    return addShape(g, n);
  case OpKind::Concat:
    return concatShape(g, n);
  case OpKind::Softmax:
    return softmaxShape(g, n);
  default:
    if (isElementwise(n.op)) return g.inputOf(n).shape;
    return Error::internal("no shape rule for op " + std::string(opName(n.op)));
  }
}

} // namespace lgc
