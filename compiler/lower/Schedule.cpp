//===- compiler/lower/Schedule.cpp - loop structures schedules share ------===//
#include "compiler/lower/Schedule.h"

#include "compiler/ir/OutputSize.h"

#include <algorithm>

namespace lgc {

using namespace loop;

namespace {

/// [lo, hi): the outputs whose whole window lies inside the input.
std::pair<int64_t, int64_t> interiorRange(const WindowAxis &a) {
  int64_t out = outputSize(a);
  int64_t lo = std::clamp<int64_t>((a.padBegin + a.stride - 1) / a.stride, 0, out);
  int64_t span = a.dilation * (a.kernel - 1);
  int64_t hi = std::clamp<int64_t>(floorDiv(a.in - 1 + a.padBegin - span, a.stride) + 1, 0, out);
  return {lo, std::max(lo, hi)};
}

/// The taps [first, last) of one window axis that can land inside the input
/// for some output in [o0, o1): tap k reads o*stride - padBegin + k*dilation.
std::pair<int64_t, int64_t> liveTaps(const WindowAxis &a, int64_t o0, int64_t o1) {
  int64_t first = -floorDiv(-(a.padBegin - (o1 - 1) * a.stride), a.dilation);
  int64_t last = floorDiv(a.in - 1 - o0 * a.stride + a.padBegin, a.dilation) + 1;
  return {std::max<int64_t>(first, 0), std::min(last, a.kernel)};
}

} // namespace

std::vector<Tile> windowTiles(const WindowAxis &rows, const WindowAxis &columns,
                              int64_t minBorder) {
  int64_t rowsOut = outputSize(rows), columnsOut = outputSize(columns);
  auto [r0, r1] = interiorRange(rows);
  auto [c0, c1] = interiorRange(columns);
  // Borders that exist are widened with columns from the interior. When the
  // interior would keep fewer than minBorder columns, the middle rows stay
  // whole instead (a plane a vector or two wide).
  int64_t left = c0 > 0 ? std::max<int64_t>(0, minBorder - c0) : 0;
  int64_t right = c1 < columnsOut ? std::max<int64_t>(0, minBorder - (columnsOut - c1)) : 0;
  bool whole = minBorder > 0 && c1 - c0 - left - right < minBorder;
  c0 += left;
  c1 -= right;
  std::vector<std::array<int64_t, 4>> rects{{0, rowsOut, 0, columnsOut}};
  if (r0 < r1 && whole)
    rects = {{0, r0, 0, columnsOut}, {r0, r1, 0, columnsOut}, {r1, rowsOut, 0, columnsOut}};
  else if (r0 < r1 && c0 < c1)
    rects = {{0, r0, 0, columnsOut},
             {r0, r1, 0, c0},
             {r0, r1, c0, c1},
             {r0, r1, c1, columnsOut},
             {r1, rowsOut, 0, columnsOut}};
  std::vector<Tile> tiles;
  for (auto [y0, y1, x0, x1] : rects) {
    if (y0 == y1 || x0 == x1) continue;
    auto [ky0, ky1] = liveTaps(rows, y0, y1);
    auto [kx0, kx1] = liveTaps(columns, x0, x1);
    bool interior = !whole && y0 == r0 && y1 == r1 && x0 == c0 && x1 == c1;
    tiles.push_back({y0, y1, x0, x1, interior, ky0, ky1, kx0, kx1});
  }
  return tiles;
}

StmtRef tileLoops(const Tile &t, std::vector<StmtRef> body) {
  return forLoop("oy", t.y0, t.y1, LoopKind::Serial,
                 {forLoop("ox", t.x0, t.x1, LoopKind::Vector, std::move(body))});
}

LoopKind tapRowLoop(const Tile &t) {
  int64_t taps = (t.ky1 - t.ky0) * (t.kx1 - t.kx0);
  return t.interior || taps <= 9 ? LoopKind::Unrolled : LoopKind::Serial;
}

StmtRef tapLoops(const Tile &t, std::vector<StmtRef> body) {
  return forLoop("ky", t.ky0, t.ky1, tapRowLoop(t),
                 {forLoop("kx", t.kx0, t.kx1, LoopKind::Unrolled, std::move(body))});
}

StmtRef eachElement(const Shape &shape, int64_t lanes, const ElementBody &body) {
  E p = var("p"), y = var("y");
  if (lanes == 0) {
    E n = floorDiv(p, shape[1]), c = mod(p, shape[1]);
    return forLoop(
        "p", 0, shape[0] * shape[1], LoopKind::Parallel,
        {forLoop("y", 0, shape[2], LoopKind::Serial,
                 {forLoop("x", 0, shape[3], LoopKind::Vector, body({n, c, y, var("x")}, E()))})});
  }
  int64_t blocks = (shape[1] + lanes - 1) / lanes;
  E n = floorDiv(p, blocks), c = mod(p, blocks) * E(lanes) + var("c");
  E inRange = shape[1] % lanes == 0 ? E() : c < E(shape[1]);
  return forLoop("p", 0, shape[0] * blocks, LoopKind::Parallel,
                 {forLoop("y", 0, shape[2], LoopKind::Serial,
                          {forLoop("x", 0, shape[3], LoopKind::Serial,
                                   {forLoop("c", 0, lanes, LoopKind::Vector,
                                            body({n, c, y, var("x")}, inRange))})})});
}

int64_t threadRows(int64_t rows, int64_t items) {
  // Equal shares when some count divides the rows: of two rows or more,
  // else of one (7 rows: 7 shares, not 3 of 3, 3 and 1, which left a thread
  // with half the work of the other), and enough with the other `items` for
  // kMinWorkItems in all (9 rows of a single channel group: 9 shares of one,
  // not 3 of three, which two threads split 2 to 1).
  for (int64_t wanted : {kMinWorkItems, int64_t(1)})
    for (int64_t least : {2, 1})
      for (int64_t shares = std::min(kMaxRowShares, rows / least); shares > 1; --shares)
        if (rows % shares == 0 && shares * items >= wanted) return shares;
  // Otherwise many near-equal shares (the last shorter).
  int64_t shares = std::max<int64_t>(1, std::min<int64_t>(kMaxRowShares, rows / 2));
  int64_t perShare = (rows + shares - 1) / shares;
  return (rows + perShare - 1) / perShare;
}

std::vector<StmtRef> columnBlocks(const Tile &t, int64_t most, const ColumnBlock &block) {
  int64_t width = t.x1 - t.x0, count = (width + most - 1) / most;
  int64_t size = (width + count - 1) / count, full = width / size, rest = width % size;
  std::vector<StmtRef> row;
  if (full > 0)
    row.push_back(
        forLoop("ob", 0, full, LoopKind::Serial, {block(t, E(t.x0) + var("ob") * E(size), size)}));
  if (rest > 0) row.push_back(block(t, E(t.x0 + full * size), rest));
  return row;
}

StmtRef shareRowLoop(const Tile &t, int64_t shares, E share, int64_t shareRows,
                     std::vector<StmtRef> body) {
  if (shares == 1) return forLoop("oy", t.y0, t.y1, LoopKind::Serial, std::move(body));
  E first = share * E(shareRows);
  return clippedLoop("oy", t.y0, t.y1, first, first + E(shareRows), std::move(body));
}

Shape rowsView(const Shape &shape) {
  if (shape.size() <= 2) return shape.size() == 2 ? shape : Shape{1, shape.empty() ? 1 : shape[0]};
  int64_t rows = shape[0] * shape[1];
  return {rows, numElements(shape) / rows};
}

} // namespace lgc
