//===- compiler/lower/Schedule.h - loop structures schedules share -*- C++ -*-===//
//
// The pieces a schedule is built from, free of any one op: a sliding window's
// output plane cut into border and interior tiles, the loops over a tile's
// rows, columns and window taps, register blocks of columns, and how threads
// share a plane's rows or a tensor's elements.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/ir/Window.h"
#include "compiler/loop/LoopIR.h"
#include "runtime/Tensor.h"

#include <functional>
#include <vector>

namespace lgc {

/// A rectangle of output positions [y0, y1) x [x0, x1) and the window taps
/// [ky0, ky1) x [kx0, kx1) that can land inside the input for some output in
/// it (the others read only padding: skipped). In an interior tile every tap
/// of every window is inside the input.
struct Tile {
  int64_t y0, y1, x0, x1;
  bool interior;
  int64_t ky0, ky1, kx0, kx1;
};

/// The output plane cut into at most five tiles: the top and bottom border
/// rows, and the middle rows' left border, interior and right border. The
/// left and right borders are widened to `minBorder` columns (a vector or a
/// register block then fills them); where that would leave the interior
/// narrower than `minBorder`, the middle rows are one tile.
std::vector<Tile> windowTiles(const WindowAxis &rows, const WindowAxis &columns,
                              int64_t minBorder = 0);

/// `for oy` over the tile's rows, SIMD `for ox` over its columns, around `body`.
loop::StmtRef tileLoops(const Tile &tile, std::vector<loop::StmtRef> body);

/// `for ky`, `for kx` over the tile's live taps around `body`. `kx` is always
/// unrolled; `ky` in the interior, where the time goes, and at the borders
/// only when the window is small, to keep compile time down.
loop::StmtRef tapLoops(const Tile &tile, std::vector<loop::StmtRef> body);

/// How tapLoops runs the window's rows: unrolled in the interior and for
/// small windows, otherwise a loop.
loop::LoopKind tapRowLoop(const Tile &tile);

/// Shares of a plane's rows that threads split when the layer's activations
/// outweigh its weights, with `items` other work items (images, channel
/// groups) each: at most 16, equal where a count divides the rows, of at
/// least two rows each where possible. A thread's
/// shares then hold whole rows of every channel, the rows the next such
/// layer's thread reads, so activations stay in one core's cache
/// (docs/benchmarks.md#threadrows).
int64_t threadRows(int64_t rows, int64_t items);
constexpr int64_t kMaxRowShares = 16;
/// Parallel work items a layer is cut into at least, where its rows allow:
/// enough for a few threads to finish together.
constexpr int64_t kMinWorkItems = 8;

/// The statements for `columns` output columns of tile `t` from `first`.
using ColumnBlock = std::function<loop::StmtRef(const Tile &t, loop::E first, int64_t columns)>;

/// A row of tile `t` split evenly into blocks of at most `most` columns (a
/// register block, a run of pool windows): a loop over the full blocks,
/// then the rest.
std::vector<loop::StmtRef> columnBlocks(const Tile &t, int64_t most, const ColumnBlock &block);

/// `for oy` over the rows of tile `t` that lie in share `share` of the
/// plane's rows, `shareRows` rows a share (all of them when `shares` is 1).
loop::StmtRef shareRowLoop(const Tile &t, int64_t shares, loop::E share, int64_t shareRows,
                           std::vector<loop::StmtRef> body);

/// [N*C..., rest]: the 2-D view elementwise kernels index a tensor by.
Shape rowsView(const Shape &shape);

/// The statements for one element (n, c, y, x) of a 4-D tensor; `inRange`
/// is false on a block's padding lanes (c >= C), null where there are none.
using ElementBody =
    std::function<std::vector<loop::StmtRef>(const std::vector<loop::E> &at, loop::E inRange)>;

/// Loops over every element of 4-D `shape`. In blocked order (`lanes` > 0)
/// threads split (image, channel block) pairs and the SIMD lanes are a
/// block's channels, padding lanes included; in plain order (`lanes` 0)
/// threads split (image, channel) planes and the lanes are columns.
loop::StmtRef eachElement(const Shape &shape, int64_t lanes, const ElementBody &body);

} // namespace lgc
