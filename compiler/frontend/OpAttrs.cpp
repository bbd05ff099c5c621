//===- compiler/frontend/OpAttrs.cpp - each op's parameters ---------------===//
//
// One table per operator lists its parameters in the order model files (and
// error messages) give them, each with how it is read: its type, default
// (PyTorch's) and range, and the attribute it fills. The keys a layer may
// carry and the reading both come from that table, so each key is written
// once. Checks across keys (PyTorch's constructor-time checks) run after
// the table; shape-dependent checks belong to the shape rules.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontend/OpAttrs.h"

#include <cctype>
#include <functional>
#include <limits>
#include <map>

namespace lgc {
namespace {

constexpr int64_t kMinDim = -64;                                  // dims may count from the end
constexpr double kHuge = std::numeric_limits<double>::infinity(); // no bound

std::string pairText(Pair p) {
  return "[" + std::to_string(p.h) + ", " + std::to_string(p.w) + "]";
}

/// How one parameter of attributes A is read: from the layer's `key` into
/// a field.
template <class A> using ReadParam = std::function<void(LayerReader &, const std::string &, A &)>;

// The readers a table is made of, one per kind of value. Each takes the
// field it fills (of A or of a base such as Window) and its bounds.
template <class T, class B> auto integer(T B::*field, int64_t min) {
  return [=](LayerReader &r, const std::string &key, auto &a) { a.*field = r.integer(key, min); };
}
template <class T, class B> auto integerOr(T B::*field, int64_t fallback, int64_t min) {
  return [=](LayerReader &r, const std::string &key, auto &a) {
    a.*field = r.integerOr(key, fallback, min);
  };
}
template <class B> auto pair(Pair B::*field, int64_t min) {
  return [=](LayerReader &r, const std::string &key, auto &a) { a.*field = r.pair(key, min); };
}
template <class B> auto pairOr(Pair B::*field, Pair fallback, int64_t min) {
  return [=](LayerReader &r, const std::string &key, auto &a) {
    a.*field = r.pairOr(key, fallback, min);
  };
}
template <class B> auto boolean(bool B::*field, bool fallback) {
  return
      [=](LayerReader &r, const std::string &key, auto &a) { a.*field = r.boolean(key, fallback); };
}
template <class B> auto number(double B::*field, double fallback, double min, double max) {
  return [=](LayerReader &r, const std::string &key, auto &a) {
    a.*field = r.number(key, fallback, min, max);
  };
}

/// Conv2d padding's word, if it is one: `same`, `valid`, or another that is
/// an error ("" for a number or a pair).
std::string paddingWord(LayerReader &r) {
  YAML::Node p = r.raw("padding");
  return p.IsScalar() && p.Tag() != "!" ? p.Scalar() : "";
}

/// Conv2d padding: an int, a pair, `same` (resolved by checkConv, once the
/// kernel and dilation are read) or `valid`.
void readConvPadding(LayerReader &r, const std::string &key, Conv2dAttrs &a) {
  std::string word = paddingWord(r);
  if (word == "valid" || word == "same") return;
  if (!word.empty() && !std::isdigit(static_cast<unsigned char>(word[0])) && word[0] != '-' &&
      word[0] != '+')
    r.fail(key, "padding must be an integer, a pair [h, w], 'same' or 'valid', got '" + word + "'");
  a.padBegin = a.padEnd = r.pairOr(key, Pair{0, 0}, 0);
}

void checkConv(LayerReader &r, Conv2dAttrs &a) {
  if (paddingWord(r) == "same") {
    if (a.stride != Pair{1, 1})
      r.fail("padding", "padding 'same' needs stride 1, got stride " + pairText(a.stride));
    // Total padding d*(k-1), the extra element at the bottom/right (PyTorch).
    Pair total{a.dilation.h * (a.kernel.h - 1), a.dilation.w * (a.kernel.w - 1)};
    a.padBegin = {total.h / 2, total.w / 2};
    a.padEnd = {total.h - a.padBegin.h, total.w - a.padBegin.w};
  }
  for (auto [channels, key] :
       {std::make_pair(a.inChannels, "in_channels"), std::make_pair(a.outChannels, "out_channels")})
    if (channels % a.groups)
      r.fail("groups", std::string(key) + "=" + std::to_string(channels) +
                           " is not divisible by groups=" + std::to_string(a.groups));
}

/// A pool's stride defaults to its kernel size.
void readPoolStride(LayerReader &r, const std::string &key, Pool2dAttrs &a) {
  a.stride = r.pairOr(key, a.kernel, 1);
}

/// A pool pads the same before and after.
void readPoolPadding(LayerReader &r, const std::string &key, Pool2dAttrs &a) {
  a.padBegin = a.padEnd = r.pairOr(key, Pair{0, 0}, 0);
}

void checkPool(LayerReader &r, Pool2dAttrs &a) {
  if (a.padBegin.h > a.kernel.h / 2 || a.padBegin.w > a.kernel.w / 2)
    r.fail("padding", "padding " + pairText(a.padBegin) + " is more than half of kernel_size " +
                          pairText(a.kernel));
}

/// An operator's parameters: their keys, in order, and how to read them.
struct OpTable {
  std::vector<std::string> keys;
  std::function<Attrs(LayerReader &)> read;
};

/// The table of parameters `params` (key, reader) filling attributes A,
/// then `check` across them.
template <class A>
OpTable table(std::vector<std::pair<std::string, ReadParam<A>>> params,
              void (*check)(LayerReader &, A &) = nullptr) {
  OpTable t;
  for (const auto &p : params) t.keys.push_back(p.first);
  t.read = [params, check](LayerReader &r) -> Attrs {
    A a;
    for (const auto &[key, read] : params) read(r, key, a);
    if (check) check(r, a);
    return a;
  };
  return t;
}

const std::map<OpKind, OpTable> &tables() {
  using C = Conv2dAttrs;
  using P = Pool2dAttrs;
  static const std::map<OpKind, OpTable> all{
      {OpKind::Conv2d, table<C>({{"in_channels", integer(&C::inChannels, 1)},
                                 {"out_channels", integer(&C::outChannels, 1)},
                                 {"kernel_size", pair(&Window::kernel, 1)},
                                 {"stride", pairOr(&Window::stride, Pair{1, 1}, 1)},
                                 {"padding", readConvPadding},
                                 {"dilation", pairOr(&Window::dilation, Pair{1, 1}, 1)},
                                 {"groups", integerOr(&C::groups, 1, 1)},
                                 {"bias", boolean(&C::bias, true)},
                                 {"flip", boolean(&C::flip, false)}},
                                checkConv)},
      {OpKind::MaxPool2d, table<P>({{"kernel_size", pair(&Window::kernel, 1)},
                                    {"stride", readPoolStride},
                                    {"padding", readPoolPadding},
                                    {"dilation", pairOr(&Window::dilation, Pair{1, 1}, 1)},
                                    {"ceil_mode", boolean(&Window::ceilMode, false)}},
                                   checkPool)},
      {OpKind::AvgPool2d, table<P>({{"kernel_size", pair(&Window::kernel, 1)},
                                    {"stride", readPoolStride},
                                    {"padding", readPoolPadding},
                                    {"ceil_mode", boolean(&Window::ceilMode, false)},
                                    {"count_include_pad", boolean(&P::countIncludePad, true)},
                                    {"divisor_override", integerOr(&P::divisorOverride, 0, 1)}},
                                   checkPool)},
      {OpKind::AdaptiveAvgPool2d,
       table<AdaptiveAvgPool2dAttrs>(
           {{"output_size", pair(&AdaptiveAvgPool2dAttrs::outputSize, 1)}})},
      {OpKind::BatchNorm2d,
       table<BatchNorm2dAttrs>({{"num_features", integer(&BatchNorm2dAttrs::numFeatures, 1)},
                                {"eps", number(&BatchNorm2dAttrs::eps, 1e-5, 0, kHuge)}})},
      {OpKind::Linear, table<LinearAttrs>({{"in_features", integer(&LinearAttrs::inFeatures, 1)},
                                           {"out_features", integer(&LinearAttrs::outFeatures, 1)},
                                           {"bias", boolean(&LinearAttrs::bias, true)}})},
      {OpKind::Flatten,
       table<FlattenAttrs>({{"start_dim", integerOr(&FlattenAttrs::startDim, 1, kMinDim)},
                            {"end_dim", integerOr(&FlattenAttrs::endDim, -1, kMinDim)}})},
      {OpKind::LeakyReLU,
       table<LeakyReLUAttrs>(
           {{"negative_slope", number(&LeakyReLUAttrs::negativeSlope, 0.01, -kHuge, kHuge)}})},
      {OpKind::Dropout, table<DropoutAttrs>({{"p", number(&DropoutAttrs::p, 0.5, 0, 1)}})},
      {OpKind::Concat, table<DimAttrs>({{"dim", integerOr(&DimAttrs::dim, 1, kMinDim)}})},
      {OpKind::Softmax, table<DimAttrs>({{"dim", integerOr(&DimAttrs::dim, 1, kMinDim)}})},
  };
  return all;
}

} // namespace

const std::vector<std::string> &paramKeys(OpKind op) {
  static const std::vector<std::string> none;
  auto it = tables().find(op);
  return it == tables().end() ? none : it->second.keys;
}

Attrs readAttrs(LayerReader &r, OpKind op) {
  auto it = tables().find(op);
  return it == tables().end() ? Attrs(std::monostate{}) : it->second.read(r);
}

} // namespace lgc
