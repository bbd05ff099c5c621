//===- compiler/frontend/OpAttrs.cpp - each op's parameters ---------------===//
//
// One reader per attribute kind. Checks here are the ones that need no
// shapes (PyTorch's constructor-time checks); shape-dependent checks belong
// to the shape rules.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontend/OpAttrs.h"

#include <cctype>
#include <limits>
#include <map>

namespace lgc {
namespace {

constexpr int64_t kMinDim = -64;                                  // dims may count from the end
constexpr double kHuge = std::numeric_limits<double>::infinity(); // no bound

std::string pairText(Pair p) {
  return "[" + std::to_string(p.h) + ", " + std::to_string(p.w) + "]";
}

/// Conv2d padding: an int, a pair, `same` or `valid`.
void readConvPadding(LayerReader &r, Conv2dAttrs &a) {
  YAML::Node p = r.raw("padding");
  std::string word = p.IsScalar() && p.Tag() != "!" ? p.Scalar() : "";
  if (word == "valid") return;
  if (word == "same") {
    if (a.stride != Pair{1, 1})
      r.fail("padding", "padding 'same' needs stride 1, got stride " + pairText(a.stride));
    // Total padding d*(k-1), the extra element at the bottom/right (PyTorch).
    Pair total{a.dilation.h * (a.kernel.h - 1), a.dilation.w * (a.kernel.w - 1)};
    a.padBegin = {total.h / 2, total.w / 2};
    a.padEnd = {total.h - a.padBegin.h, total.w - a.padBegin.w};
    return;
  }
  if (!word.empty() && !std::isdigit(static_cast<unsigned char>(word[0])) && word[0] != '-' &&
      word[0] != '+')
    r.fail("padding", "padding must be an integer, a pair [h, w], 'same' or 'valid', got '" +
                          p.Scalar() + "'");
  a.padBegin = a.padEnd = r.pairOr("padding", Pair{0, 0}, 0);
}

Conv2dAttrs readConv(LayerReader &r) {
  Conv2dAttrs a;
  a.inChannels = r.integer("in_channels", 1);
  a.outChannels = r.integer("out_channels", 1);
  a.kernel = r.pair("kernel_size", 1);
  a.stride = r.pairOr("stride", Pair{1, 1}, 1);
  a.dilation = r.pairOr("dilation", Pair{1, 1}, 1);
  a.groups = r.integerOr("groups", 1, 1);
  a.bias = r.boolean("bias", true);
  a.flip = r.boolean("flip", false);
  readConvPadding(r, a);
  if (a.inChannels % a.groups)
    r.fail("groups", "in_channels=" + std::to_string(a.inChannels) +
                         " is not divisible by groups=" + std::to_string(a.groups));
  if (a.outChannels % a.groups)
    r.fail("groups", "out_channels=" + std::to_string(a.outChannels) +
                         " is not divisible by groups=" + std::to_string(a.groups));
  return a;
}

Pool2dAttrs readPool(LayerReader &r, OpKind op) {
  Pool2dAttrs a;
  a.kernel = r.pair("kernel_size", 1);
  a.stride = r.pairOr("stride", a.kernel, 1);
  a.padBegin = a.padEnd = r.pairOr("padding", Pair{0, 0}, 0);
  a.ceilMode = r.boolean("ceil_mode", false);
  if (op == OpKind::MaxPool2d) a.dilation = r.pairOr("dilation", Pair{1, 1}, 1);
  if (op == OpKind::AvgPool2d) {
    a.countIncludePad = r.boolean("count_include_pad", true);
    a.divisorOverride = r.integerOr("divisor_override", 0, 1);
  }
  if (a.padBegin.h > a.kernel.h / 2 || a.padBegin.w > a.kernel.w / 2)
    r.fail("padding", "padding " + pairText(a.padBegin) + " is more than half of kernel_size " +
                          pairText(a.kernel));
  return a;
}

Attrs readOther(LayerReader &r, OpKind op) {
  switch (op) {
  case OpKind::AdaptiveAvgPool2d:
    return AdaptiveAvgPool2dAttrs{r.pair("output_size", 1)};
  case OpKind::BatchNorm2d: {
    int64_t c = r.integer("num_features", 1);
    return BatchNorm2dAttrs{c, r.number("eps", 1e-5, 0, kHuge)};
  }
  case OpKind::Linear: {
    int64_t in = r.integer("in_features", 1), out = r.integer("out_features", 1);
    return LinearAttrs{in, out, r.boolean("bias", true)};
  }
  case OpKind::Flatten: {
    int64_t start = r.integerOr("start_dim", 1, kMinDim);
    return FlattenAttrs{start, r.integerOr("end_dim", -1, kMinDim)};
  }
  case OpKind::LeakyReLU:
    return LeakyReLUAttrs{r.number("negative_slope", 0.01, -kHuge, kHuge)};
  case OpKind::Dropout:
    return DropoutAttrs{r.number("p", 0.5, 0, 1)};
  case OpKind::Concat:
  case OpKind::Softmax:
    return DimAttrs{r.integerOr("dim", 1, kMinDim)};
  default:
    return std::monostate{};
  }
}

} // namespace

const std::vector<std::string> &paramKeys(OpKind op) {
  static const std::map<OpKind, std::vector<std::string>> keys{
      {OpKind::Conv2d,
       {"in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
        "bias", "flip"}},
      {OpKind::MaxPool2d, {"kernel_size", "stride", "padding", "dilation", "ceil_mode"}},
      {OpKind::AvgPool2d,
       {"kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"}},
      {OpKind::AdaptiveAvgPool2d, {"output_size"}},
      {OpKind::BatchNorm2d, {"num_features", "eps"}},
      {OpKind::Linear, {"in_features", "out_features", "bias"}},
      {OpKind::Flatten, {"start_dim", "end_dim"}},
      {OpKind::LeakyReLU, {"negative_slope"}},
      {OpKind::Dropout, {"p"}},
      {OpKind::Concat, {"dim"}},
      {OpKind::Softmax, {"dim"}},
  };
  static const std::vector<std::string> none;
  auto it = keys.find(op);
  return it == keys.end() ? none : it->second;
}

Attrs readAttrs(LayerReader &r, OpKind op) {
  switch (op) {
  case OpKind::Conv2d:
    return readConv(r);
  case OpKind::MaxPool2d:
  case OpKind::AvgPool2d:
    return readPool(r, op);
  default:
    return readOther(r, op);
  }
}

} // namespace lgc
