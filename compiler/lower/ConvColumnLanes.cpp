//===- compiler/lower/ConvColumnLanes.cpp - the column-lanes schedule -----===//
//
// The rest (grouped convolutions, small plain layers): lanes are output
// columns, several rows at a time.
//
//===----------------------------------------------------------------------===//
#include "compiler/ir/Cost.h"
#include "compiler/lower/ConvSchedules.h"
#include "compiler/lower/Schedule.h"

#include <algorithm>
#include <tuple>

namespace lgc {

using namespace loop;

/// Output rows the column-lanes schedule computes at once: independent
/// accumulators, each tap's weight broadcast once for all of them
/// (docs/benchmarks.md#kcolumnlanerows).
constexpr int64_t kColumnLaneRows = 4;

/// The column-lanes schedule (see the file comment): threads split (image,
/// output channel) planes, the lanes are output columns, and kColumnLaneRows
/// rows are computed together.
void lowerColumnLanes(KernelBuilder &kb) {
  const Node &node = kb.node();
  const auto &a = node.as<Conv2dAttrs>();
  const Shape &in = kb.graph().inputOf(node).shape;
  const Shape &out = kb.graph().outputOf(node).shape;
  int64_t icPerGroup = a.inChannels / a.groups, ocPerGroup = a.outChannels / a.groups;
  int x = kb.valueBuffer("in", node.inputs[0]);
  int w = kb.weightBuffer("weight", flipped(kb.param("weight"), a.flip));
  int b = a.bias ? kb.weightBuffer("bias", kb.param("bias")) : -1;
  int y = kb.outputBuffer();

  E p = var("p"), n = floorDiv(p, out[1]), oc = mod(p, out[1]);
  E ox = var("ox"), ic = var("ic"), ky = var("ky"), kx = var("kx");
  E ix = a.columns(in[3]).inputCoordinate(ox, kx);
  E channel = floorDiv(oc, ocPerGroup) * E(icPerGroup) + ic;
  // Rows first, first + 1, ... first + count - 1 of tile `t`.
  auto rowBlock = [&](const Tile &t, E first, int64_t count) {
    std::vector<StmtRef> init, taps, stores;
    for (int64_t r = 0; r < count; ++r) {
      std::string acc = "acc" + std::to_string(r);
      E oy = first + E(r);
      E iy = a.rows(in[2]).inputCoordinate(oy, ky);
      E inside = E(0) <= iy && iy < E(in[2]) && E(0) <= ix && ix < E(in[3]);
      std::vector<E> at{n, oc, oy, ox};
      init.push_back(let(acc, b >= 0 ? load(b, {oc}) : f32(0)));
      taps.push_back(assign(acc, fma(guardedLoad(x, kb.at(x, {n, channel, iy, ix}), inside, 0.0f),
                                     load(w, {oc, ic, ky, kx}), local(acc))));
      stores.push_back(store(y, kb.at(y, at), kb.epilogue(local(acc), at)));
    }
    std::vector<StmtRef> body = init;
    body.push_back(forLoop("ic", 0, icPerGroup, LoopKind::Serial, {tapLoops(t, taps)}));
    body.insert(body.end(), stores.begin(), stores.end());
    return forLoop("ox", t.x0, t.x1, LoopKind::Vector, body);
  };

  std::vector<StmtRef> tiles;
  for (const Tile &t : windowTiles(a.rows(in[2]), a.columns(in[3]), kb.vectorWidth())) {
    // Statements are simplified in place per tile, so each tile gets its own.
    int64_t rows = t.y1 - t.y0, full = rows / kColumnLaneRows, rest = rows % kColumnLaneRows;
    if (full > 0)
      tiles.push_back(
          forLoop("ob", 0, full, LoopKind::Serial,
                  {rowBlock(t, E(t.y0) + var("ob") * E(kColumnLaneRows), kColumnLaneRows)}));
    if (rest > 0) tiles.push_back(rowBlock(t, E(t.y0 + full * kColumnLaneRows), rest));
  }
  kb.finish(forLoop("p", 0, out[0] * out[1], LoopKind::Parallel, tiles),
            2.0 * double(macCount(kb.graph(), node)));
}

} // namespace lgc
