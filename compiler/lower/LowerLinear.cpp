//===- compiler/lower/LowerLinear.cpp - Linear to loops -------------------===//
//
// y = x W^T + b with W transposed (and its rows padded to whole chunks) at
// compile time, so output features are contiguous SIMD lanes: each input
// feature is broadcast and multiplied into a chunk of outputs. Threads split
// (row, output chunk) pairs, so even batch 1 uses every core; the last chunk's
// store is guarded.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/Cost.h"
#include "compiler/lower/LowerContext.h"

namespace lgc {

using namespace loop;

namespace {

/// W [out, in] as WT [in, padded] (zeros past `out`).
Tensor transposePadded(const Tensor &w, int64_t padded) {
  int64_t outF = w.shape[0], inF = w.shape[1];
  Tensor t({inF, padded});
  for (int64_t o = 0; o < outF; ++o)
    for (int64_t i = 0; i < inF; ++i)
      t.data[static_cast<size_t>(i * padded + o)] = w.data[static_cast<size_t>(o * inF + i)];
  return t;
}

Tensor padded(const Tensor &b, int64_t size) {
  Tensor t({size});
  std::copy(b.data.begin(), b.data.end(), t.data.begin());
  return t;
}

} // namespace

void lowerLinear(LowerContext &ctx) {
  const Node &node = ctx.node();
  const auto &a = node.as<LinearAttrs>();
  Shape out = ctx.graph().outputOf(node).shape;
  int64_t rows = numElements(out) / a.outFeatures;
  int64_t chunk = 4 * ctx.vectorWidth();
  int64_t chunks = (a.outFeatures + chunk - 1) / chunk, width = chunks * chunk;

  int x = ctx.valueBuffer("in", node.inputs[0], {rows, a.inFeatures});
  int w = ctx.weightBuffer("weight_t", transposePadded(ctx.param("weight"), width));
  int b = a.bias ? ctx.weightBuffer("bias", padded(ctx.param("bias"), width)) : -1;
  int y = ctx.outputBuffer({rows, a.outFeatures});

  E p = var("p"), r = floorDiv(p, chunks), o = mod(p, chunks) * E(chunk) + var("o");
  E i = var("i");
  std::vector<E> at{r, o};
  E inRange = o < E(a.outFeatures);
  StmtRef body =
      forLoop("o", 0, chunk, LoopKind::Vector,
              {let("acc", b >= 0 ? load(b, {o}) : f32(0)),
               forLoop("i", 0, a.inFeatures, LoopKind::Serial,
                       {assign("acc", fma(load(x, {r, i}), load(w, {i, o}), local("acc")))}),
               store(y, at, ctx.epilogue(local("acc"), at, inRange), inRange)});
  ctx.finish(forLoop("p", 0, rows * chunks, LoopKind::Parallel, {body}),
             2.0 * double(macCount(ctx.graph(), node)));
}

} // namespace lgc
