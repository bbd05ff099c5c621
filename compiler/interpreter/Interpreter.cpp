//===- compiler/interpreter/Interpreter.cpp - the reference oracle --------===//
//
// One function per op, each a direct transcription of the definition, then
// the node's fused ops applied to its result in order. Spatial ops index NCHW
// tensors through `at`; window positions use the same output-size formula as
// shape inference, but window contents are computed here from first
// principles (padded cells skipped, PyTorch's divisor rules).
//
//===----------------------------------------------------------------------===//
#include "compiler/interpreter/Interpreter.h"

#include "compiler/ir/ShapeRules.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

namespace lgc {
namespace {

/// Index of element (n, c, h, w) in an NCHW tensor.
size_t at(const Shape &s, int64_t n, int64_t c, int64_t h, int64_t w) {
  return static_cast<size_t>(((n * s[1] + c) * s[2] + h) * s[3] + w);
}

bool inside(int64_t v, int64_t size) {
  return v >= 0 && v < size;
}

Tensor conv2d(const Node &node, const Tensor &x, const WeightMap &weights, const Shape &outShape) {
  const auto &a = node.as<Conv2dAttrs>();
  const Tensor &w = weights.at(node.name + ".weight");
  const Tensor *b = a.bias ? &weights.at(node.name + ".bias") : nullptr;
  Tensor y(outShape);
  int64_t inPerGroup = a.inChannels / a.groups, outPerGroup = a.outChannels / a.groups;
  WindowAxis rows = a.rows(x.shape[2]), columns = a.columns(x.shape[3]);
  for (int64_t n = 0; n < outShape[0]; ++n)
    for (int64_t oc = 0; oc < outShape[1]; ++oc)
      for (int64_t oy = 0; oy < outShape[2]; ++oy)
        for (int64_t ox = 0; ox < outShape[3]; ++ox) {
          int64_t group = oc / outPerGroup;
          double acc = b ? b->data[static_cast<size_t>(oc)] : 0.0;
          for (int64_t ic = 0; ic < inPerGroup; ++ic)
            for (int64_t ky = 0; ky < a.kernel.h; ++ky)
              for (int64_t kx = 0; kx < a.kernel.w; ++kx) {
                int64_t iy = rows.inputCoordinate(oy, ky), ix = columns.inputCoordinate(ox, kx);
                if (!inside(iy, x.shape[2]) || !inside(ix, x.shape[3])) continue; // zero padding
                // flip: true convolution, the kernel rotated by 180 degrees.
                int64_t wy = a.flip ? a.kernel.h - 1 - ky : ky;
                int64_t wx = a.flip ? a.kernel.w - 1 - kx : kx;
                acc += double(x.data[at(x.shape, n, group * inPerGroup + ic, iy, ix)]) *
                       double(w.data[at(w.shape, oc, ic, wy, wx)]);
              }
          y.data[at(outShape, n, oc, oy, ox)] = static_cast<float>(acc);
        }
  return y;
}

Tensor maxPool2d(const Node &node, const Tensor &x, const Shape &outShape) {
  const auto &a = node.as<Pool2dAttrs>();
  WindowAxis rows = a.rows(x.shape[2]), columns = a.columns(x.shape[3]);
  Tensor y(outShape);
  for (int64_t n = 0; n < outShape[0]; ++n)
    for (int64_t c = 0; c < outShape[1]; ++c)
      for (int64_t oy = 0; oy < outShape[2]; ++oy)
        for (int64_t ox = 0; ox < outShape[3]; ++ox) {
          float best = -std::numeric_limits<float>::infinity();
          for (int64_t ky = 0; ky < a.kernel.h; ++ky)
            for (int64_t kx = 0; kx < a.kernel.w; ++kx) {
              int64_t iy = rows.inputCoordinate(oy, ky), ix = columns.inputCoordinate(ox, kx);
              if (!inside(iy, x.shape[2]) || !inside(ix, x.shape[3]))
                continue; // padded cells never win
              float v = x.data[at(x.shape, n, c, iy, ix)];
              if (v > best || std::isnan(v)) best = v;
              if (std::isnan(best)) break;
            }
          y.data[at(outShape, n, c, oy, ox)] = best;
        }
  return y;
}

/// PyTorch's avg_pool2d: the window is clipped to the padded input for the
/// count_include_pad divisor, and to the input itself for the sum.
Tensor avgPool2d(const Node &node, const Tensor &x, const Shape &outShape) {
  const auto &a = node.as<Pool2dAttrs>();
  int64_t inH = x.shape[2], inW = x.shape[3];
  WindowAxis rows = a.rows(inH), columns = a.columns(inW);
  Tensor y(outShape);
  for (int64_t n = 0; n < outShape[0]; ++n)
    for (int64_t c = 0; c < outShape[1]; ++c)
      for (int64_t oy = 0; oy < outShape[2]; ++oy)
        for (int64_t ox = 0; ox < outShape[3]; ++ox) {
          int64_t y0 = rows.windowStart(oy), x0 = columns.windowStart(ox);
          int64_t y1 = std::min(y0 + a.kernel.h, inH + a.padEnd.h);
          int64_t x1 = std::min(x0 + a.kernel.w, inW + a.padEnd.w);
          int64_t paddedCount = (y1 - y0) * (x1 - x0);
          y0 = std::max<int64_t>(y0, 0);
          x0 = std::max<int64_t>(x0, 0);
          y1 = std::min(y1, inH);
          x1 = std::min(x1, inW);
          double sum = 0;
          for (int64_t iy = y0; iy < y1; ++iy)
            for (int64_t ix = x0; ix < x1; ++ix) sum += x.data[at(x.shape, n, c, iy, ix)];
          int64_t divisor = a.divisorOverride   ? a.divisorOverride
                            : a.countIncludePad ? paddedCount
                                                : (y1 - y0) * (x1 - x0);
          y.data[at(outShape, n, c, oy, ox)] =
              divisor > 0 ? static_cast<float>(sum / double(divisor)) : 0.0f;
        }
  return y;
}

/// Bin i of `out` over `in` cells: [floor(i*in/out), ceil((i+1)*in/out)).
std::pair<int64_t, int64_t> adaptiveBin(int64_t i, int64_t in, int64_t out) {
  return {(i * in) / out, ((i + 1) * in + out - 1) / out};
}

Tensor adaptiveAvgPool2d(const Tensor &x, const Shape &outShape) {
  Tensor y(outShape);
  for (int64_t n = 0; n < outShape[0]; ++n)
    for (int64_t c = 0; c < outShape[1]; ++c)
      for (int64_t oy = 0; oy < outShape[2]; ++oy)
        for (int64_t ox = 0; ox < outShape[3]; ++ox) {
          auto [y0, y1] = adaptiveBin(oy, x.shape[2], outShape[2]);
          auto [x0, x1] = adaptiveBin(ox, x.shape[3], outShape[3]);
          double sum = 0;
          for (int64_t iy = y0; iy < y1; ++iy)
            for (int64_t ix = x0; ix < x1; ++ix) sum += x.data[at(x.shape, n, c, iy, ix)];
          y.data[at(outShape, n, c, oy, ox)] =
              static_cast<float>(sum / double((y1 - y0) * (x1 - x0)));
        }
  return y;
}

Tensor batchNorm2d(const Node &node, const Tensor &x, const WeightMap &weights) {
  const double eps = node.as<BatchNorm2dAttrs>().eps;
  const Tensor &gamma = weights.at(node.name + ".weight"), &beta = weights.at(node.name + ".bias");
  const Tensor &mean = weights.at(node.name + ".running_mean");
  const Tensor &var = weights.at(node.name + ".running_var");
  Tensor y(x.shape);
  for (int64_t n = 0; n < x.shape[0]; ++n)
    for (int64_t c = 0; c < x.shape[1]; ++c) {
      size_t k = static_cast<size_t>(c);
      double scale = gamma.data[k] / std::sqrt(double(var.data[k]) + eps);
      for (int64_t h = 0; h < x.shape[2]; ++h)
        for (int64_t w = 0; w < x.shape[3]; ++w) {
          size_t i = at(x.shape, n, c, h, w);
          y.data[i] = static_cast<float>((x.data[i] - double(mean.data[k])) * scale + beta.data[k]);
        }
    }
  return y;
}

/// y = x W^T + b over the last dimension; every leading dimension is a row.
Tensor linear(const Node &node, const Tensor &x, const WeightMap &weights, const Shape &outShape) {
  const auto &a = node.as<LinearAttrs>();
  const Tensor &w = weights.at(node.name + ".weight");
  const Tensor *b = a.bias ? &weights.at(node.name + ".bias") : nullptr;
  Tensor y(outShape);
  int64_t rows = x.size() / a.inFeatures;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < a.outFeatures; ++o) {
      double acc = b ? b->data[static_cast<size_t>(o)] : 0.0;
      for (int64_t i = 0; i < a.inFeatures; ++i)
        acc += double(x.data[static_cast<size_t>(r * a.inFeatures + i)]) *
               double(w.data[static_cast<size_t>(o * a.inFeatures + i)]);
      y.data[static_cast<size_t>(r * a.outFeatures + o)] = static_cast<float>(acc);
    }
  return y;
}

float elementwise(OpKind op, const Attrs &attrs, float v) {
  switch (op) {
  case OpKind::ReLU:
    return std::isnan(v) ? v : std::max(v, 0.0f);
  case OpKind::ReLU6:
    return std::isnan(v) ? v : std::min(std::max(v, 0.0f), 6.0f);
  case OpKind::Sigmoid:
    return static_cast<float>(1.0 / (1.0 + std::exp(-double(v))));
  case OpKind::Tanh:
    return static_cast<float>(std::tanh(double(v)));
  case OpKind::LeakyReLU:
    return v > 0 ? v : static_cast<float>(v * std::get<LeakyReLUAttrs>(attrs).negativeSlope);
  default: // Identity, Dropout (inference)
    return v;
  }
}

Tensor add(const std::vector<const Tensor *> &xs) {
  Tensor y = *xs[0];
  for (size_t k = 1; k < xs.size(); ++k)
    for (size_t i = 0; i < y.data.size(); ++i) y.data[i] += xs[k]->data[i];
  return y;
}

Tensor concat(const Node &node, const std::vector<const Tensor *> &xs, const Shape &outShape) {
  size_t dim = static_cast<size_t>(normaliseDim(node.as<DimAttrs>().dim, outShape.size()));
  int64_t outer = extent(outShape, 0, dim), inner = extent(outShape, dim + 1, outShape.size());
  Tensor y(outShape);
  int64_t offset = 0; // along dim
  for (const Tensor *x : xs) {
    int64_t len = x->shape[dim];
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < len * inner; ++j)
        y.data[static_cast<size_t>((o * outShape[dim] + offset) * inner + j)] =
            x->data[static_cast<size_t>(o * len * inner + j)];
    offset += len;
  }
  return y;
}

