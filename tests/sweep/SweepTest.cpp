//===- tests/sweep/SweepTest.cpp - compiled code vs the interpreter -------===//
//
// Differential tests of the compiled path against the reference interpreter
// on randomised parameter sweeps (SPEC §5). For each family of layers a
// seeded generator draws random layer configurations; lgc's own front end and
// shape inference decide which are valid (the rest are drawn again, and
// counted). Several independent configurations are packed into one model (one
// model input and output per configuration, wired with `input:`) so that one
// JIT compilation covers them all. Every model then runs three ways:
//
//   - the reference interpreter on the unoptimised graph (parse + infer-shapes),
//   - the compiled code (optimizeGraph + CompiledModel::compile for the host)
//     on 1 thread and on 2 threads, once with the default layout policy
//     (`--layout auto`) and once with every 4-D tensor blocked (`--layout
//     blocked`, nChw16c with AVX-512, copied at the model's edges),
//
// with seeded weights (seededWeights(paramSpecs(graph), seed)) and inputs
// (seededUniform in [-1, 1), keyed "input:NAME", exactly as `lgc run --seed`
// makes them). Every output must be within 1e-4 * max(1, max|reference|) of
// the reference, and the 1- and 2-thread results bit-identical. A mismatch
// prints the failing configuration as a standalone model file and the `lgc
// run` commands that reproduce it.
//
// Environment:
//   LGC_SWEEP_SEED=S     the seed of the generator, weights and inputs
//                        (default 1, what CI runs)
//   LGC_SWEEP_SCALE=X    multiplies every family's number of configurations
//                        (default 1; fractions such as 0.1 are fine)
//   LGC_SWEEP_VERBOSE=1  print every packed model before it is compiled
//
// A bigger sweep (see tests/sweep/README.md):
//   LGC_SWEEP_SEED=7 LGC_SWEEP_SCALE=10 build/tests/sweep/lgc_sweep_tests
//
//===----------------------------------------------------------------------===//
#include "compiler/frontend/ModelParser.h"
#include "compiler/interpreter/Interpreter.h"
#include "compiler/ir/Cost.h"
#include "compiler/ir/ParamInit.h"
#include "compiler/ir/Verifier.h"
#include "compiler/jit/CompiledModel.h"
#include "compiler/passes/Passes.h"
#include "compiler/passes/Pipeline.h"
#include "runtime/Executor.h"
#include "runtime/Weights.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace lgc {
namespace {

//===----------------------------------------------------------------------===//
// Settings
//===----------------------------------------------------------------------===//

/// Configurations packed into one compiled model.
constexpr size_t kPackSize = 12;
/// The most work (MACs plus elements touched, roughly) one configuration may
/// take: the interpreter is plain loops, and the default sweep has to finish
/// in a few minutes.
constexpr int64_t kMaxWork = 5'000'000;
/// Mismatches reported in full per family (the rest are only counted).
constexpr int kMaxReported = 5;

uint64_t sweepSeed() {
  const char *s = std::getenv("LGC_SWEEP_SEED");
  return s && *s ? std::strtoull(s, nullptr, 0) : 1;
}

double sweepScale() {
  const char *s = std::getenv("LGC_SWEEP_SCALE");
  double scale = s && *s ? std::strtod(s, nullptr) : 1.0;
  return scale > 0 ? scale : 1.0;
}

bool sweepVerbose() {
  const char *s = std::getenv("LGC_SWEEP_VERBOSE");
  return s && *s && std::string(s) != "0";
}

//===----------------------------------------------------------------------===//
// Random numbers: std::mt19937_64 (fully specified by the standard) with
// hand-written distributions, so a seed draws the same configurations with
// every standard library.
//===----------------------------------------------------------------------===//

class Rng {
public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  /// Uniform in [lo, hi].
  int64_t range(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(engine_() % span);
  }
  /// True with probability p.
  bool chance(double p) { return double(engine_() >> 11) * 0x1.0p-53 < p; }
  int64_t pick(std::initializer_list<int64_t> values) {
    return values.begin()[range(0, int64_t(values.size()) - 1)];
  }
  std::string pick(std::initializer_list<const char *> values) {
    return values.begin()[range(0, int64_t(values.size()) - 1)];
  }

private:
  std::mt19937_64 engine_;
};

/// A stable 64-bit hash (FNV-1a), to give each family its own stream.
uint64_t hashName(const std::string &s) {
  uint64_t h = 1469598103934665603ull;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

//===----------------------------------------------------------------------===//
// Configurations and their model text
//===----------------------------------------------------------------------===//

std::string yesNo(bool b) {
  return b ? "true" : "false";
}

/// An integer pair as a model file may write it: `k` when both are equal
/// (sometimes), else `[h, w]`.
std::string pairText(Rng &r, int64_t h, int64_t w) {
  if (h == w && r.chance(0.6)) return std::to_string(h);
  return "[" + std::to_string(h) + ", " + std::to_string(w) + "]";
}

/// One layer in YAML flow style: `{name: a, op: ReLU, input: x}`.
class Layer {
public:
  Layer(std::string name, const std::string &op) : name_(std::move(name)) {
    text_ = "{name: " + name_ + ", op: " + op;
  }
  Layer &set(const std::string &key, const std::string &value) {
    text_ += ", " + key + ": " + value;
    return *this;
  }
  Layer &set(const std::string &key, int64_t value) { return set(key, std::to_string(value)); }
  Layer &input(const std::string &name) { return set("input", name); }
  Layer &inputs(const std::vector<std::string> &names) {
    std::string list;
    for (const std::string &n : names) list += (list.empty() ? "" : ", ") + n;
    return set("input", "[" + list + "]");
  }
  const std::string &name() const { return name_; }
  std::string str() const { return text_ + "}"; }

private:
  std::string name_, text_;
};

/// One random configuration: its own model inputs, layers and outputs, all
/// named with its unique prefix so that several can share one model.
struct Config {
  std::string id;
  std::vector<std::pair<std::string, Shape>> inputs;
  std::vector<std::string> layers;
  std::vector<std::string> outputs; ///< Empty: the last layer.
  int layerRejects = 0;             ///< Layers a chain generator drew and lgc refused.

  std::string name(const std::string &suffix) const { return id + "_" + suffix; }
  std::string addInput(const std::string &suffix, Shape shape) {
    inputs.emplace_back(name(suffix), std::move(shape));
    return inputs.back().first;
  }
  std::string add(const Layer &layer) {
    layers.push_back(layer.str());
    return layer.name();
  }
  void output(const std::string &layer) { outputs.push_back(layer); }
  /// The layer names compared (the outputs, or the last layer).
  std::vector<std::string> checked() const {
    if (!outputs.empty()) return outputs;
    std::string last = layers.back();
    size_t start = std::strlen("{name: "), end = last.find(',');
    return {last.substr(start, end - start)};
  }
};

/// A model file holding `configs`.
std::string modelYaml(const std::string &model, const std::vector<const Config *> &configs) {
  std::string s = "model: " + model + "\ninputs:\n";
  for (const Config *c : configs)
    for (const auto &[name, shape] : c->inputs) s += "  " + name + ": " + formatShape(shape) + "\n";
  s += "layers:\n";
  for (const Config *c : configs)
    for (const std::string &l : c->layers) s += "  - " + l + "\n";
  std::string outs;
  for (const Config *c : configs)
    for (const std::string &o : c->checked()) outs += (outs.empty() ? "" : ", ") + o;
  return s + "outputs: [" + outs + "]\n";
}

std::string modelYaml(const Config &c) {
  return modelYaml(c.id, {&c});
}

/// What `lgc run MODEL` does before anything runs: parse, infer shapes, verify.
Expected<Graph> buildModel(const std::string &yaml, const std::string &file) {
  Expected<Graph> graph = parseModelText(yaml, file);
  if (!graph) return graph.takeError();
  if (Error e = inferShapes(*graph)) return e;
  if (Error e = verifyGraph(*graph, VerifyOptions{true})) return e;
  return graph;
}

/// Roughly what the interpreter does for `graph`: MACs, window cells, elements.
int64_t workOf(const Graph &g) {
  int64_t work = 0;
  for (const Node &n : g.nodes) {
    int64_t out = numElements(g.outputOf(n).shape);
    work += macCount(g, n) + out;
    if (n.op == OpKind::MaxPool2d || n.op == OpKind::AvgPool2d)
      work += out * n.as<Pool2dAttrs>().kernel.h * n.as<Pool2dAttrs>().kernel.w;
    if (n.op == OpKind::AdaptiveAvgPool2d) {
      const Shape &in = g.inputOf(n).shape, &o = g.outputOf(n).shape;
      work += out * (in[2] / o[2] + 2) * (in[3] / o[3] + 2);
    }
  }
  return work;
}

//===----------------------------------------------------------------------===//
// Drawing layers
//===----------------------------------------------------------------------===//

int64_t drawBatch(Rng &r) {
  return r.pick({1, 1, 1, 2, 2, 3, 4});
}

/// Channel counts: multiples and non-multiples of 8 and 16, 1..40.
int64_t drawChannels(Rng &r, int64_t max = 40) {
  int64_t c =
      r.chance(0.35) ? r.pick({1, 2, 3, 7, 8, 15, 16, 17, 24, 31, 32, 33, 40}) : r.range(1, max);
  return std::min(c, max);
}

/// Feature counts for Linear: 1..300, often near powers of two.
int64_t drawFeatures(Rng &r) {
  return r.chance(0.35)
             ? r.pick({1, 2, 8, 15, 16, 17, 31, 32, 33, 64, 100, 127, 128, 255, 256, 300})
             : r.range(1, 300);
}

/// Spatial sizes in [lo, hi], odd more often than not.
int64_t drawSpatial(Rng &r, int64_t lo, int64_t hi) {
  hi = std::max(lo, hi);
  int64_t v = r.range(lo, hi);
  if (r.chance(0.4) && (v | 1) <= hi) v |= 1;
  return v;
}

std::string drawActivationOp(Rng &r) {
  return r.pick({"ReLU", "ReLU6", "Sigmoid", "Tanh", "LeakyReLU", "Identity"});
}

/// An activation layer (all six of SPEC §1), LeakyReLU with a random slope.
Layer activationLayer(Rng &r, const std::string &name, const std::string &op) {
  Layer l(name, op);
  if (op == "LeakyReLU" && r.chance(0.7))
    l.set("negative_slope", r.pick({"0.2", "0", "-0.5", "1.5", "3", "0.01", "1e-3"}));
  return l;
}

Layer activationLayer(Rng &r, const std::string &name) {
  return activationLayer(r, name, drawActivationOp(r));
}

/// A Conv2d's parameters.
struct ConvSpec {
  int64_t in = 1, out = 1, groups = 1;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  enum { Omit, Valid, Int, PairPad, Same } padKind = Omit;
  int64_t ph = 0, pw = 0;
  int bias = 0; ///< 0: omitted (true), 1: true, 2: false.
  bool flip = false;

  /// Total padding along each axis (begin + end).
  int64_t padTotalH() const { return padKind == Same ? dh * (kh - 1) : 2 * ph; }
  int64_t padTotalW() const { return padKind == Same ? dw * (kw - 1) : 2 * pw; }
  int64_t extentH() const { return dh * (kh - 1) + 1; }
  int64_t extentW() const { return dw * (kw - 1) + 1; }
  /// MACs per output pixel (per image).
  int64_t macsPerPixel() const { return out * (in / groups) * kh * kw; }
};

std::vector<int64_t> divisors(int64_t n) {
  std::vector<int64_t> d;
  for (int64_t k = 1; k <= n; ++k)
    if (n % k == 0) d.push_back(k);
  return d;
}

int64_t gcd(int64_t a, int64_t b) {
  return b == 0 ? a : gcd(b, a % b);
}

/// Random groups for `in` channels (0: choose) and `out` (0: choose): plain,
/// depthwise (with a channel multiplier) or grouped.
void drawGroups(Rng &r, ConvSpec &s, int64_t in, int64_t out) {
  int64_t mode = r.range(0, 99);
  if (in == 0) {
    if (mode < 50) {
      s.groups = 1;
      s.in = drawChannels(r);
    } else if (mode < 75) {
      s.in = drawChannels(r);
      s.groups = s.in;
    } else {
      s.groups = r.range(2, 8);
      s.in = s.groups * r.range(1, std::max<int64_t>(1, 40 / s.groups));
    }
  } else {
    s.in = in;
    std::vector<int64_t> d = divisors(out ? gcd(in, out) : in);
    s.groups = mode < 50                                  ? 1
               : mode < 75 && (out == 0 || out % in == 0) ? in
                                                          : d[r.range(0, int64_t(d.size()) - 1)];
  }
  if (out) {
    s.out = out;
  } else if (s.groups == s.in && s.groups > 1) {
    s.out = s.in * r.range(1, 3); // depthwise, channel multiplier 1..3
  } else if (s.groups > 1) {
    s.out = s.groups * r.range(1, std::max<int64_t>(1, 40 / s.groups));
  } else {
    s.out = drawChannels(r);
  }
}

int64_t drawKernel(Rng &r) {
  return r.chance(0.04) ? 11 : r.range(1, 7);
}

/// A random Conv2d on `in` channels (0: choose) to `out` (0: choose).
ConvSpec drawConv(Rng &r, int64_t in = 0, int64_t out = 0, bool allowStride = true) {
  ConvSpec s;
  drawGroups(r, s, in, out);
  s.kh = drawKernel(r);
  s.kw = r.chance(0.55) ? s.kh : drawKernel(r);
  if (allowStride && r.chance(0.5)) {
    s.sh = r.range(1, 4);
    s.sw = r.chance(0.6) ? s.sh : r.range(1, 4);
  }
  if (r.chance(0.3)) {
    s.dh = r.range(1, 3);
    s.dw = r.chance(0.6) ? s.dh : r.range(1, 3);
  }
  int64_t kind = r.range(0, 99);
  if (kind < 20) {
    s.padKind = ConvSpec::Omit;
  } else if (kind < 30) {
    s.padKind = ConvSpec::Valid;
  } else if (kind < 55 || (kind >= 80 && (s.sh != 1 || s.sw != 1))) {
    s.padKind = ConvSpec::Int;
    s.ph = s.pw = r.range(0, r.chance(0.15) ? std::max(s.kh, s.kw) : std::max(s.kh, s.kw) / 2);
  } else if (kind < 80) {
    s.padKind = ConvSpec::PairPad;
    s.ph = r.range(0, r.chance(0.15) ? s.kh : s.kh / 2);
    s.pw = r.range(0, r.chance(0.15) ? s.kw : s.kw / 2);
  } else {
    s.padKind = ConvSpec::Same;
  }
  s.bias = static_cast<int>(r.range(0, 2));
  s.flip = r.chance(0.2);
  return s;
}

/// A Conv2d that keeps H and W (stride 1, `same` or the matching padding).
ConvSpec drawSameConv(Rng &r, int64_t in, int64_t out) {
  ConvSpec s;
  drawGroups(r, s, in, out);
  s.kh = r.pick({1, 3, 5});
  s.kw = r.chance(0.7) ? s.kh : r.pick({1, 3, 5});
  if (r.chance(0.2)) s.dh = s.dw = 2;
  if (r.chance(0.5)) {
    s.padKind = ConvSpec::Same;
  } else {
    s.padKind = ConvSpec::PairPad;
    s.ph = s.dh * (s.kh - 1) / 2;
    s.pw = s.dw * (s.kw - 1) / 2;
  }
  s.bias = static_cast<int>(r.range(0, 2));
  s.flip = r.chance(0.2);
  return s;
}

Layer convLayer(Rng &r, const std::string &name, const ConvSpec &s) {
  Layer l(name, "Conv2d");
  l.set("in_channels", s.in).set("out_channels", s.out).set("kernel_size", pairText(r, s.kh, s.kw));
  if (s.sh != 1 || s.sw != 1 || r.chance(0.1)) l.set("stride", pairText(r, s.sh, s.sw));
  switch (s.padKind) {
  case ConvSpec::Omit:
    break;
  case ConvSpec::Valid:
    l.set("padding", "valid");
    break;
  case ConvSpec::Int:
    l.set("padding", s.ph);
    break;
  case ConvSpec::PairPad:
    l.set("padding", pairText(r, s.ph, s.pw));
    break;
  case ConvSpec::Same:
    l.set("padding", "same");
    break;
  }
  if (s.dh != 1 || s.dw != 1 || r.chance(0.1)) l.set("dilation", pairText(r, s.dh, s.dw));
  if (s.groups != 1 || r.chance(0.1)) l.set("groups", s.groups);
  if (s.bias) l.set("bias", yesNo(s.bias == 1));
  if (s.flip || r.chance(0.1)) l.set("flip", yesNo(s.flip));
  return l;
}

/// An input size along one axis for a window of `extent` cells with `pad`
/// total padding and `stride`, with at most about `maxOut` outputs; usually
/// one that fits, sometimes anything in 1..40 (lgc rejects the misfits).
int64_t drawInputFor(Rng &r, int64_t extent, int64_t pad, int64_t stride, int64_t maxOut) {
  int64_t lo = r.chance(0.9) ? std::clamp<int64_t>(extent - pad, 1, 40) : 1;
  int64_t hi = std::clamp<int64_t>(extent - pad + (maxOut - 1) * stride, lo, 40);
  return drawSpatial(r, lo, hi);
}

/// The most output pixels per axis so that `perPixel` work per pixel fits the budget.
int64_t maxOutPerAxis(int64_t perPixel) {
  double pixels = double(kMaxWork) / double(std::max<int64_t>(1, perPixel));
  return std::max<int64_t>(1, static_cast<int64_t>(std::sqrt(pixels)));
}

/// An input shape [n, s.in, H, W] that `s` fits, within the work budget.
Shape convInputShape(Rng &r, const ConvSpec &s, int64_t n) {
  int64_t perAxis = maxOutPerAxis(n * s.macsPerPixel());
  return {n, s.in, drawInputFor(r, s.extentH(), s.padTotalH(), s.sh, perAxis),
          drawInputFor(r, s.extentW(), s.padTotalW(), s.sw, perAxis)};
}

/// MaxPool2d / AvgPool2d parameters.
struct PoolSpec {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
};

Layer poolLayer(Rng &r, const std::string &name, bool isMax, PoolSpec *out = nullptr) {
  PoolSpec p;
  p.kh = r.chance(0.05) ? 7 : r.range(1, 5);
  p.kw = r.chance(0.6) ? p.kh : r.range(1, 5);
  Layer l(name, isMax ? "MaxPool2d" : "AvgPool2d");
  l.set("kernel_size", pairText(r, p.kh, p.kw));
  p.sh = p.kh;
  p.sw = p.kw;
  if (r.chance(0.6)) {
    p.sh = r.range(1, 4);
    p.sw = r.chance(0.6) ? p.sh : r.range(1, 4);
    l.set("stride", pairText(r, p.sh, p.sw));
  }
  if (r.chance(0.55)) {
    p.ph = r.range(0, p.kh / 2);
    p.pw = r.range(0, p.kw / 2);
    l.set("padding", pairText(r, p.ph, p.pw));
  }
  if (isMax && r.chance(0.3)) {
    p.dh = r.range(1, 3);
    p.dw = r.chance(0.6) ? p.dh : r.range(1, 3);
    l.set("dilation", pairText(r, p.dh, p.dw));
  }
  if (r.chance(0.45))
    l.set("ceil_mode", yesNo(true));
  else if (r.chance(0.1))
    l.set("ceil_mode", yesNo(false));
  if (!isMax) {
    if (r.chance(0.45)) l.set("count_include_pad", yesNo(r.chance(0.7) ? false : true));
    if (r.chance(0.2)) l.set("divisor_override", r.range(1, p.kh * p.kw + 2));
  }
  if (out) *out = p;
  return l;
}

Layer batchNormLayer(Rng &r, const std::string &name, int64_t channels) {
  Layer l(name, "BatchNorm2d");
  l.set("num_features", channels);
  if (r.chance(0.4)) l.set("eps", r.pick({"1e-3", "0.1", "1e-5", "0"}));
  return l;
}

Layer linearLayer(Rng &r, const std::string &name, int64_t in, int64_t out) {
  Layer l(name, "Linear");
  l.set("in_features", in).set("out_features", out);
  int64_t bias = r.range(0, 2);
  if (bias) l.set("bias", yesNo(bias == 1));
  return l;
}

/// Two layers that scale `x` by 9 (Add [x, x, x] twice), so that inputs in
/// [-1, 1) reach ReLU6's clamp and Sigmoid's and Tanh's flat tails.
std::string amplify(Config &c, const std::string &x) {
  std::string a = c.add(Layer(c.name("amp3"), "Add").inputs({x, x, x}));
  return c.add(Layer(c.name("amp9"), "Add").inputs({a, a, a}));
}

//===----------------------------------------------------------------------===//
// The families
//===----------------------------------------------------------------------===//

/// Conv2d alone on a model input: every kernel, stride, padding, dilation,
/// groups, bias and flip combination.
void genConv(Rng &r, Config &c) {
  int64_t n = drawBatch(r);
  ConvSpec s = drawConv(r);
  std::string x = c.addInput("x", convInputShape(r, s, n));
  c.add(convLayer(r, c.name("conv"), s).input(x));
}

/// Conv2d shapes the small draws above never reach: wide rows (output up to
/// ~100 columns, so border columns are widened to a register block), up to
/// 200 output channels (several channel vectors per register block, with a
/// partly padded last group), deep inputs (input channels in cache chunks),
/// and 1x1 layers on planes of 256+ pixels (the pointwise schedule);
/// sometimes with BatchNorm, a residual Add and a ReLU fused in.
void genConvBlocking(Rng &r, Config &c) {
  int64_t n = r.pick({1, 1, 2, 3, 4});
  ConvSpec s;
  bool deep = r.chance(0.25);
  s.in = deep ? r.range(200, 400) : r.range(1, 12);
  s.out = r.chance(0.5) ? 16 * r.range(2, 12) : r.range(17, 200);
  bool pointwise = !deep && r.chance(0.3); // 1x1, stride 1, unpadded: a matrix product
  s.kh = pointwise ? 1 : deep ? r.pick({1, 3}) : r.pick({1, 3, 5, 7});
  s.kw = pointwise || r.chance(0.7) ? s.kh : r.pick({1, 3, 5, 7});
  s.sh = pointwise ? 1 : r.pick({1, 1, 2});
  s.sw = pointwise ? 1 : r.pick({1, 1, 2});
  if (r.chance(0.2)) s.dh = s.dw = 2;
  s.padKind = ConvSpec::PairPad;
  s.ph = pointwise ? 0 : r.range(0, s.kh / 2);
  s.pw = pointwise ? 0 : r.range(0, s.kw / 2 + (r.chance(0.2) ? 1 : 0));
  if (pointwise) s.in = r.range(1, 64);
  s.bias = static_cast<int>(r.range(0, 2));
  s.flip = r.chance(0.1);
  int64_t w = deep ? r.range(1, 8) : r.range(40, 200);
  int64_t budget = kMaxWork / (n * s.macsPerPixel());
  int64_t outW = (w + 2 * s.pw - s.extentW()) / s.sw + 1;
  int64_t maxOutH = std::max<int64_t>(1, budget / std::max<int64_t>(1, outW));
  int64_t h = std::clamp<int64_t>(s.extentH() - 2 * s.ph +
                                      (r.range(pointwise ? 2 : 1, pointwise ? 12 : 4) - 1) * s.sh,
                                  1, s.extentH() - 2 * s.ph + (maxOutH - 1) * s.sh);
  std::string x = c.addInput("x", {n, s.in, h, w});
  std::string cur = c.add(convLayer(r, c.name("conv"), s).input(x));
  if (r.chance(0.3)) cur = c.add(batchNormLayer(r, c.name("bn"), s.out));
  if (r.chance(0.3)) {
    int64_t outH = (h + 2 * s.ph - s.extentH()) / s.sh + 1;
    std::string skip = c.addInput("skip", {n, s.out, outH, outW});
    cur = c.add(Layer(c.name("add"), "Add").inputs({cur, skip}));
  }
  if (r.chance(0.4)) c.add(Layer(c.name("relu"), "ReLU"));
}

/// Conv2d then BatchNorm2d (folded into the convolution), sometimes through an
/// Identity or Dropout, sometimes with an activation after; sometimes the
/// convolution's value is an output too, so the BatchNorm must stay.
void genConvBatchNorm(Rng &r, Config &c) {
  int64_t n = drawBatch(r);
  ConvSpec s = drawConv(r);
  std::string x = c.addInput("x", convInputShape(r, s, n));
  std::string conv = c.add(convLayer(r, c.name("conv"), s).input(x));
  std::string cur = conv;
  if (r.chance(0.2)) cur = c.add(Layer(c.name("mid"), r.chance(0.5) ? "Identity" : "Dropout"));
  std::string bn = c.add(batchNormLayer(r, c.name("bn"), s.out));
  std::string last = bn;
  if (r.chance(0.5)) last = c.add(activationLayer(r, c.name("act")));
  if (r.chance(0.15)) {
    c.output(conv);
    c.output(last);
  }
}

void genMaxPool(Rng &r, Config &c) {
  int64_t n = drawBatch(r), ch = drawChannels(r);
  PoolSpec p;
  Layer l = poolLayer(r, c.name("pool"), true, &p);
  int64_t perAxis = maxOutPerAxis(n * ch * p.kh * p.kw);
  std::string x =
      c.addInput("x", {n, ch, drawInputFor(r, p.dh * (p.kh - 1) + 1, 2 * p.ph, p.sh, perAxis),
                       drawInputFor(r, p.dw * (p.kw - 1) + 1, 2 * p.pw, p.sw, perAxis)});
  if (r.chance(0.2)) x = amplify(c, x);
  c.add(l.input(x));
  if (r.chance(0.3)) c.add(activationLayer(r, c.name("act"))); // fused into the pooling
}

void genAvgPool(Rng &r, Config &c) {
  int64_t n = drawBatch(r), ch = drawChannels(r);
  PoolSpec p;
  Layer l = poolLayer(r, c.name("pool"), false, &p);
  int64_t perAxis = maxOutPerAxis(n * ch * p.kh * p.kw);
  std::string x = c.addInput("x", {n, ch, drawInputFor(r, p.kh, 2 * p.ph, p.sh, perAxis),
                                   drawInputFor(r, p.kw, 2 * p.pw, p.sw, perAxis)});
  c.add(l.input(x));
  if (r.chance(0.3)) c.add(activationLayer(r, c.name("act"))); // fused into the pooling
}

/// AdaptiveAvgPool2d with output sizes below, equal to and above the input's.
void genAdaptive(Rng &r, Config &c) {
  int64_t n = drawBatch(r), ch = drawChannels(r);
  int64_t h = drawSpatial(r, 1, 40), w = r.chance(0.5) ? h : drawSpatial(r, 1, 40);
  auto outSize = [&](int64_t in) {
    int64_t k = r.range(0, 9);
    if (k < 2) return int64_t(1);
    if (k < 3) return in;
    if (k < 7) return r.range(1, in);
    return r.range(in, 2 * in + 3); // larger than the input: bins overlap
  };
  int64_t oh = outSize(h), ow = r.chance(0.4) ? oh : outSize(w);
  std::string x = c.addInput("x", {n, ch, h, w});
  c.add(
      Layer(c.name("pool"), "AdaptiveAvgPool2d").input(x).set("output_size", pairText(r, oh, ow)));
  if (r.chance(0.3)) c.add(activationLayer(r, c.name("act"))); // fused into the pooling
}

/// BatchNorm2d that is not folded: on a model input, after a pooling, after a
/// convolution whose value is also an output or that has an activation in
/// between; sometimes with an activation or a residual Add fused into it.
void genBatchNorm(Rng &r, Config &c) {
  int64_t n = drawBatch(r), ch = drawChannels(r);
  std::string x = c.addInput("x", {n, ch, drawSpatial(r, 1, 24), drawSpatial(r, 1, 24)});
  std::string cur = x;
  int64_t variant = r.range(0, 3);
  if (variant == 1) cur = c.add(Layer(c.name("pool"), "MaxPool2d").input(x).set("kernel_size", 1));
  if (variant >= 2) {
    ConvSpec s = drawSameConv(r, ch, ch);
    cur = c.add(convLayer(r, c.name("conv"), s).input(x));
    if (variant == 2)
      c.output(cur);
    else
      cur = c.add(activationLayer(r, c.name("convact")));
  }
  std::string bn = c.add(batchNormLayer(r, c.name("bn"), ch).input(cur));
  std::string last = bn;
  if (r.chance(0.3)) {
    std::vector<std::string> in{x, bn};
    if (r.chance(0.5)) std::swap(in[0], in[1]);
    last = c.add(Layer(c.name("res"), "Add").inputs(in));
  }
  if (r.chance(0.4)) last = c.add(activationLayer(r, c.name("act")));
  c.output(last);
}

/// Linear on [N, F], after Flatten (of a model input, or of a convolution's
/// blocked output, which the Linear then reads as stored: whole blocks of
/// channels or not), on the last dim of a 4-D or 3-D value, and Linear ->
/// activation -> Linear.
void genLinear(Rng &r, Config &c) {
  int64_t n = drawBatch(r);
  int64_t variant = r.range(0, 5);
  if (variant == 5) {
    int64_t ch = drawChannels(r, 8), h = drawSpatial(r, 1, 8), w = drawSpatial(r, 1, 8);
    std::string x = c.addInput("x", {n, ch, h, w});
    ConvSpec s;
    s.in = ch;
    s.out = r.pick({8, 16, 20, 32, 48});
    s.kh = s.kw = 3;
    s.padKind = ConvSpec::Same;
    c.add(convLayer(r, c.name("conv"), s).input(x));
    if (r.chance(0.5)) c.add(activationLayer(r, c.name("act")));
    if (r.chance(0.8)) {
      c.add(Layer(c.name("flat"), "Flatten"));
      c.add(linearLayer(r, c.name("fc"), s.out * h * w, drawFeatures(r)));
    } else { // [N*C*H, W]: not read as stored.
      c.add(Layer(c.name("flat"), "Flatten").set("start_dim", 0).set("end_dim", 2));
      c.add(linearLayer(r, c.name("fc"), w, drawFeatures(r)));
    }
  } else if (variant == 0 || variant == 4) {
    int64_t f = drawFeatures(r), o = drawFeatures(r);
    std::string x = c.addInput("x", {n, f});
    c.add(linearLayer(r, c.name("fc"), f, o).input(x));
    if (variant == 4) {
      if (r.chance(0.5)) c.add(activationLayer(r, c.name("act")));
      if (r.chance(0.3)) c.add(Layer(c.name("drop"), "Dropout"));
      c.add(linearLayer(r, c.name("fc2"), o, drawFeatures(r)));
    }
  } else if (variant == 1) {
    int64_t ch = drawChannels(r, 16), h = drawSpatial(r, 1, 8), w = drawSpatial(r, 1, 8);
    std::string x = c.addInput("x", {n, ch, h, w});
    c.add(Layer(c.name("flat"), "Flatten").input(x));
    c.add(linearLayer(r, c.name("fc"), ch * h * w, drawFeatures(r)));
  } else if (variant == 2) {
    int64_t w = drawFeatures(r) % 64 + 1;
    std::string x = c.addInput("x", {n, drawChannels(r, 8), drawSpatial(r, 1, 8), w});
    c.add(linearLayer(r, c.name("fc"), w, drawFeatures(r) % 64 + 1).input(x));
  } else {
    int64_t ch = drawChannels(r, 8), h = drawSpatial(r, 1, 8), w = drawSpatial(r, 1, 8);
    std::string x = c.addInput("x", {n, ch, h, w});
    c.add(Layer(c.name("flat"), "Flatten").input(x).set("start_dim", 2));
    c.add(linearLayer(r, c.name("fc"), h * w, drawFeatures(r) % 100 + 1));
  }
  if (r.chance(0.3)) c.add(activationLayer(r, c.name("out_act")));
}

/// Each activation alone (on 2-D and 4-D values, scaled to reach every
/// region), fused after Conv2d and Linear, and several in a row.
void genActivation(Rng &r, Config &c) {
  int64_t n = drawBatch(r);
  int64_t variant = r.range(0, 4);
  bool twoD = r.chance(0.3);
  Shape shape = twoD ? Shape{n, drawFeatures(r)}
                     : Shape{n, drawChannels(r), drawSpatial(r, 1, 24), drawSpatial(r, 1, 24)};
  std::string x = c.addInput("x", shape);
  if (variant == 1 || r.chance(0.3)) x = amplify(c, x);
  std::string cur = x;
  if (variant == 2 && !twoD) {
    ConvSpec s = drawConv(r, shape[1], 0, true);
    s.padKind = ConvSpec::Same;
    s.sh = s.sw = 1;
    cur = c.add(convLayer(r, c.name("conv"), s).input(x));
  } else if (variant == 2 || variant == 3) {
    int64_t f = shape.back();
    cur = c.add(linearLayer(r, c.name("fc"), f, drawFeatures(r)).input(x));
  }
  int64_t count = variant == 4 ? r.range(2, 4) : 1;
  for (int64_t i = 0; i < count; ++i)
    cur = c.add(activationLayer(r, c.name("act" + std::to_string(i))).input(cur));
}

/// Add of 2-3 values: model inputs, and residual patterns that fuse into the
/// Conv2d, Linear or BatchNorm2d computing the later operand (or must not,
/// when the operand is read elsewhere).
void genAdd(Rng &r, Config &c) {
  int64_t n = drawBatch(r);
  int64_t variant = r.range(0, 8);
  auto maybeSwap = [&](std::vector<std::string> v) {
    if (r.chance(0.5)) std::reverse(v.begin(), v.end());
    return v;
  };
  if (variant == 0) {
    Shape shape = r.chance(0.3)
                      ? Shape{n, drawFeatures(r)}
                      : Shape{n, drawChannels(r), drawSpatial(r, 1, 24), drawSpatial(r, 1, 24)};
    std::vector<std::string> in;
    for (int64_t i = 0, k = r.range(2, 3); i < k; ++i)
      in.push_back(c.addInput("x" + std::to_string(i), shape));
    c.add(Layer(c.name("add"), "Add").inputs(in));
    if (r.chance(0.4)) c.add(activationLayer(r, c.name("act")));
    return;
  }
  if (variant == 3) { // Linear residual
    int64_t f = drawFeatures(r);
    std::string x = c.addInput("x", {n, f});
    std::string fc = c.add(linearLayer(r, c.name("fc"), f, f).input(x));
    c.add(Layer(c.name("add"), "Add").inputs(maybeSwap({x, fc})));
    if (r.chance(0.4)) c.add(activationLayer(r, c.name("act")));
    return;
  }
  int64_t ch = drawChannels(r, 24);
  std::string x = c.addInput("x", {n, ch, drawSpatial(r, 1, 20), drawSpatial(r, 1, 20)});
  switch (variant) {
  case 1: { // x + conv(x), fusable
    std::string conv = c.add(convLayer(r, c.name("conv"), drawSameConv(r, ch, ch)).input(x));
    c.add(Layer(c.name("add"), "Add").inputs(maybeSwap({x, conv})));
    break;
  }
  case 2: { // conv1 -> conv2, conv1 + conv2
    int64_t mid = drawChannels(r, 24);
    std::string a = c.add(convLayer(r, c.name("conv1"), drawSameConv(r, ch, mid)).input(x));
    std::string b = c.add(convLayer(r, c.name("conv2"), drawSameConv(r, mid, mid)).input(a));
    c.add(Layer(c.name("add"), "Add").inputs(maybeSwap({a, b})));
    break;
  }
  case 4: { // x + bn(x)
    std::string bn = c.add(batchNormLayer(r, c.name("bn"), ch).input(x));
    c.add(Layer(c.name("add"), "Add").inputs(maybeSwap({x, bn})));
    break;
  }
  case 5: { // three operands: not fused
    std::string a = c.add(convLayer(r, c.name("conv1"), drawSameConv(r, ch, ch)).input(x));
    std::string b = c.add(convLayer(r, c.name("conv2"), drawSameConv(r, ch, ch)).input(x));
    std::vector<std::string> in{x, a, b};
    if (r.chance(0.5)) std::swap(in[0], in[2]);
    c.add(Layer(c.name("add"), "Add").inputs(in));
    break;
  }
  case 6: { // the convolution's value read twice: not fused
    std::string conv = c.add(convLayer(r, c.name("conv"), drawSameConv(r, ch, ch)).input(x));
    std::string act = c.add(activationLayer(r, c.name("side")).input(conv));
    std::string add = c.add(Layer(c.name("add"), "Add").inputs(maybeSwap({x, conv})));
    c.output(act);
    c.output(add);
    return;
  }
  case 7: { // conv -> activation -> residual: both fused, in order
    std::string conv = c.add(convLayer(r, c.name("conv"), drawSameConv(r, ch, ch)).input(x));
    std::string act = c.add(activationLayer(r, c.name("act0")).input(conv));
    c.add(Layer(c.name("add"), "Add").inputs(maybeSwap({x, act})));
    break;
  }
  default: { // x + x
    c.add(Layer(c.name("add"), "Add").inputs({x, x}));
    break;
  }
  }
  if (r.chance(0.4)) c.add(activationLayer(r, c.name("act")));
}

/// Concat along dims 0..3 and negative ones, of model inputs and of branches
/// computed from one input, sometimes with an activation fused after.
void genConcat(Rng &r, Config &c) {
  int64_t n = drawBatch(r);
  bool twoD = r.chance(0.25);
  int64_t rank = twoD ? 2 : 4;
  int64_t dim = twoD ? r.pick({1, -1, 1, 0}) : r.pick({1, 2, 3, -1, 1, 2, 3, -1, 0, -2, -3});
  int64_t axis = dim < 0 ? dim + rank : dim;
  int64_t branches = r.range(2, 3);
  std::vector<std::string> in;
  Shape base = twoD ? Shape{n, drawFeatures(r) % 64 + 1}
                    : Shape{n, drawChannels(r, 16), drawSpatial(r, 1, 16), drawSpatial(r, 1, 16)};
  if (twoD || axis != 1 || r.chance(0.4)) {
    // Model inputs that differ along `axis` only, some through an activation.
    for (int64_t i = 0; i < branches; ++i) {
      Shape s = base;
      s[static_cast<size_t>(axis)] = axis == 0 ? drawBatch(r) : r.range(1, twoD ? 64 : 16);
      std::string x = c.addInput("x" + std::to_string(i), s);
      if (r.chance(0.3)) x = c.add(activationLayer(r, c.name("pre" + std::to_string(i))).input(x));
      in.push_back(x);
    }
  } else {
    // Branches from one input that keep H and W.
    std::string x = c.addInput("x", base);
    for (int64_t i = 0; i < branches; ++i) {
      std::string b = c.name("b" + std::to_string(i));
      switch (r.range(0, 4)) {
      case 0:
        in.push_back(x);
        break;
      case 1:
        in.push_back(c.add(convLayer(r, b, drawSameConv(r, base[1], 0)).input(x)));
        break;
      case 2:
        in.push_back(c.add(Layer(b, "MaxPool2d")
                               .input(x)
                               .set("kernel_size", 3)
                               .set("stride", 1)
                               .set("padding", 1)));
        break;
      case 3:
        in.push_back(c.add(Layer(b, "AvgPool2d")
                               .input(x)
                               .set("kernel_size", 3)
                               .set("stride", 1)
                               .set("padding", 1)
                               .set("count_include_pad", yesNo(r.chance(0.5)))));
        break;
      default:
        in.push_back(c.add(activationLayer(r, b).input(x)));
        break;
      }
    }
  }
  Layer cat(c.name("cat"), "Concat");
  cat.inputs(in);
  if (dim != 1 || r.chance(0.5)) cat.set("dim", dim);
  c.add(cat);
  if (r.chance(0.3)) c.add(activationLayer(r, c.name("act")));
}

/// Concatenations whose producers write straight into the output (batch 1,
/// along the channels, every input computed): inception-like branches, a
/// branch also read after the concatenation (its memory must stay live), a
/// concatenation feeding another, and the same branch twice (which must be
/// copied).
void genConcatInPlace(Rng &r, Config &c) {
  Shape base{1, drawChannels(r, 16), drawSpatial(r, 1, 16), drawSpatial(r, 1, 16)};
  std::string x = c.addInput("x", base);
  auto branch = [&](const std::string &name, const std::string &from, int64_t channels) {
    switch (r.range(0, 2)) {
    case 0:
      return c.add(convLayer(r, name, drawSameConv(r, channels, r.range(1, 24))).input(from));
    case 1:
      return c.add(Layer(name, "MaxPool2d")
                       .input(from)
                       .set("kernel_size", 3)
                       .set("stride", 1)
                       .set("padding", 1));
    default:
      return c.add(activationLayer(r, name).input(from));
    }
  };
  std::vector<std::string> in;
  for (int64_t i = 0, k = r.range(2, 4); i < k; ++i)
    in.push_back(branch(c.name("b" + std::to_string(i)), x, base[1]));
  if (r.chance(0.15)) in.push_back(in.front());
  std::string cat = c.add(Layer(c.name("cat"), "Concat").inputs(in));
  if (r.chance(0.4)) {
    // The first branch read again after the concatenation.
    c.output(cat);
    c.output(c.add(activationLayer(r, c.name("later")).input(in.front())));
  } else if (r.chance(0.5)) {
    // A second concatenation of the first and a new branch of it.
    std::string again = c.add(Layer(c.name("b9"), "ReLU").input(cat));
    c.add(Layer(c.name("cat2"), "Concat").inputs({cat, again}));
  } else {
    // A layer after it, so the concatenation is not a model output.
    c.add(Layer(c.name("tail"), "MaxPool2d")
              .set("kernel_size", 3)
              .set("stride", 1)
              .set("padding", 1));
  }
}

/// Softmax along every dim (and negative ones) of 2-D, 3-D and 4-D values,
/// on inputs, scaled inputs and Linear logits.
void genSoftmax(Rng &r, Config &c) {
  int64_t n = drawBatch(r);
  int64_t rank = r.pick({2, 2, 3, 4, 4});
  Shape shape = rank == 2
                    ? Shape{n, drawFeatures(r)}
                    : Shape{n, drawChannels(r, 24), drawSpatial(r, 1, 16), drawSpatial(r, 1, 16)};
  std::string x = c.addInput("x", shape);
  if (r.chance(0.3)) x = amplify(c, x);
  if (rank == 2 && r.chance(0.3))
    x = c.add(linearLayer(r, c.name("fc"), shape[1], drawFeatures(r)).input(x));
  if (rank == 3) x = c.add(Layer(c.name("flat"), "Flatten").input(x).set("start_dim", 2));
  Layer l(c.name("softmax"), "Softmax");
  l.input(x);
  int64_t dim = r.range(-rank, rank - 1);
  if (dim != 1 || r.chance(0.5)) l.set("dim", dim);
  c.add(l);
}

/// Flatten with every start/end dim, Dropout and Identity: alone (copies of a
/// model input), taken over by their producer, kept when both values are
/// outputs, in a row.
void genReshape(Rng &r, Config &c) {
  int64_t n = drawBatch(r);
  int64_t variant = r.range(0, 5);
  bool twoD = r.chance(0.2);
  Shape shape = twoD ? Shape{n, drawFeatures(r)}
                     : Shape{n, drawChannels(r, 24), drawSpatial(r, 1, 16), drawSpatial(r, 1, 16)};
  std::string x = c.addInput("x", shape);
  int64_t rank = int64_t(shape.size());
  auto flatten = [&](const std::string &name, const std::string &in) {
    Layer l(name, "Flatten");
    l.input(in);
    if (r.chance(0.8)) l.set("start_dim", r.range(-rank, rank - 1));
    if (r.chance(0.6)) l.set("end_dim", r.range(-rank, rank - 1));
    return c.add(l);
  };
  auto dropout = [&](const std::string &name, const std::string &in) {
    Layer l(name, r.chance(0.5) ? "Dropout" : "Identity");
    l.input(in);
    if (r.chance(0.4)) l.set("p", r.pick({"0", "0.5", "0.9", "1"}));
    return c.add(l);
  };
  switch (variant) {
  case 0:
    flatten(c.name("flat"), x);
    break;
  case 1: {
    flatten(c.name("flat"), x);
    c.add(activationLayer(r, c.name("act")));
    break;
  }
  case 2:
    dropout(c.name("drop"), x);
    break;
  case 3: {
    std::string cur = x;
    for (int64_t i = 0, k = r.range(2, 4); i < k; ++i)
      cur = dropout(c.name("drop" + std::to_string(i)), cur);
    break;
  }
  case 4: {
    std::string prod =
        twoD ? c.add(linearLayer(r, c.name("fc"), shape[1], drawFeatures(r)).input(x))
             : c.add(convLayer(r, c.name("conv"), drawSameConv(r, shape[1], 0)).input(x));
    std::string d = dropout(c.name("drop"), prod);
    if (r.chance(0.5)) c.output(prod);
    c.output(d);
    break;
  }
  default: {
    std::string f = flatten(c.name("flat1"), x);
    flatten(c.name("flat2"), f);
    break;
  }
  }
}

/// A random chain of 2-7 steps mixing every op: 4-D layers, then possibly a
/// Flatten and 2-D layers. Each step is checked by lgc as it is drawn.
void genChain(Rng &r, Config &c) {
  int64_t n = drawBatch(r);
  Shape shape{n, drawChannels(r, 16), drawSpatial(r, 4, 28), drawSpatial(r, 4, 28)};
  std::string cur = c.addInput("x", shape);
  auto shapeOf = [&](const std::string &name) -> Shape {
    Expected<Graph> g = buildModel(modelYaml(c), c.id + ".yaml");
    if (!g) return {};
    return g->value(g->findValue(name)).shape;
  };
  /// Keeps the layers `f` adds (and makes the last one current) if lgc
  /// accepts them; otherwise takes them back and counts a rejection.
  auto step = [&](const std::function<std::string()> &f) {
    size_t before = c.layers.size();
    std::vector<std::string> outputsBefore = c.outputs;
    std::string name = f();
    Shape s = shapeOf(name);
    if (s.empty()) {
      c.layers.resize(before);
      c.outputs = outputsBefore;
      ++c.layerRejects;
      return false;
    }
    cur = name;
    shape = s;
    return true;
  };
  int64_t steps = r.range(2, 7);
  for (int64_t i = 0; i < steps; ++i) {
    std::string p = c.name("l" + std::to_string(i));
    bool fourD = shape.size() == 4;
    int64_t pickOp = fourD ? r.range(0, 10) : r.range(20, 25);
    if (r.chance(0.15) && !c.layers.empty()) c.output(cur); // an intermediate value as an output
    switch (pickOp) {
    case 0:
    case 1:
      step([&] { return c.add(convLayer(r, p, drawConv(r, shape[1])).input(cur)); });
      break;
    case 2:
      step([&] { return c.add(poolLayer(r, p, r.chance(0.5)).input(cur)); });
      break;
    case 3:
      step([&] {
        return c.add(Layer(p, "AdaptiveAvgPool2d")
                         .input(cur)
                         .set("output_size", pairText(r, r.range(1, 8), r.range(1, 8))));
      });
      break;
    case 4:
      step([&] { return c.add(batchNormLayer(r, p, shape[1]).input(cur)); });
      break;
    case 5:
    case 20:
    case 21:
      step([&] { return c.add(activationLayer(r, p).input(cur)); });
      break;
    case 6:
    case 22:
      step([&] { return c.add(Layer(p, r.chance(0.5) ? "Dropout" : "Identity").input(cur)); });
      break;
    case 7: // residual block
      step([&] {
        std::string conv =
            c.add(convLayer(r, p + "_conv", drawSameConv(r, shape[1], shape[1])).input(cur));
        std::string last = conv;
        if (r.chance(0.3)) last = c.add(batchNormLayer(r, p + "_bn", shape[1]));
        return c.add(Layer(p, "Add").inputs({cur, last}));
      });
      break;
    case 8: // channel concat with a branch
      step([&] {
        std::string b = c.add(convLayer(r, p + "_b", drawSameConv(r, shape[1], 0)).input(cur));
        return c.add(Layer(p, "Concat").inputs({cur, b}));
      });
      break;
    case 9:
      step([&] { return c.add(Layer(p, "Softmax").input(cur).set("dim", r.range(-4, 3))); });
      break;
    case 10: // to 2-D
      step([&] { return c.add(Layer(p, "Flatten").input(cur)); });
      break;
    case 23:
      step(
          [&] { return c.add(linearLayer(r, p, shape[1], drawFeatures(r) % 128 + 1).input(cur)); });
      break;
    case 24: // residual Linear
      step([&] {
        std::string fc = c.add(linearLayer(r, p + "_fc", shape[1], shape[1]).input(cur));
        return c.add(Layer(p, "Add").inputs({cur, fc}));
      });
      break;
    default:
      step([&] { return c.add(Layer(p, "Softmax").input(cur).set("dim", r.range(-2, 1))); });
      break;
    }
  }
  if (c.layers.empty()) c.add(activationLayer(r, c.name("last")).input(cur));
  // The last layer is always compared: name it when intermediates are named.
  if (!c.outputs.empty()) c.output(cur);
  std::sort(c.outputs.begin(), c.outputs.end());
  c.outputs.erase(std::unique(c.outputs.begin(), c.outputs.end()), c.outputs.end());
}

//===----------------------------------------------------------------------===//
// Running and comparing
//===----------------------------------------------------------------------===//

struct FamilyStats {
  int tested = 0, rejected = 0, overBudget = 0, layerRejects = 0, models = 0, mismatches = 0;
  int folded = 0, fusedActivations = 0, fusedAdds = 0; ///< What the passes did.
  double maxError = 0; ///< max |compiled - reference| / max(1, max|reference|).
  double interpretSeconds = 0, compileSeconds = 0;
  std::string firstReject;
};

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int countOp(const Graph &g, OpKind op) {
  return static_cast<int>(
      std::count_if(g.nodes.begin(), g.nodes.end(), [&](const Node &n) { return n.op == op; }));
}

/// The configuration as a standalone model file, and how to reproduce it.
std::string reproducer(const Config &c, uint64_t seed) {
  return "--- " + c.id + ".yaml\n" + modelYaml(c) + "---\nreproduce: lgc run " + c.id +
         ".yaml --seed " + std::to_string(seed) +
         " --reference --output ref.npy\n           lgc run " + c.id + ".yaml --seed " +
         std::to_string(seed) +
         " --threads 1 --layout auto|blocked --output jit.npy   (the layout named above)\n";
}

/// The model's outputs by name, filled with NaN so that an element the
/// compiled code never writes cannot pass for a zero.
TensorMap allocateOutputs(const Program &program) {
  TensorMap outputs;
  for (size_t i = 0; i < program.outputNames.size(); ++i) {
    Tensor t(program.outputShapes[i]);
    std::fill(t.data.begin(), t.data.end(), std::numeric_limits<float>::quiet_NaN());
    outputs[program.outputNames[i]] = std::move(t);
  }
  return outputs;
}

/// "" when `a` and `b` are bit-identical, else where they first differ.
std::string compareBits(const std::string &name, const std::string &what, const Tensor &a,
                        const Tensor &b) {
  if (std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0) return "";
  size_t i = 0;
  while (std::memcmp(&a.data[i], &b.data[i], sizeof(float)) == 0) ++i;
  char buf[256];
  std::snprintf(buf, sizeof buf, ": first at flat index %zu: %.9g vs %.9g\n", i, double(a.data[i]),
                double(b.data[i]));
  return "output '" + name + "': " + what + " differ" + buf;
}

/// Compares one output of the first 1-thread run (`one`) with the reference,
/// and with a second 1-thread run (`again`) and a 2-thread run (`two`) bit
/// for bit; returns a description of each mismatch, or "".
std::string compareOutput(const std::string &name, const Tensor &ref, const Tensor &one,
                          const Tensor &again, const Tensor &two, double &maxError) {
  if (one.shape != ref.shape)
    return "output '" + name + "': compiled shape " + formatShape(one.shape) + ", reference " +
           formatShape(ref.shape) + "\n";
  double scale = 1.0;
  for (float v : ref.data)
    if (std::isfinite(v)) scale = std::max(scale, double(std::fabs(v)));
  double worst = 0;
  size_t worstAt = 0;
  for (size_t i = 0; i < ref.data.size(); ++i) {
    float r = ref.data[i], c = one.data[i];
    double err;
    if (!std::isfinite(r) || !std::isfinite(c))
      err = (r == c || (std::isnan(r) && std::isnan(c))) ? 0.0 : HUGE_VAL;
    else
      err = std::fabs(double(c) - double(r)) / scale;
    if (err > worst) {
      worst = err;
      worstAt = i;
    }
  }
  if (std::isfinite(worst)) maxError = std::max(maxError, worst);
  std::string msg;
  if (worst > 1e-4) { // SPEC §5
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "output '%s' %s: |compiled - reference| / max(1, max|reference|) = %.3g > 1e-4 "
                  "at flat index %zu: compiled %.9g, reference %.9g\n",
                  name.c_str(), formatShape(ref.shape).c_str(), worst, worstAt,
                  double(one.data[worstAt]), double(ref.data[worstAt]));
    msg += buf;
  }
  msg += compareBits(name, "the first and second runs on 1 thread", one, again);
  msg += compareBits(name, "1 thread and 2 threads", one, two);
  return msg;
}

/// Packs `configs` into one model, runs it three ways (the compiled ones in
/// both layout policies) and compares every configuration's outputs;
/// mismatches go to `failures` (one entry per failing configuration). Returns an error not
/// attributable to outputs (a compile or interpreter failure), or "".
std::string checkPacked(const std::string &model, const std::vector<const Config *> &configs,
                        uint64_t seed, FamilyStats &stats,
                        std::vector<std::pair<const Config *, std::string>> &failures) {
  std::string yaml = modelYaml(model, configs);
  if (sweepVerbose()) std::printf("[sweep] %s\n%s", model.c_str(), yaml.c_str());
  Expected<Graph> graph = buildModel(yaml, model + ".yaml");
  if (!graph) return "the packed model is invalid:\n" + graph.error().str();
  WeightMap weights = seededWeights(paramSpecs(*graph), seed);
  TensorMap inputs;
  for (ValueId id : graph->inputs) {
    const Value &v = graph->value(id);
    inputs[v.name] = seededUniform(v.shape, -1.0f, 1.0f, seed, "input:" + v.name);
  }
  auto start = std::chrono::steady_clock::now();
  Expected<TensorMap> ref = interpret(*graph, weights, inputs);
  if (!ref) return "the interpreter failed:\n" + ref.error().str();
  stats.interpretSeconds += secondsSince(start);

  Graph opt = *graph;
  WeightMap none; // folded BatchNorms become recipes over `weights`
  if (Error e = optimizeGraph(opt, none)) return "optimizeGraph failed:\n" + e.str();
  stats.folded += countOp(*graph, OpKind::BatchNorm2d) - countOp(opt, OpKind::BatchNorm2d);
  for (const Node &n : opt.nodes)
    for (const FusedOp &f : n.fused)
      ++(f.op == OpKind::Add ? stats.fusedAdds : stats.fusedActivations);
  ++stats.models;
  // Auto keeps single layers' edges plain; blocked runs every 4-D tensor
  // blocked, with copies at the edges.
  std::map<const Config *, std::string> messages;
  for (LayoutPolicy layouts : {LayoutPolicy::Auto, LayoutPolicy::Blocked}) {
    start = std::chrono::steady_clock::now();
    Expected<std::unique_ptr<CompiledModel>> compiled = CompiledModel::compile(
        opt, paramSpecs(*graph), weights, hostTarget(), JitOptions{nullptr, layouts});
    std::string layout = std::string("--layout ") + layoutPolicyName(layouts);
    if (!compiled) return layout + ": compilation failed:\n" + compiled.error().str();
    stats.compileSeconds += secondsSince(start);
    const Program &program = (*compiled)->program();
    TensorMap one = allocateOutputs(program), again = allocateOutputs(program),
              two = allocateOutputs(program);
    {
      Executor executor(program, 1);
      executor.run(inputs, one);
      executor.run(inputs, again); // the arena now holds the first run's values
    }
    {
      Executor executor(program, 2);
      executor.run(inputs, two);
    }
    for (const Config *c : configs) {
      std::string msg;
      for (const std::string &name : c->checked()) {
        if (!ref->count(name) || !one.count(name)) {
          msg += "output '" + name + "' is missing\n";
          continue;
        }
        msg += compareOutput(name, ref->at(name), one.at(name), again.at(name), two.at(name),
                             stats.maxError);
      }
      if (!msg.empty()) messages[c] += layout + ": " + msg;
    }
  }
  for (const Config *c : configs)
    if (messages.count(c)) failures.emplace_back(c, messages[c]);
  return "";
}

using Generator = std::function<void(Rng &, Config &)>;

/// Draws `count` valid configurations of one family.
std::vector<Config> drawConfigs(const std::string &family, int count, const Generator &gen,
                                Rng &rng, FamilyStats &stats) {
  std::vector<Config> configs;
  const int maxDraws = 50 * count + 1000;
  int draws = 0;
  while (int(configs.size()) < count && draws++ < maxDraws) {
    Config c;
    c.id = family + std::to_string(configs.size());
    gen(rng, c);
    stats.layerRejects += c.layerRejects;
    Expected<Graph> graph = buildModel(modelYaml(c), c.id + ".yaml");
    if (!graph) {
      ++stats.rejected;
      if (stats.firstReject.empty()) stats.firstReject = graph.error().str();
      continue;
    }
    if (workOf(*graph) > kMaxWork) {
      ++stats.overBudget;
      continue;
    }
    configs.push_back(std::move(c));
  }
  return configs;
}

/// Draws `baseCount * LGC_SWEEP_SCALE` configurations of a family, runs them
/// packed, and reports every mismatch with a reproducer.
void runFamily(const std::string &family, int baseCount, const Generator &gen) {
  auto start = std::chrono::steady_clock::now();
  uint64_t seed = sweepSeed();
  int count = std::max(1, static_cast<int>(std::lround(baseCount * sweepScale())));
  Rng rng(seed ^ hashName(family));
  FamilyStats stats;
  std::vector<Config> configs = drawConfigs(family, count, gen, rng, stats);
  ASSERT_EQ(int(configs.size()), count)
      << "the " << family << " generator drew too many invalid configurations (" << stats.rejected
      << " rejected, " << stats.overBudget << " over budget); the first rejection:\n"
      << stats.firstReject;

  int reported = 0;
  auto report = [&](const Config &c, const std::string &what) {
    ++stats.mismatches;
    if (++reported > kMaxReported) return;
    ADD_FAILURE() << family << " configuration " << c.id << " (seed " << seed << "):\n"
                  << what << reproducer(c, seed);
  };
  for (size_t begin = 0; begin < configs.size(); begin += kPackSize) {
    std::vector<const Config *> pack;
    for (size_t i = begin; i < std::min(configs.size(), begin + kPackSize); ++i)
      pack.push_back(&configs[i]);
    std::vector<std::pair<const Config *, std::string>> failures;
    std::string model = "sweep_" + family + "_" + std::to_string(begin / kPackSize);
    std::string error = checkPacked(model, pack, seed, stats, failures);
    if (!error.empty()) {
      // Find the configurations at fault: each alone.
      failures.clear();
      for (const Config *c : pack) {
        std::string own = checkPacked(c->id, {c}, seed, stats, failures);
        if (!own.empty()) failures.emplace_back(c, own);
      }
      if (failures.empty())
        ADD_FAILURE() << model << " failed but each configuration alone passes:\n"
                      << error << modelYaml(model, pack);
    }
    for (const auto &[c, what] : failures) report(*c, what);
    stats.tested += int(pack.size());
  }
  std::printf("[sweep] %-8s seed %llu: %4d configs (%d models), rejected %d by lgc + %d over "
              "budget + %d chain layers; %d BN folded, %d activations + %d adds fused; max error "
              "%.2e (tol 1e-4); %d mismatching; %.1f s (interpreter %.1f, compile %.1f)\n",
              family.c_str(), static_cast<unsigned long long>(seed), stats.tested, stats.models,
              stats.rejected, stats.overBudget, stats.layerRejects, stats.folded,
              stats.fusedActivations, stats.fusedAdds, stats.maxError, stats.mismatches,
              secondsSince(start), stats.interpretSeconds, stats.compileSeconds);
  if (!stats.firstReject.empty() && sweepVerbose())
    std::printf("[sweep] %s: first rejection: %s", family.c_str(), stats.firstReject.c_str());
  std::fflush(stdout);
}

// Configuration counts per family at LGC_SWEEP_SCALE=1 (1000+ in all).
TEST(Sweep, Conv2d) {
  runFamily("conv", 240, genConv);
}
TEST(Sweep, ConvBlocking) {
  runFamily("convblock", 60, genConvBlocking);
}
TEST(Sweep, ConvBatchNorm) {
  runFamily("convbn", 80, genConvBatchNorm);
}
TEST(Sweep, MaxPool2d) {
  runFamily("maxpool", 100, genMaxPool);
}
TEST(Sweep, AvgPool2d) {
  runFamily("avgpool", 100, genAvgPool);
}
TEST(Sweep, AdaptiveAvgPool2d) {
  runFamily("adaptive", 60, genAdaptive);
}
TEST(Sweep, BatchNorm2d) {
  runFamily("bn", 50, genBatchNorm);
}
TEST(Sweep, Linear) {
  runFamily("linear", 80, genLinear);
}
TEST(Sweep, Activation) {
  runFamily("act", 80, genActivation);
}
TEST(Sweep, Add) {
  runFamily("add", 80, genAdd);
}
TEST(Sweep, Concat) {
  runFamily("concat", 60, genConcat);
}
TEST(Sweep, ConcatInPlace) {
  runFamily("catinplace", 60, genConcatInPlace);
}
TEST(Sweep, Softmax) {
  runFamily("softmax", 50, genSoftmax);
}
TEST(Sweep, FlattenDropoutIdentity) {
  runFamily("reshape", 50, genReshape);
}
TEST(Sweep, Chain) {
  runFamily("chain", 120, genChain);
}

} // namespace
} // namespace lgc
