//===- compiler/lower/LowerLinear.cpp - Linear to loops -------------------===//
//
// y = x W^T + b with W re-laid out at compile time as [chunk, in, features of
// the chunk], so output features are contiguous SIMD lanes and each chunk's
// weights stream through memory in one sequential pass: each input feature
// is broadcast and multiplied into four vectors of outputs. Threads split
// (row, output chunk) pairs, so even batch 1 uses every core; the last chunk's
// store is guarded. After a Flatten of a blocked value (nChw16c) the Linear
// reads that value where it stores each feature, and the Flatten copies
// nothing.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/Cost.h"
#include "compiler/lower/LowerOps.h"
#include "compiler/lower/Schedule.h"

namespace lgc {

using namespace loop;

void lowerLinear(KernelBuilder &kb) {
  const Node &node = kb.node();
  const auto &a = node.as<LinearAttrs>();
  Shape out = kb.graph().outputOf(node).shape;
  int64_t rows = numElements(out) / a.outFeatures;
  int64_t lanes = kb.vectorWidth(), vectors = 4, chunk = vectors * lanes;
  int64_t chunks = (a.outFeatures + chunk - 1) / chunk;

  // A folded Flatten (see KernelBuilder::foldedFlatten): the input is read
  // where the blocked value stores feature (c, pixel).
  const Value &input = kb.graph().value(node.inputs[0]);
  const Node *flatten = input.producer >= 0 ? &kb.graph().nodes[size_t(input.producer)] : nullptr;
  bool folded = flatten && kb.foldedFlatten(*flatten);
  int64_t block = 0, pixels = 1;
  int x = -1;
  if (folded) {
    ValueId blocked = flatten->inputs[0];
    const Shape &s = kb.graph().value(blocked).shape;
    block = kb.blockOf(blocked), pixels = s[2] * s[3];
    x = kb.blockedRowsBuffer("in", blocked);
  } else {
    x = kb.valueBuffer("in", node.inputs[0], {rows, a.inFeatures});
  }
  // W [out, in] as [chunks, in, chunk]: each chunk of `chunk` output features
  // holds, for every input feature, its weights contiguously (zeros past
  // `out`), so a chunk streams through memory in one sequential pass.
  int w =
      kb.weightBuffer("weight_t", kb.param("weight").then({prep::chunkedTranspose(chunk, chunks)}));
  int b =
      a.bias ? kb.weightBuffer("bias", kb.param("bias").then({prep::zeroPad(chunks * chunk)})) : -1;
  int y = kb.outputBuffer({rows, a.outFeatures});

  // One pass over the inputs per chunk, its vectors as separate accumulators.
  // A folded Flatten's features go channel by channel, then pixel by pixel.
  E p = var("p"), r = floorDiv(p, chunks), c = mod(p, chunks);
  E i = folded ? var("ic") * E(pixels) + var("px") : var("i");
  E stored = folded ? (floorDiv(var("ic"), block) * E(pixels) + var("px")) * E(block) +
                          mod(var("ic"), block)
                    : i;
  std::vector<StmtRef> init, taps, stores;
  for (int64_t v = 0; v < vectors; ++v) {
    std::string acc = "acc" + std::to_string(v);
    E column = E(v * lanes) + var("o"), o = c * E(chunk) + column;
    std::vector<E> at{r, o};
    E inRange = o < E(a.outFeatures);
    init.push_back(let(acc, b >= 0 ? load(b, {o}) : f32(0)));
    taps.push_back(assign(acc, fma(load(x, {r, stored}), load(w, {c, i, column}), local(acc))));
    stores.push_back(store(y, at, kb.epilogue(local(acc), at, inRange), inRange));
  }
  std::vector<StmtRef> body = init;
  if (folded)
    body.push_back(forLoop("ic", 0, a.inFeatures / pixels, LoopKind::Serial,
                           {forLoop("px", 0, pixels, LoopKind::Serial, taps)}));
  else
    body.push_back(forLoop("i", 0, a.inFeatures, LoopKind::Serial, taps));
  body.insert(body.end(), stores.begin(), stores.end());
  kb.finish(forLoop("p", 0, rows * chunks, LoopKind::Parallel,
                    {forLoop("o", 0, lanes, LoopKind::Vector, body)}),
            2.0 * double(macCount(kb.graph(), node)));
}

} // namespace lgc