Tensor softmax(const Node &node, const Tensor &x) {
  size_t dim = static_cast<size_t>(normaliseDim(node.as<DimAttrs>().dim, x.shape.size()));
  int64_t outer = extent(x.shape, 0, dim), len = x.shape[dim];
  int64_t inner = extent(x.shape, dim + 1, x.shape.size());
  Tensor y(x.shape);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      auto idx = [&](int64_t k) { return static_cast<size_t>((o * len + k) * inner + j); };
      double peak = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < len; ++k) peak = std::max(peak, double(x.data[idx(k)]));
      double sum = 0;
      for (int64_t k = 0; k < len; ++k) sum += std::exp(double(x.data[idx(k)]) - peak);
      for (int64_t k = 0; k < len; ++k)
        y.data[idx(k)] = static_cast<float>(std::exp(double(x.data[idx(k)]) - peak) / sum);
    }
  return y;
}

Tensor runNode(const Node &node, const std::vector<const Tensor *> &xs, const WeightMap &weights,
               const Shape &outShape) {
  const Tensor &x = *xs[0];
  switch (node.op) {
  case OpKind::Conv2d:
    return conv2d(node, x, weights, outShape);
  case OpKind::MaxPool2d:
    return maxPool2d(node, x, outShape);
  case OpKind::AvgPool2d:
    return avgPool2d(node, x, outShape);
  case OpKind::AdaptiveAvgPool2d:
    return adaptiveAvgPool2d(x, outShape);
  case OpKind::BatchNorm2d:
    return batchNorm2d(node, x, weights);
  case OpKind::Linear:
    return linear(node, x, weights, outShape);
  case OpKind::Flatten: {
    Tensor y = x;
    y.shape = outShape;
    return y;
  }
  case OpKind::Add:
    return add(xs);
  case OpKind::Concat:
    return concat(node, xs, outShape);
  case OpKind::Softmax:
    return softmax(node, x);
  default: {
    Tensor y(outShape);
    for (size_t i = 0; i < y.data.size(); ++i)
      y.data[i] = elementwise(node.op, node.attrs, x.data[i]);
    return y;
  }
  }
}

