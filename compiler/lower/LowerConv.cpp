//===- compiler/lower/LowerConv.cpp - Conv2d to loops ---------------------===//
//
// Direct convolution in NCHW: threads split the (image, output channel)
// pairs, the output plane is cut into border and interior tiles (the
// interior reads no padding, so its loads carry no guard), output columns are
// SIMD lanes, and the kernel window is unrolled (at the borders only when
// small, to keep compile time down); taps that can only read padding are
// skipped. `flip` rotates the weights
// once at compile time, so the loops are always cross-correlation.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/Cost.h"
#include "compiler/lower/LowerContext.h"

namespace lgc {

using namespace loop;

namespace {

/// The weights as the kernel reads them: rotated by 180° for `flip`.
Tensor prepareWeights(const Tensor &w, bool flip) {
  if (!flip) return w;
  Tensor out(w.shape);
  int64_t kh = w.shape[2], kw = w.shape[3], planes = w.shape[0] * w.shape[1];
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t y = 0; y < kh; ++y)
      for (int64_t x = 0; x < kw; ++x)
        out.data[static_cast<size_t>((p * kh + y) * kw + x)] =
            w.data[static_cast<size_t>((p * kh + (kh - 1 - y)) * kw + (kw - 1 - x))];
  return out;
}

} // namespace

void lowerConv2d(LowerContext &ctx) {
  const Node &node = ctx.node();
  const auto &a = node.as<Conv2dAttrs>();
  const Shape &in = ctx.graph().inputOf(node).shape;
  const Shape &out = ctx.graph().outputOf(node).shape;
  int64_t icPerGroup = a.inChannels / a.groups, ocPerGroup = a.outChannels / a.groups;

  int x = ctx.valueBuffer("in", node.inputs[0], in);
  int w = ctx.weightBuffer("weight", prepareWeights(ctx.param("weight"), a.flip));
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
