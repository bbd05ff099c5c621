//===- compiler/lower/LowerPool.cpp - pooling to loops --------------------===//
//
// MaxPool2d and AvgPool2d: rows are cut into border and interior tiles and
// the window is unrolled. A plain input: threads split the (image, channel)
// planes and columns are SIMD lanes. A blocked one: threads split (image,
// share of rows, channel block), lanes are a block's channels and four
// output columns are reduced at once. AdaptiveAvgPool2d likewise, by bins.
// Padded cells never win a max (they read as -inf); the average's
// divisor follows PyTorch: the window clipped to the padded input (count
// include pad), to the input itself, or divisor_override. In the interior
// the simplifier folds the divisor to the window size.
//
//===----------------------------------------------------------------------===//
#include "compiler/lower/LowerOps.h"
#include "compiler/lower/Schedule.h"

#include <limits>

namespace lgc {

using namespace loop;

namespace {

/// PyTorch's avg_pool2d divisor for the window starting at (y0, x0).
E avgDivisor(const Pool2dAttrs &a, const Shape &in, E y0, E x0) {
  if (a.divisorOverride) return E(a.divisorOverride);
  E y1 = min(y0 + E(a.kernel.h), E(in[2] + a.padEnd.h));
  E x1 = min(x0 + E(a.kernel.w), E(in[3] + a.padEnd.w));
  if (a.countIncludePad) return (y1 - y0) * (x1 - x0);
  return (min(y1, E(in[2])) - max(y0, E(0))) * (min(x1, E(in[3])) - max(x0, E(0)));
}

/// Output columns reduced at once by the channel-lanes pooling schedule.
constexpr int64_t kPoolColumns = 4;

/// Output columns below which AdaptiveAvgPool2d rows are not vectorised.
constexpr int64_t kMinVectorBins = 4;

/// A pooling kernel's input and output: their shapes and buffers, and its
/// lanes: a block's channels when the input is blocked, else output columns.
struct PoolIO {
  Shape in, out;
  int x, y;
  bool channelLanes;
  int64_t lanes, blocks; ///< Lanes per vector; blocks of output channels.
};

PoolIO declarePoolIO(KernelBuilder &kb) {
  const Node &node = kb.node();
  // Braced lists evaluate in order: the input is buffer 0, the output 1.
  PoolIO io{kb.graph().inputOf(node).shape,
            kb.graph().outputOf(node).shape,
            kb.valueBuffer("in", node.inputs[0]),
            kb.outputBuffer(),
            false,
            kb.vectorWidth(),
            0};
  io.channelLanes = kb.blocked(io.x);
  io.blocks = (io.out[1] + io.lanes - 1) / io.lanes;
  return io;
}

/// The sum of `terms` as a balanced tree of adds.
E treeSum(std::vector<E> terms) {
  while (terms.size() > 1) {
    std::vector<E> next;
    for (size_t i = 0; i + 1 < terms.size(); i += 2) next.push_back(terms[i] + terms[i + 1]);
    if (terms.size() % 2) next.push_back(terms.back());
    terms = std::move(next);
  }
  return terms.front();
}

} // namespace

void lowerPool2d(KernelBuilder &kb) {
  const Node &node = kb.node();
  const auto &a = node.as<Pool2dAttrs>();
  bool isMax = node.op == OpKind::MaxPool2d;
  PoolIO io = declarePoolIO(kb);
  const Shape &in = io.in, &out = io.out;
  int x = io.x, y = io.y;
  bool channelLanes = io.channelLanes;
  int64_t lanes = io.lanes, blocks = io.blocks;

  // Column lanes: threads split (image, channel) planes. Channel lanes (a
  // blocked input): (image, share of rows, channel block) triples, a vector
  // per pixel (see threadRows).
  int64_t shares = channelLanes ? threadRows(out[2], out[0] * blocks) : 1;
  int64_t shareRows = (out[2] + shares - 1) / shares, planes = channelLanes ? blocks : out[1];
  E p = var("p"), n = floorDiv(p, shares * planes), share = mod(floorDiv(p, planes), shares);
  E c = channelLanes ? mod(p, blocks) * E(lanes) + var("c") : mod(p, out[1]);
  E oy = var("oy"), ky = var("ky"), kx = var("kx");
  WindowAxis rows = a.rows(in[2]), columns = a.columns(in[3]);
  float fill = isMax ? -std::numeric_limits<float>::infinity() : 0.0f;
  // One output pixel's window reduced into `acc`, then stored.
  auto pixel = [&](const Tile &t, E ox, const std::string &acc) {
    E y0 = rows.windowStart(oy), x0 = columns.windowStart(ox);
    E iy = rows.inputCoordinate(oy, ky), ix = columns.inputCoordinate(ox, kx);
    E inside = E(0) <= iy && iy < E(in[2]) && E(0) <= ix && ix < E(in[3]);
    E cell = guardedLoad(x, kb.at(x, {n, c, iy, ix}), inside, fill);
    E update = isMax ? max(local(acc), cell) : local(acc) + cell;
    E result = isMax ? local(acc) : local(acc) / cast(avgDivisor(a, in, y0, x0));
    std::vector<E> at{n, c, oy, ox};
    E inRange = kb.blocked(y) ? E() : c < E(out[1]);
    return std::vector<StmtRef>{let(acc, f32(fill)), tapLoops(t, {assign(acc, update)}),
                                store(y, kb.at(y, at), kb.epilogue(result, at, inRange), inRange)};
  };

  std::vector<StmtRef> tiles;
  // Taps that only ever read padding neither win a max nor add to a sum.
  for (const Tile &t : windowTiles(rows, columns, channelLanes ? kPoolColumns : lanes)) {
    if (!channelLanes) {
      tiles.push_back(tileLoops(t, pixel(t, var("ox"), "acc")));
      continue;
    }
    // Runs of up to kPoolColumns output columns: independent reductions, so
    // each tap's loads and maxima overlap.
    auto run = [&](const Tile &tile, E first, int64_t count) {
      std::vector<StmtRef> body;
      for (int64_t i = 0; i < count; ++i)
        for (StmtRef &st : pixel(tile, first + E(i), "acc" + std::to_string(i))) body.push_back(st);
      return forLoop("c", 0, lanes, LoopKind::Vector, body);
    };
    tiles.push_back(shareRowLoop(t, shares, share, shareRows, columnBlocks(t, kPoolColumns, run)));
  }
  kb.finish(forLoop("p", 0, out[0] * shares * planes, LoopKind::Parallel, tiles),
            double(numElements(out)) * double(a.kernel.h * a.kernel.w));
}

void lowerAdaptiveAvgPool2d(KernelBuilder &kb) {
  // A blocked input: lanes are a block's channels, (image, block) pairs
  // split across threads. Otherwise (image, channel) planes, lanes columns.
  PoolIO io = declarePoolIO(kb);
  const Shape &in = io.in, &out = io.out;
  int x = io.x, y = io.y;
  bool channelLanes = io.channelLanes;
  int64_t lanes = io.lanes, blocks = io.blocks;
  int64_t planes = channelLanes ? blocks : out[1];

  // Bin i covers [floor(i*in/out), ceil((i+1)*in/out)); loop over the widest
  // bin with a guard for the narrower ones.
  auto widest = [](int64_t inSize, int64_t outSize) {
    int64_t w = 0;
    for (int64_t i = 0; i < outSize; ++i)
      w = std::max(w, ((i + 1) * inSize + outSize - 1) / outSize - (i * inSize) / outSize);
    return w;
  };
  E p = var("p"), n = floorDiv(p, planes);
  E c = channelLanes ? mod(p, blocks) * E(lanes) + var("c") : mod(p, out[1]);
  E oy = var("oy"), ox = var("ox");
  E y0 = floorDiv(oy * E(in[2]), out[2]),
    y1 = floorDiv((oy + E(1)) * E(in[2]) + E(out[2] - 1), out[2]);
  E x0 = floorDiv(ox * E(in[3]), out[3]),
    x1 = floorDiv((ox + E(1)) * E(in[3]) + E(out[3] - 1), out[3]);
  auto cell = [&](E ky, E kx) {
    return guardedLoad(x, kb.at(x, {n, c, y0 + ky, x0 + kx}), y0 + ky < y1 && x0 + kx < x1, 0.0f);
  };
  std::vector<E> at{n, c, oy, ox};
  E mean = local("acc") / cast((y1 - y0) * (x1 - x0));
  int64_t bh = widest(in[2], out[2]), bw = widest(in[3], out[3]);
  // A row of a few bins is scalar code: as vector lanes, each bin's loads
  // would be gathers with most lanes idle.
  LoopKind columns =
      !channelLanes && out[3] >= kMinVectorBins ? LoopKind::Vector : LoopKind::Serial;
  StmtRef sum;
  if (bh * bw <= 64) {
    // A small bin is summed as a balanced tree: independent adds, not a
    // chain each waiting for the last (a 7x7 global pool: 49 deep -> 6).
    std::vector<E> cells;
    for (int64_t i = 0; i < bh; ++i)
      for (int64_t j = 0; j < bw; ++j) cells.push_back(cell(E(i), E(j)));
    sum = let("acc", treeSum(cells));
  } else {
    sum = block({let("acc", f32(0)),
                 forLoop("ky", 0, bh, LoopKind::Serial,
                         {forLoop("kx", 0, bw, LoopKind::Serial,
                                  {assign("acc", local("acc") + cell(var("ky"), var("kx")))})})});
  }
  E inRange = kb.blocked(y) ? E() : c < E(out[1]);
  StmtRef body =
      forLoop("oy", 0, out[2], LoopKind::Serial,
              {forLoop("ox", 0, out[3], columns,
                       {sum, store(y, kb.at(y, at), kb.epilogue(mean, at, inRange), inRange)})});
  if (channelLanes) body = forLoop("c", 0, lanes, LoopKind::Vector, {body});
  kb.finish(forLoop("p", 0, out[0] * planes, LoopKind::Parallel, {body}), double(numElements(in)));
}

} // namespace lgc