/// Applies `node.fused` to its op's result `y`, in order: a fused Add adds its
/// addend, an activation maps each element as the standalone op would.
void applyFused(const Node &node, const std::vector<const Tensor *> &xs, Tensor &y) {
  for (const FusedOp &f : node.fused) {
    if (f.op == OpKind::Add) {
      const Tensor &addend = *xs[static_cast<size_t>(f.operand)];
      for (size_t i = 0; i < y.data.size(); ++i) y.data[i] += addend.data[i];
    } else {
      for (float &v : y.data) v = elementwise(f.op, f.attrs, v);
    }
  }
}

/// An internal error unless every parameter of every node is bound with its shape.
Error checkWeights(const Graph &graph, const WeightMap &weights) {
  for (const Node &n : graph.nodes)
    for (const Param &p : n.params) {
      auto it = weights.find(p.name);
      if (it == weights.end() || it->second.shape != p.shape)
        return Error::internal("interpreter: parameter '" + p.name + "' is not bound with shape " +
                               formatShape(p.shape));
    }
  return Error();
}

} // namespace

Expected<TensorMap> interpret(const Graph &graph, const WeightMap &weights,
                              const TensorMap &inputs) {
  if (Error e = checkWeights(graph, weights)) return e;
  std::vector<Tensor> values(graph.values.size());
  for (ValueId id : graph.inputs) {
    const Value &v = graph.value(id);
    auto it = inputs.find(v.name);
    if (it == inputs.end() || it->second.shape != v.shape)
      return Error::internal("interpreter: input '" + v.name + "' is missing or not of shape " +
                             formatShape(v.shape));
    values[static_cast<size_t>(id)] = it->second;
  }
  for (const Node &n : graph.nodes) {
    std::vector<const Tensor *> xs;
    for (ValueId id : n.inputs) xs.push_back(&values[static_cast<size_t>(id)]);
    // The op reads its own inputs; fused addends follow them.
    std::vector<const Tensor *> base(xs.begin(),
                                     xs.begin() + static_cast<std::ptrdiff_t>(n.baseInputCount()));
    Tensor y = runNode(n, base, weights, graph.outputOf(n).shape);
    applyFused(n, xs, y);
    values[static_cast<size_t>(n.output)] = std::move(y);
  }
  TensorMap outputs;
  for (ValueId id : graph.outputs) outputs[graph.value(id).name] = values[static_cast<size_t>(id)];
  return outputs;
}

} // namespace lgc
