//===- runtime/WeightRecipe.cpp - how a kernel's weights are prepared -----===//
//
// Each step checks the shape it is given before touching data: recipes come
// from the compiler, but also from cache entries and object files, which are
// not trusted.
//
//===----------------------------------------------------------------------===//
#include "runtime/WeightRecipe.h"

#include <algorithm>
#include <cmath>

namespace lgc {
namespace {

using Kind = PrepStep::Kind;

struct StepInfo {
  Kind kind;
  const char *name;
};

constexpr StepInfo kSteps[] = {
    {Kind::Flip, "flip"},
    {Kind::ChannelsLast, "channels_last"},
    {Kind::ZeroPad, "zero_pad"},
    {Kind::ChunkedTranspose, "chunked_transpose"},
    {Kind::FoldBnWeight, "fold_bn_weight"},
    {Kind::FoldBnBias, "fold_bn_bias"},
    {Kind::BnScale, "bn_scale"},
    {Kind::BnShift, "bn_shift"},
};

bool readsBatchNorm(Kind k) {
  return k == Kind::FoldBnWeight || k == Kind::FoldBnBias || k == Kind::BnScale ||
         k == Kind::BnShift;
}

/// The shape after `step`, given `in`.
Expected<Shape> stepShape(const PrepStep &step, const Shape &in) {
  auto bad = [&](const std::string &why) {
    return Error::internal(std::string("weight recipe step ") + stepName(step.kind) + " on " +
                           formatShape(in) + ": " + why);
  };
  switch (step.kind) {
  case Kind::Flip:
    if (in.size() != 4) return bad("needs a 4-D kernel");
    return in;
  case Kind::ChannelsLast:
    if (in.size() != 4) return bad("needs a 4-D kernel");
    if (step.a < in[0] || step.a > (int64_t(1) << 24)) return bad("bad padded width");
    return Shape{in[1], in[2], in[3], step.a};
  case Kind::ZeroPad:
    if (in.size() != 1) return bad("needs a vector");
    if (step.a < in[0] || step.a > (int64_t(1) << 24)) return bad("bad length");
    return Shape{step.a};
  case Kind::ChunkedTranspose: {
    if (in.size() != 2 && in.size() != 4) return bad("needs a matrix or a 4-D kernel");
    if (step.a <= 0 || step.b <= 0 || step.a > (int64_t(1) << 16) || step.b > (int64_t(1) << 24) ||
        step.a * step.b < in[0])
      return bad("bad chunks");
    Shape out{step.b};
    out.insert(out.end(), in.begin() + 1, in.end());
    out.push_back(step.a);
    return out;
  }
  case Kind::FoldBnWeight:
  case Kind::FoldBnBias:
  case Kind::BnScale:
  case Kind::BnShift:
    if (in.empty() || in[0] <= 0 || (step.kind != Kind::FoldBnWeight && in.size() != 1))
      return bad("wrong rank");
    if (!(step.eps >= 0) || step.layer.empty()) return bad("bad BatchNorm");
    return in;
  }
  return bad("unknown step");
}

/// The BatchNorm parameter `layer.suffix`, checked to hold `channels` values.
Expected<const Tensor *> bnParam(const WeightMap &params, const PrepStep &step,
                                 const std::string &suffix, int64_t channels) {
  std::string name = step.layer + "." + suffix;
  auto it = params.find(name);
  if (it == params.end()) return Error::internal("weight recipe needs '" + name + "'");
  if (it->second.shape != Shape{channels})
    return Error::internal("weight recipe: '" + name + "' is " + formatShape(it->second.shape) +
                           ", expected [" + std::to_string(channels) + "]");
  return &it->second;
}

/// A copy whose pages are advised like a new tensor's.
Tensor copyOf(const Tensor &t) {
  Tensor out(t.shape);
  std::copy(t.data.begin(), t.data.end(), out.data.begin());
  return out;
}

Tensor flip(const Tensor &w) {
  Tensor out(w.shape);
  int64_t kh = w.shape[2], kw = w.shape[3], planes = w.shape[0] * w.shape[1];
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t y = 0; y < kh; ++y)
      for (int64_t x = 0; x < kw; ++x)
        out.data[size_t((p * kh + y) * kw + x)] =
            w.data[size_t((p * kh + (kh - 1 - y)) * kw + (kw - 1 - x))];
  return out;
}

Tensor channelsLast(const Tensor &w, const Shape &shape) {
  int64_t outC = w.shape[0], inner = w.shape[1] * w.shape[2] * w.shape[3], padded = shape[3];
  Tensor t(shape);
  for (int64_t o = 0; o < outC; ++o)
    for (int64_t i = 0; i < inner; ++i)
      t.data[size_t(i * padded + o)] = w.data[size_t(o * inner + i)];
  return t;
}

Tensor zeroPad(const Tensor &b, const Shape &shape) {
  Tensor t(shape);
  std::copy(b.data.begin(), b.data.end(), t.data.begin());
  return t;
}

Tensor chunkedTranspose(const Tensor &w, const Shape &shape) {
  int64_t outF = w.shape[0], inF = extent(w.shape, 1, w.shape.size()), chunk = shape.back();
  Tensor t(shape);
  for (int64_t o = 0; o < outF; ++o)
    for (int64_t i = 0; i < inF; ++i)
      t.data[size_t(((o / chunk) * inF + i) * chunk + o % chunk)] = w.data[size_t(o * inF + i)];
  return t;
}

/// The BatchNorm steps, in double as the folding has always been done.
Error batchNorm(const PrepStep &step, const WeightMap &params, Tensor &x) {
  int64_t channels = x.shape[0];
  auto gamma = bnParam(params, step, "weight", channels);
  auto beta = bnParam(params, step, "bias", channels);
  auto mean = bnParam(params, step, "running_mean", channels);
  auto var = bnParam(params, step, "running_var", channels);
  for (auto *p : {&gamma, &beta, &mean, &var})
    if (!*p) return p->takeError();
  size_t perChannel = x.data.size() / size_t(channels);
  for (size_t c = 0; c < size_t(channels); ++c) {
    double scale = double((*gamma)->data[c]) / std::sqrt(double((*var)->data[c]) + step.eps);
    float *v = &x.data[c * perChannel];
    switch (step.kind) {
    case Kind::FoldBnWeight:
      for (size_t k = 0; k < perChannel; ++k) v[k] = float(double(v[k]) * scale);
      break;
    case Kind::FoldBnBias:
      v[0] = float((double(v[0]) - double((*mean)->data[c])) * scale + double((*beta)->data[c]));
      break;
    case Kind::BnScale:
      v[0] = float(double(v[0]) / std::sqrt(double((*var)->data[c]) + step.eps));
      break;
    default: // BnShift
      v[0] = float(double(v[0]) - double((*mean)->data[c]) * scale);
      break;
    }
  }
  return Error();
}

Expected<Tensor> applyStep(const PrepStep &step, const WeightMap &params, const Tensor &in) {
  Expected<Shape> shape = stepShape(step, in.shape);
  if (!shape) return shape.takeError();
  switch (step.kind) {
  case Kind::Flip:
    return flip(in);
  case Kind::ChannelsLast:
    return channelsLast(in, *shape);
  case Kind::ZeroPad:
    return zeroPad(in, *shape);
  case Kind::ChunkedTranspose:
    return chunkedTranspose(in, *shape);
  default: {
    Tensor x = copyOf(in);
    if (Error e = batchNorm(step, params, x)) return e;
    return x;
  }
  }
}

} // namespace

