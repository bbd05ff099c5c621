//===- compiler/lower/ConvPointwise.cpp - the pointwise schedule ----------===//
//
// A 1x1 convolution with stride 1 and no padding, plain in and out, as a
// matrix product over the flattened pixels, whose lanes are pixels.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/Cost.h"
#include "compiler/lower/ConvSchedules.h"
#include "compiler/lower/Schedule.h"

#include <algorithm>
#include <tuple>

namespace lgc {

using namespace loop;

namespace {

/// Output channels by pixel vectors per register block of the pointwise
/// schedule: 6 x 4 (24 accumulators, 4 input vectors, a broadcast weight),
/// unless 4 x 4 or 8 x 3 leaves no padded channels; fewer than 6 channels
/// (not 4): that many by 4. A padded channel's FMAs are wasted
/// (docs/benchmarks.md#pointwiseblock).
std::pair<int64_t, int64_t> pointwiseBlock(int64_t outChannels) {
  if (outChannels % 6 != 0 && outChannels % 4 == 0) return {4, 4};
  if (outChannels % 6 != 0 && outChannels % 8 == 0) return {8, 3};
  return {std::min<int64_t>(6, outChannels), 4};
}

} // namespace

/// The pointwise schedule (see the file comment): a 1x1 convolution with
/// stride 1 and no padding is a matrix product over the flattened pixels.
void lowerPointwise(KernelBuilder &kb) {
  const Node &node = kb.node();
  const auto &a = node.as<Conv2dAttrs>();
  const Shape &in = kb.graph().inputOf(node).shape;
  int64_t lanes = kb.vectorWidth(), pixels = in[2] * in[3];
  auto [rows, vectors] = pointwiseBlock(a.outChannels);
  vectors = std::min(vectors, (pixels + lanes - 1) / lanes);
  int64_t span = vectors * lanes, pixelBlocks = (pixels + span - 1) / span;
  int64_t channelBlocks = (a.outChannels + rows - 1) / rows, padded = channelBlocks * rows;

  int x = kb.valueBuffer("in", node.inputs[0], {in[0], in[1], pixels});
  // The weights of one input channel for a block of output channels are
  // adjacent broadcasts.
  auto [w, b] = channelsLastWeights(kb, padded);
  int y = kb.outputBuffer({in[0], a.outChannels, pixels});

  // p walks (image, pixel block, channel block): consecutive steps reuse
  // the pixel block's inputs from cache.
  E p = var("p"), n = floorDiv(p, pixelBlocks * channelBlocks);
  E pb = mod(floorDiv(p, channelBlocks), pixelBlocks), cb = mod(p, channelBlocks);
  E ic = var("ic");
  std::vector<StmtRef> init, taps, stores;
  for (int64_t q = 0; q < vectors; ++q) {
    E pixel = pb * E(span) + E(q * lanes) + var("px");
    E inPlane = pixel < E(pixels);
    E input = guardedLoad(x, {n, ic, pixel}, inPlane, 0.0f);
    for (int64_t r = 0; r < rows; ++r) {
      std::string acc = "acc" + std::to_string(q * rows + r);
      E oc = cb * E(rows) + E(r);
      std::vector<E> at{n, oc, pixel};
      init.push_back(let(acc, b >= 0 ? load(b, {oc}) : f32(0)));
      taps.push_back(assign(acc, fma(input, load(w, {ic, E(0), E(0), oc}), local(acc))));
      E inRange = inPlane && oc < E(a.outChannels);
      stores.push_back(store(y, at, kb.epilogue(local(acc), at, inRange), inRange));
    }
  }
  std::vector<StmtRef> body = init;
  body.push_back(forLoop("ic", 0, a.inChannels, LoopKind::Serial, taps));
  body.insert(body.end(), stores.begin(), stores.end());
  kb.finish(forLoop("p", 0, in[0] * pixelBlocks * channelBlocks, LoopKind::Parallel,
                    {forLoop("px", 0, lanes, LoopKind::Vector, body)}),
            2.0 * double(macCount(kb.graph(), node)));
}

} // namespace lgc
