//===- compiler/lower/LowerConv.cpp - Conv2d to loops ---------------------===//
//
// Direct convolution in NCHW, in one of two schedules:
//
// - Channel lanes (groups == 1, unless a small stride-1 layer has few output
//   channels; see useChannelLanes): SIMD
//   lanes are output channels, with the weights re-laid out at compile time
//   as [ic, ky, kx, oc] so each tap's weights are one contiguous vector; a
//   block of output columns is register-blocked, so each weight vector feeds
//   one FMA per column and each input value is one broadcast. Threads split
//   (image, channel block) pairs.
// - Column lanes (grouped and depthwise convolutions, small layers):
//   SIMD lanes are output columns; threads split (image, channel) pairs.
//
// Both cut the output plane into border and interior tiles (the interior
// reads no padding, so its loads carry no guard), skip taps that can only
// read padding, and unroll the window (at the borders only when small, to
// keep compile time down). `flip` rotates the weights once at compile time,
// so the loops are always cross-correlation.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/Cost.h"
#include "compiler/lower/LowerContext.h"

#include <algorithm>

namespace lgc {

using namespace loop;

namespace {

/// The weights as the kernel reads them: rotated by 180° for `flip`.
WeightRecipe flipped(WeightRecipe w, bool flip) {
  return flip ? w.then({prep::flip()}) : w;
}

/// Output columns per register block in the channel-lanes schedule.
constexpr int64_t kColumnBlock = 8;

/// Rows at least this wide keep separate border-column tiles (measured on
/// ResNet-18: 56-wide rows gain from the guard-free interior, 28-wide rows
/// from full-width register blocks).
constexpr int64_t kWideRow = 48;

/// Weights of one vector of output channels kept in cache across the rows.
constexpr int64_t kChunkBytes = 64 << 10;

/// Input channels per cache chunk: the largest divisor of in_channels whose
/// weights for one vector of output channels fit in kChunkBytes.
int64_t channelChunk(const Conv2dAttrs &a, int64_t lanes) {
  int64_t perChannel = a.kernel.h * a.kernel.w * lanes * 4;
  for (int64_t c = a.inChannels; c > 1; --c)
    if (a.inChannels % c == 0 && c * perChannel <= kChunkBytes) return c;
  return 1;
}

/// windowTiles merged into full-width rows: a register block then spans the
/// whole row (a border column of its own would leave each weight vector one
/// FMA); the border columns' guards stay on their broadcast loads.
std::vector<Tile> rowTiles(const WindowAxisSpec &rows, const WindowAxisSpec &columns) {
  std::vector<Tile> merged;
  for (const Tile &t : windowTiles(rows, columns)) {
    if (!merged.empty() && merged.back().y0 == t.y0) {
      Tile &m = merged.back();
      m = {m.y0,
           m.y1,
           std::min(m.x0, t.x0),
           std::max(m.x1, t.x1),
           false,
           std::min(m.ky0, t.ky0),
           std::max(m.ky1, t.ky1),
           std::min(m.kx0, t.kx0),
           std::max(m.kx1, t.kx1)};
    } else {
      merged.push_back(t);
    }
  }
  return merged;
}

/// The channel-lanes schedule (see the file comment).
void lowerChannelLanes(LowerContext &ctx) {
  const Node &node = ctx.node();
  const auto &a = node.as<Conv2dAttrs>();
  const Shape &in = ctx.graph().inputOf(node).shape;
  const Shape &out = ctx.graph().outputOf(node).shape;
  int64_t lanes = ctx.vectorWidth(), blocks = (a.outChannels + lanes - 1) / lanes;

  int x = ctx.valueBuffer("in", node.inputs[0], in);
  // [out, in, kh, kw] as [in, kh, kw, padded], zeros past `out`.
  int w = ctx.weightBuffer(
      "weight_t", flipped(ctx.param("weight"), a.flip).then({prep::channelsLast(blocks * lanes)}));
  int b = a.bias ? ctx.weightBuffer("bias", ctx.param("bias").then({prep::zeroPad(blocks * lanes)}))
                 : -1;
  int y = ctx.outputBuffer(out);

  // Input channels in chunks whose weights stay in cache while every output
  // row reuses them; partial sums wait in the output between chunks.
  int64_t chunk = channelChunk(a, lanes), chunks = a.inChannels / chunk;
  E p = var("p"), n = floorDiv(p, blocks), oc = mod(p, blocks) * E(lanes) + var("oc");
  E oy = var("oy"), kx = var("kx"), ky = var("ky");
  E icb = chunks > 1 ? var("icb") : E(0), ic = icb * E(chunk) + var("ic");
  E iy = oy * E(a.stride.h) - E(a.padBegin.h) + ky * E(a.dilation.h);
  E weight = load(w, {ic, ky, kx, oc});
  E inRange = oc < E(a.outChannels);
  E firstChunk = icb == E(0), lastChunk = icb == E(chunks - 1);

  // One register block of `columns` accumulators starting at column `first`.
  auto block = [&](const Tile &t, E first, int64_t columns) {
    std::vector<StmtRef> init, taps, stores;
    for (int64_t c = 0; c < columns; ++c) {
      std::string acc = "acc" + std::to_string(c);
      E ox = first + E(c);
      E ix = ox * E(a.stride.w) - E(a.padBegin.w) + kx * E(a.dilation.w);
      E inside = E(0) <= iy && iy < E(in[2]) && E(0) <= ix && ix < E(in[3]);
      std::vector<E> at{n, oc, oy, ox};
      E start = b >= 0 ? load(b, {oc}) : f32(0);
      init.push_back(let(acc, select(firstChunk, start, guardedLoad(y, at, inRange, 0.0f))));
      taps.push_back(
          assign(acc, fma(guardedLoad(x, {n, ic, iy, ix}, inside, 0.0f), weight, local(acc))));
      E result = select(lastChunk, ctx.epilogue(local(acc), at, inRange), local(acc));
      stores.push_back(store(y, at, result, inRange));
    }
    std::vector<StmtRef> body = init;
    body.push_back(forLoop("ic", 0, chunk, LoopKind::Serial, {tapLoops(t, taps)}));
    body.insert(body.end(), stores.begin(), stores.end());
    return forLoop("oc", 0, lanes, LoopKind::Vector, body);
  };

  std::vector<StmtRef> tiles;
  WindowAxisSpec rows{out[2], in[2], a.stride.h, a.padBegin.h, a.kernel.h, a.dilation.h};
  WindowAxisSpec columns{out[3], in[3], a.stride.w, a.padBegin.w, a.kernel.w, a.dilation.w};
  // Narrow planes: full-width rows. Wide ones: the interior without guards
  // outweighs the short border blocks.
  bool narrow = out[3] < kWideRow;
  for (const Tile &t : narrow ? rowTiles(rows, columns) : windowTiles(rows, columns)) {
    int64_t width = t.x1 - t.x0, full = width / kColumnBlock, rest = width % kColumnBlock;
    std::vector<StmtRef> row;
    if (full > 0)
      row.push_back(forLoop("ob", 0, full, LoopKind::Serial,
                            {block(t, E(t.x0) + var("ob") * E(kColumnBlock), kColumnBlock)}));
    if (rest > 0) row.push_back(block(t, E(t.x0 + full * kColumnBlock), rest));
    tiles.push_back(forLoop("oy", t.y0, t.y1, LoopKind::Serial, row));
  }
  if (chunks > 1) tiles = {forLoop("icb", 0, chunks, LoopKind::Serial, tiles)};
  ctx.finish(forLoop("p", 0, out[0] * blocks, LoopKind::Parallel, tiles),
             2.0 * double(macCount(ctx.graph(), node)));
}

/// Channel lanes unless the layer is grouped, or is a small stride-1 layer
/// with few output channels (a vector of output columns is then fuller and
/// contiguous). Measured, 1 thread: 3->8 k11 s4 2.6 -> 74 GFLOP/s and 64->4 k3
/// 19 -> 38 with channel lanes; 1->6 k5 (LeNet) 89 with column lanes, 45 without.
bool useChannelLanes(const Conv2dAttrs &a, int64_t lanes) {
  if (a.groups != 1) return false;
  bool fewChannels = 2 * a.outChannels < lanes;
  bool smallWindow = a.inChannels * a.kernel.h * a.kernel.w < 64;
  return !(fewChannels && smallWindow && a.stride.w == 1);
}

} // namespace

void lowerConv2d(LowerContext &ctx) {
  const Node &node = ctx.node();
  const auto &a = node.as<Conv2dAttrs>();
  const Shape &in = ctx.graph().inputOf(node).shape;
  const Shape &out = ctx.graph().outputOf(node).shape;
  int64_t icPerGroup = a.inChannels / a.groups, ocPerGroup = a.outChannels / a.groups;
  if (useChannelLanes(a, ctx.vectorWidth())) {
    lowerChannelLanes(ctx);
    return;
  }

  int x = ctx.valueBuffer("in", node.inputs[0], in);
  int w = ctx.weightBuffer("weight", flipped(ctx.param("weight"), a.flip));
  int b = a.bias ? ctx.weightBuffer("bias", ctx.param("bias")) : -1;
  int y = ctx.outputBuffer(out);

  E p = var("p"), n = floorDiv(p, out[1]), oc = mod(p, out[1]);
  E oy = var("oy"), ox = var("ox"), ic = var("ic"), ky = var("ky"), kx = var("kx");
  E iy = oy * E(a.stride.h) - E(a.padBegin.h) + ky * E(a.dilation.h);
  E ix = ox * E(a.stride.w) - E(a.padBegin.w) + kx * E(a.dilation.w);
  E inside = E(0) <= iy && iy < E(in[2]) && E(0) <= ix && ix < E(in[3]);
  E channel = floorDiv(oc, ocPerGroup) * E(icPerGroup) + ic;
  E tap = fma(guardedLoad(x, {n, channel, iy, ix}, inside, 0.0f), load(w, {oc, ic, ky, kx}),
              local("acc"));

  std::vector<E> at{n, oc, oy, ox};
  std::vector<StmtRef> tiles;
  for (const Tile &t :
       windowTiles({out[2], in[2], a.stride.h, a.padBegin.h, a.kernel.h, a.dilation.h},
                   {out[3], in[3], a.stride.w, a.padBegin.w, a.kernel.w, a.dilation.w}))
    // Statements are simplified in place per tile, so each tile gets its own.
    tiles.push_back(tileLoops(
        t, {let("acc", b >= 0 ? load(b, {oc}) : f32(0)),
            forLoop("ic", 0, icPerGroup, LoopKind::Serial, {tapLoops(t, {assign("acc", tap)})}),
            store(y, at, ctx.epilogue(local("acc"), at))}));
  ctx.finish(forLoop("p", 0, out[0] * out[1], LoopKind::Parallel, tiles),
             2.0 * double(macCount(ctx.graph(), node)));
}

} // namespace lgc
