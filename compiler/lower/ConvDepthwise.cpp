//===- compiler/lower/ConvDepthwise.cpp - the depthwise-lanes schedule ----===//
//
// One input channel per output channel, blocked in and out: lanes are a
// block's channels, a run of output columns per register block.
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

/// Output columns per register block of the depthwise-lanes schedule.
constexpr int64_t kDepthwiseColumns = 8;

} // namespace

/// The depthwise-lanes schedule: threads split (image, share of rows,
/// channel block) triples; a register block is a run of output columns, each tap one vector load of
/// the input and one FMA per column with the tap's weight vector (the
/// weights re-laid out as [1, kh, kw, channels]).
void lowerDepthwiseLanes(KernelBuilder &kb) {
  const Node &node = kb.node();
  const auto &a = node.as<Conv2dAttrs>();
  const Shape &in = kb.graph().inputOf(node).shape;
  const Shape &out = kb.graph().outputOf(node).shape;
  int64_t lanes = kb.vectorWidth(), blocks = (a.outChannels + lanes - 1) / lanes;
  int x = kb.valueBuffer("in", node.inputs[0]);
  std::pair<int, int> weights = channelsLastWeights(kb, blocks * lanes);
  int w = weights.first, b = weights.second; // captured below: not a structured binding
  int y = kb.outputBuffer();

  // Threads split (image, share of rows, channel block) triples: whole rows
  // of every channel each (see threadRows).
  int64_t shares = threadRows(out[2], out[0] * blocks), shareRows = (out[2] + shares - 1) / shares;
  E p = var("p"), n = floorDiv(p, shares * blocks), share = mod(floorDiv(p, blocks), shares);
  E c = mod(p, blocks) * E(lanes) + var("c");
  E oy = var("oy"), ky = var("ky");
  E iy = a.rows(in[2]).inputCoordinate(oy, ky);
  auto block = [&](const Tile &t, E first, int64_t columns) {
    std::vector<StmtRef> init, taps, stores;
    for (int64_t col = 0; col < columns; ++col) {
      std::string acc = "acc" + std::to_string(col);
      E ox = first + E(col);
      std::vector<E> at{n, c, oy, ox};
      init.push_back(let(acc, b >= 0 ? load(b, {c}) : f32(0)));
      for (int64_t k = t.kx0; k < t.kx1; ++k) {
        E ix = a.columns(in[3]).inputCoordinate(ox, E(k));
        E inside = E(0) <= iy && iy < E(in[2]) && E(0) <= ix && ix < E(in[3]);
        taps.push_back(assign(acc, fma(guardedLoad(x, kb.at(x, {n, c, iy, ix}), inside, 0.0f),
                                       load(w, {E(0), ky, E(k), c}), local(acc))));
      }
      stores.push_back(store(y, kb.at(y, at), kb.epilogue(local(acc), at)));
    }
    std::vector<StmtRef> body = init;
    body.push_back(forLoop("ky", t.ky0, t.ky1, tapRowLoop(t), taps));
    body.insert(body.end(), stores.begin(), stores.end());
    return forLoop("c", 0, lanes, LoopKind::Vector, body);
  };
  WindowAxis rows = a.rows(in[2]), columns = a.columns(in[3]);
  std::vector<StmtRef> tiles;
  for (const Tile &t : windowTiles(rows, columns, kDepthwiseColumns))
    tiles.push_back(
        shareRowLoop(t, shares, share, shareRows, columnBlocks(t, kDepthwiseColumns, block)));
  kb.finish(forLoop("p", 0, out[0] * shares * blocks, LoopKind::Parallel, tiles),
            2.0 * double(macCount(kb.graph(), node)));
}

} // namespace lgc