WeightRecipe WeightRecipe::then(std::vector<PrepStep> more) const {
  WeightRecipe r = *this;
  r.steps.insert(r.steps.end(), more.begin(), more.end());
  return r;
}

Expected<Shape> recipeShape(const WeightRecipe &recipe) {
  Shape shape = recipe.sourceShape;
  for (const PrepStep &step : recipe.steps) {
    Expected<Shape> next = stepShape(step, shape);
    if (!next) return next.takeError();
    shape = *next;
  }
  return shape;
}

Expected<Tensor> prepareWeight(const WeightRecipe &recipe, const WeightMap &params) {
  const Tensor *source = nullptr;
  Tensor zeros;
  if (recipe.source.empty()) {
    zeros = Tensor(recipe.sourceShape);
    source = &zeros;
  } else {
    auto it = params.find(recipe.source);
    if (it == params.end()) return Error::internal("weight recipe needs '" + recipe.source + "'");
    if (it->second.shape != recipe.sourceShape)
      return Error::internal("weight recipe: '" + recipe.source + "' is " +
                             formatShape(it->second.shape) + ", expected " +
                             formatShape(recipe.sourceShape));
    source = &it->second;
  }
  if (recipe.steps.empty()) return copyOf(*source);
  // Layout steps read their input and write a new tensor, so the first one
  // reads the parameter in place; the BatchNorm steps work in place on a copy.
  Tensor x;
  for (size_t i = 0; i < recipe.steps.size(); ++i) {
    Expected<Tensor> next = applyStep(recipe.steps[i], params, i == 0 ? *source : x);
    if (!next) return next.takeError();
    x = std::move(*next);
  }
  return x;
}

std::string describeRecipe(const WeightRecipe &recipe) {
  std::string text =
      recipe.source.empty() ? "zeros" + formatShape(recipe.sourceShape) : "@" + recipe.source;
  for (const PrepStep &step : recipe.steps) {
    text = std::string(stepName(step.kind)) + "(" + text;
    if (readsBatchNorm(step.kind)) text += ", @" + step.layer;
    if (step.kind == Kind::ChannelsLast || step.kind == Kind::ZeroPad ||
        step.kind == Kind::ChunkedTranspose)
      text += ", " + std::to_string(step.a);
    if (step.kind == Kind::ChunkedTranspose) text += " x " + std::to_string(step.b);
    text += ")";
  }
  return text;
}

const char *stepName(PrepStep::Kind kind) {
  for (const StepInfo &s : kSteps)
    if (s.kind == kind) return s.name;
  return "?";
}

bool stepKindFromName(const std::string &name, PrepStep::Kind &kind) {
  for (const StepInfo &s : kSteps)
    if (name == s.name) {
      kind = s.kind;
      return true;
    }
  return false;
}

} // namespace lgc
