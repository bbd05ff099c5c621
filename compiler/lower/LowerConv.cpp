//===- compiler/lower/LowerConv.cpp - Conv2d to loops ---------------------===//
//
// Direct convolution in one of four schedules, each in its own file
// (ConvSchedules.h); lowerConv2d below chooses between them. Input and output may each be
// plain (NCHW) or blocked (nChw16c; ChooseLayouts.cpp decides), and every
// schedule reads and writes both through KernelBuilder::at():
//
// - Channel lanes (groups == 1 with a blocked output, or a plain one unless
//   a small stride-1 window; see useChannelLanes): SIMD lanes are output
//   channels, the weights re-laid out at compile time as [group, ic, ky, kx,
//   width] so that a register block's weights stream in order. A block of
//   1-4 channel vectors by a run of output columns (see registerBlock) makes
//   each weight vector feed one FMA per column and each broadcast input one
//   per channel vector; a blocked output is stored as whole vectors. Input
//   channels come in cache chunks; weights over 1 MiB are prefetched a chunk
//   ahead. Threads split (image, group, share of rows) or, where the
//   activations outweigh the weights, (image, share of rows, group).
// - Depthwise lanes (one input channel per output channel, blocked in and
//   out): lanes are a block's channels, a run of columns per block.
// - Pointwise (1x1, stride 1, no padding or groups, plain in and out, planes
//   of 256+ pixels): a matrix product over the flattened pixels, whose lanes
//   are pixels; threads split (image, pixel block, channel block) triples.
// - Column lanes (the rest: grouped convolutions, small plain layers): lanes
//   are output columns, four rows at a time; threads split (image, channel)
//   planes.
//
// All cut the output plane into border and interior tiles (the interior
// reads no padding, so its loads carry no guard), skip taps that can only
// read padding, and unroll the window (its rows at the borders only when
// small, to keep compile time down). Wide planes' border columns are widened
// to a whole register block. `flip` rotates the weights once at compile time,
// so the loops are always cross-correlation.
//
//===----------------------------------------------------------------------===//
#include "compiler/lower/ConvSchedules.h"
#include "compiler/lower/LowerOps.h"

namespace lgc {

/// The weights as the kernel reads them: rotated by 180° for `flip`.
WeightRecipe flipped(WeightRecipe w, bool flip) {
  return flip ? w.then({prep::flip()}) : w;
}

/// Declares the weight, [out, in, kh, kw] as [in, kh, kw, padded] (zeros
/// past `out`), and the bias (-1 if none) zero-padded to `padded`.
std::pair<int, int> channelsLastWeights(KernelBuilder &kb, int64_t padded) {
  const auto &a = kb.node().as<Conv2dAttrs>();
  int w = kb.weightBuffer("weight_t",
                          flipped(kb.param("weight"), a.flip).then({prep::channelsLast(padded)}));
  int b = a.bias ? kb.weightBuffer("bias", kb.param("bias").then({prep::zeroPad(padded)})) : -1;
  return {w, b};
}

/// A 1x1 convolution with stride 1 and no padding: each output pixel reads
/// only its own input pixel, so the plane can be viewed as one row.
bool isPointwise(const Conv2dAttrs &a) {
  return a.kernel.h == 1 && a.kernel.w == 1 && a.stride.h == 1 && a.stride.w == 1 &&
         a.padBegin.h == 0 && a.padBegin.w == 0 && a.padEnd.h == 0 && a.padEnd.w == 0;
}

namespace {

/// Planes with at least this many pixels take the pointwise schedule.
/// Smaller ones stay with channel lanes, whose register block then has a
/// better shape (docs/benchmarks.md#kpointwisepixels).
constexpr int64_t kPointwisePixels = 256;

/// A 1x1 convolution with stride 1, no padding and no groups, on a plane big
/// enough: there the matrix product over pixels outruns channel lanes
/// (docs/benchmarks.md#usepointwise).
bool usePointwise(const Conv2dAttrs &a, const Shape &in) {
  return a.groups == 1 && isPointwise(a) && in[2] * in[3] >= kPointwisePixels;
}

/// Channel lanes unless the layer is grouped, or is a small stride-1 window
/// (under 64 taps over all input channels) with few output channels or rows
/// at least a vector wide: each channel-lanes accumulator then has too few
/// FMAs to pay for its scattered store, and a vector of output columns stores
/// whole (docs/benchmarks.md#usechannellanes).
bool useChannelLanes(const Conv2dAttrs &a, int64_t lanes, int64_t width) {
  if (a.groups != 1) return false;
  bool fewChannels = 2 * a.outChannels < lanes;
  bool smallWindow = a.inChannels * a.kernel.h * a.kernel.w < 64;
  return !(smallWindow && a.stride.w == 1 && (fewChannels || width >= lanes));
}

/// A depthwise convolution (one input channel per output channel) whose
/// input and output are blocked alike: its lanes are one block's channels.
bool useDepthwiseLanes(const KernelBuilder &kb) {
  const Node &node = kb.node();
  const auto &a = node.as<Conv2dAttrs>();
  int64_t block = kb.blockOf(node.output);
  return a.groups > 1 && a.groups == a.inChannels && a.groups == a.outChannels && block > 0 &&
         kb.blockOf(node.inputs[0]) == block;
}

} // namespace

void lowerConv2d(KernelBuilder &kb) {
  const Node &node = kb.node();
  const auto &a = node.as<Conv2dAttrs>();
  const Shape &in = kb.graph().inputOf(node).shape;
  const Shape &out = kb.graph().outputOf(node).shape;
  bool blockedOut = kb.blockOf(node.output) > 0;
  if (kb.allPlain() && usePointwise(a, in)) {
    lowerPointwise(kb);
    return;
  }
  if (useDepthwiseLanes(kb)) {
    lowerDepthwiseLanes(kb);
    return;
  }
  if (useChannelLanes(a, kb.vectorWidth(), out[3]) || (a.groups == 1 && blockedOut)) {
    lowerChannelLanes(kb);
    return;
  }

  lowerColumnLanes(kb);
}

} // namespace lgc
