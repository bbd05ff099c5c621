//===- tests/unit/lower/ScheduleTest.cpp - the pieces schedules share -----===//
//
// compiler/lower/Schedule.h, by what the loops it builds do:
//   windowTiles  over many window axes: the tiles cover the output plane
//                exactly once; in an interior tile every tap of every window
//                lies inside the input; a tap a tile skips reads only
//                padding there; border columns widened to minBorder;
//   threadRows   at most kMaxRowShares shares, none empty, equal where some
//                count divides the rows, of two rows or more where that
//                keeps kMinWorkItems work items;
//   columnBlocks blocks of at most `most` columns cover a tile's row once;
//   shareRowLoop the shares' rows cover the tile's rows once;
//   tileLoops, tapLoops, rowsView and eachElement (every element once,
//                padding lanes flagged).
//
//===----------------------------------------------------------------------===//
#include "compiler/lower/Schedule.h"
#include "tests/unit/loop/LoopEval.h"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

namespace lgc {
namespace {

using namespace loop;
using test::evalInt;
using test::forEachIteration;
using test::Values;

/// One window axis as PyTorch states it; out follows (floor mode, for the
/// axes whose window fits the padded input at least once).
struct Axis {
  int64_t in, kernel, stride = 1, pad = 0, dilation = 1;

  int64_t out() const { return (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1; }
  /// The input position tap `k` of output `o` reads.
  int64_t at(int64_t o, int64_t k) const { return o * stride - pad + k * dilation; }
  bool inside(int64_t o, int64_t k) const { return at(o, k) >= 0 && at(o, k) < in; }
};

/// The axis as the schedule library takes it (ir/Window.h).
WindowAxis spec(const Axis &a) {
  return {a.in, a.pad, a.pad, a.kernel, a.stride, a.dilation, false};
}

std::vector<Tile> tilesOf(const Axis &rows, const Axis &columns, int64_t minBorder = 0) {
  return windowTiles(spec(rows), spec(columns), minBorder);
}

/// Window axes small enough to check every output and tap of.
std::vector<Axis> axes() {
  std::vector<Axis> all;
  for (int64_t in : {1, 2, 3, 5, 8, 13, 24})
    for (int64_t kernel : {1, 2, 3, 5})
      for (int64_t stride : {1, 2, 3})
        for (int64_t pad : {0, 1, 2})
          for (int64_t dilation : {1, 2}) {
            Axis a{in, kernel, stride, pad, dilation};
            if (pad <= kernel && in + 2 * pad - dilation * (kernel - 1) - 1 >= 0) all.push_back(a);
          }
  return all;
}

/// On one axis: the tile's outputs [o0, o1) and live taps [k0, k1).
void checkAxis(const Axis &a, int64_t o0, int64_t o1, int64_t k0, int64_t k1, bool interior) {
  for (int64_t k = 0; k < a.kernel; ++k) {
    bool anyInside = false;
    for (int64_t o = o0; o < o1; ++o) {
      anyInside |= a.inside(o, k);
      if (interior) {
        EXPECT_TRUE(a.inside(o, k)) << "interior output " << o << " tap " << k;
      }
    }
    if (k < k0 || k >= k1) {
      EXPECT_FALSE(anyInside) << "skipped tap " << k << " reads the input";
    }
  }
  if (interior) {
    EXPECT_EQ(std::make_pair(k0, k1), std::make_pair(int64_t(0), a.kernel));
  }
}

/// Every property windowTiles promises, for one pair of axes.
void checkTiles(const Axis &rows, const Axis &columns, int64_t minBorder) {
  std::vector<Tile> tiles = tilesOf(rows, columns, minBorder);
  SCOPED_TRACE(::testing::Message()
               << "rows in " << rows.in << " k " << rows.kernel << " s " << rows.stride << " p "
               << rows.pad << " d " << rows.dilation << ", columns in " << columns.in << " k "
               << columns.kernel << " p " << columns.pad << ", minBorder " << minBorder);
  EXPECT_LE(tiles.size(), 5u);
  std::vector<int> covered(size_t(rows.out() * columns.out()), 0);
  const Tile *interior = nullptr;
  for (const Tile &t : tiles) {
    ASSERT_TRUE(t.y0 < t.y1 && t.x0 < t.x1) << "empty tile";
    for (int64_t y = t.y0; y < t.y1; ++y)
      for (int64_t x = t.x0; x < t.x1; ++x) ++covered[size_t(y * columns.out() + x)];
    checkAxis(rows, t.y0, t.y1, t.ky0, t.ky1, t.interior);
    checkAxis(columns, t.x0, t.x1, t.kx0, t.kx1, t.interior);
    if (t.interior) {
      EXPECT_EQ(interior, nullptr) << "two interior tiles";
      interior = &t;
    }
  }
  for (int c : covered) ASSERT_EQ(c, 1) << "an output is not covered exactly once";
  if (!interior || minBorder == 0) return;
  EXPECT_GE(interior->x1 - interior->x0, minBorder);
  for (const Tile &t : tiles)
    if (t.y0 == interior->y0 && !t.interior) {
      EXPECT_GE(t.x1 - t.x0, minBorder);
    }
}

TEST(WindowTiles, CoverTheOutputAndKeepInteriorTapsInside) {
  std::vector<Axis> all = axes();
  int interiors = 0;
  for (size_t i = 0; i < all.size(); ++i)
    for (int64_t minBorder : {0, 4, 8}) {
      // Each axis as the rows against a few as the columns (every pair is slow).
      for (size_t j : {i, (i * 7 + 3) % all.size(), all.size() - 1 - i})
        checkTiles(all[i], all[j], minBorder);
      for (const Tile &t : tilesOf(all[i], all[i], minBorder)) interiors += t.interior;
    }
  EXPECT_GT(interiors, 100); // the interior checks ran
}

TEST(WindowTiles, ThreeByThreePaddedConvolution) {
  // 8x8, 3x3, padding 1: row 0 and row 7 are borders that skip one row of
  // taps; columns 0 and 7 likewise; 1..7 x 1..7 is the interior.
  Axis a{8, 3, 1, 1};
  std::vector<Tile> tiles = tilesOf(a, a);
  ASSERT_EQ(tiles.size(), 5u);
  auto box = [](const Tile &t) {
    return std::vector<int64_t>{t.y0, t.y1, t.x0, t.x1, t.ky0, t.ky1, t.kx0, t.kx1};
  };
  EXPECT_EQ(box(tiles[0]), (std::vector<int64_t>{0, 1, 0, 8, 1, 3, 0, 3}));
  EXPECT_EQ(box(tiles[1]), (std::vector<int64_t>{1, 7, 0, 1, 0, 3, 1, 3}));
  EXPECT_EQ(box(tiles[2]), (std::vector<int64_t>{1, 7, 1, 7, 0, 3, 0, 3}));
  EXPECT_EQ(box(tiles[3]), (std::vector<int64_t>{1, 7, 7, 8, 0, 3, 0, 2}));
  EXPECT_EQ(box(tiles[4]), (std::vector<int64_t>{7, 8, 0, 8, 0, 2, 0, 3}));
  EXPECT_TRUE(tiles[2].interior);
  EXPECT_FALSE(tiles[0].interior || tiles[1].interior || tiles[3].interior || tiles[4].interior);
  // Without padding the whole plane is interior.
  std::vector<Tile> valid = tilesOf(Axis{8, 3}, Axis{8, 3});
  ASSERT_EQ(valid.size(), 1u);
  EXPECT_TRUE(valid[0].interior);
}

TEST(WindowTiles, MinBorderWidensBordersOrKeepsTheMiddleWhole) {
  // 20 columns, 3 taps, padding 1: interior columns [1, 19).
  Axis rows{6, 3, 1, 1}, columns{20, 3, 1, 1};
  std::vector<Tile> four = tilesOf(rows, columns, 4);
  ASSERT_EQ(four.size(), 5u);
  EXPECT_EQ(std::make_pair(four[1].x0, four[1].x1), std::make_pair(int64_t(0), int64_t(4)));
  EXPECT_EQ(std::make_pair(four[2].x0, four[2].x1), std::make_pair(int64_t(4), int64_t(16)));
  EXPECT_EQ(std::make_pair(four[3].x0, four[3].x1), std::make_pair(int64_t(16), int64_t(20)));
  EXPECT_TRUE(four[2].interior);
  // Borders of 8 would leave 4 interior columns: the middle rows are one tile.
  std::vector<Tile> eight = tilesOf(rows, columns, 8);
  ASSERT_EQ(eight.size(), 3u);
  EXPECT_EQ(std::make_pair(eight[1].x0, eight[1].x1), std::make_pair(int64_t(0), int64_t(20)));
  EXPECT_EQ(std::make_pair(eight[1].y0, eight[1].y1), std::make_pair(int64_t(1), int64_t(5)));
  for (const Tile &t : eight) EXPECT_FALSE(t.interior);
}

TEST(Schedule, TileAndTapLoops) {
  Tile border{0, 1, 0, 8, false, 1, 3, 0, 3}, interior{1, 7, 1, 7, true, 0, 5, 0, 5};
  Tile bigBorder{0, 1, 0, 8, false, 0, 4, 0, 5};
  StmtRef tile = tileLoops(interior, {});
  EXPECT_EQ(std::make_tuple(tile->name, tile->begin, tile->end, tile->loop),
            std::make_tuple(std::string("oy"), int64_t(1), int64_t(7), LoopKind::Serial));
  const StmtRef &ox = tile->body.at(0);
  EXPECT_EQ(std::make_tuple(ox->name, ox->begin, ox->end, ox->loop),
            std::make_tuple(std::string("ox"), int64_t(1), int64_t(7), LoopKind::Vector));
  StmtRef taps = tapLoops(border, {});
  EXPECT_EQ(std::make_tuple(taps->name, taps->begin, taps->end, taps->loop),
            std::make_tuple(std::string("ky"), int64_t(1), int64_t(3), LoopKind::Unrolled));
  EXPECT_EQ(taps->body.at(0)->loop, LoopKind::Unrolled);
  EXPECT_EQ(tapRowLoop(interior), LoopKind::Unrolled); // 25 taps, but where the time goes
  EXPECT_EQ(tapRowLoop(bigBorder), LoopKind::Serial);  // 20 taps at a border
  EXPECT_EQ(tapLoops(bigBorder, {})->body.at(0)->loop, LoopKind::Unrolled);
}

/// Rows [0, rows) cut into `shares` shares of ceil(rows / shares) rows, as
/// the lowering cuts them: no share may be empty.
bool noEmptyShare(int64_t rows, int64_t shares) {
  int64_t shareRows = (rows + shares - 1) / shares;
  return (shares - 1) * shareRows < rows;
}

TEST(ThreadRows, Examples) {
  EXPECT_EQ(threadRows(1, 1), 1);
  EXPECT_EQ(threadRows(7, 1), 7); // 7 of one row, not 3, 3 and 1
  EXPECT_EQ(threadRows(9, 1), 9); // enough for kMinWorkItems
  EXPECT_EQ(threadRows(9, 4), 3); // 3 x 4 items suffice: rows of three
  EXPECT_EQ(threadRows(56, 1), 14);
  EXPECT_EQ(threadRows(56, 8), 14);
  EXPECT_EQ(threadRows(112, 1), 16);
  EXPECT_EQ(threadRows(17, 1), 6); // no divisor: near-equal shares of 3
}

TEST(ThreadRows, Properties) {
  for (int64_t rows = 1; rows <= 300; ++rows)
    for (int64_t items = 1; items <= 20; ++items) {
      SCOPED_TRACE(::testing::Message() << rows << " rows, " << items << " items");
      int64_t shares = threadRows(rows, items);
      ASSERT_GE(shares, 1);
      EXPECT_LE(shares, std::min(kMaxRowShares, rows));
      EXPECT_TRUE(noEmptyShare(rows, shares));
      // The best equal split: most shares of two rows or more that with
      // `items` make kMinWorkItems, if any such count divides the rows.
      int64_t best = 0, anyDivisor = 0;
      for (int64_t d = 2; d <= kMaxRowShares; ++d) {
        if (rows % d != 0) continue;
        anyDivisor = d;
        if (rows / d >= 2 && d * items >= kMinWorkItems) best = d;
      }
      if (best) {
        EXPECT_EQ(shares, best);
      }
      if (anyDivisor) {
        EXPECT_EQ(rows % shares, 0) << "unequal shares";
      }
      if (!anyDivisor && rows >= 2) {
        EXPECT_GE((rows + shares - 1) / shares, 2);
      }
    }
}

/// The columns each block of columnBlocks(t, most) covers, by running its
/// loops: (first column, count) per block.
std::vector<std::pair<int64_t, int64_t>> blocksOf(const Tile &t, int64_t most) {
  std::vector<std::pair<int64_t, int64_t>> blocks;
  ColumnBlock record = [](const Tile &, E first, int64_t columns) {
    return store(0, {first, E(columns)}, f32(0.0f));
  };
  StmtRef row = block(columnBlocks(t, most, record));
  forEachIteration(row, [&](const Stmt &s, const Values &at) {
    blocks.emplace_back(evalInt(s.indices[0], at), evalInt(s.indices[1], at));
  });
  return blocks;
}

TEST(ColumnBlocks, CoverTheRowOnceInFewestBlocks) {
  for (int64_t x0 : {0, 3})
    for (int64_t width = 1; width <= 40; ++width)
      for (int64_t most = 1; most <= 12; ++most) {
        SCOPED_TRACE(::testing::Message() << width << " columns, at most " << most);
        Tile t{0, 1, x0, x0 + width, true, 0, 1, 0, 1};
        std::vector<std::pair<int64_t, int64_t>> blocks = blocksOf(t, most);
        int64_t next = x0;
        for (const auto &[first, columns] : blocks) {
          EXPECT_EQ(first, next);
          EXPECT_GE(columns, 1);
          EXPECT_LE(columns, most);
          EXPECT_LE(columns, blocks.front().second); // only the last may be shorter
          next = first + columns;
        }
        EXPECT_EQ(next, x0 + width);
        EXPECT_EQ(int64_t(blocks.size()), (width + most - 1) / most);
      }
  // 12 columns by at most 5: three blocks of 4 (a loop), none left over.
  std::vector<StmtRef> row = columnBlocks(Tile{0, 1, 0, 12, true, 0, 1, 0, 1}, 5,
                                          [](const Tile &, E, int64_t) { return block(); });
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(std::make_pair(row[0]->begin, row[0]->end), std::make_pair(int64_t(0), int64_t(3)));
}

TEST(ShareRowLoop, SharesCoverTheTileRowsOnce) {
  Tile t{1, 8, 0, 4, false, 0, 1, 0, 1};
  StmtRef whole = shareRowLoop(t, 1, var("s"), 8, {});
  EXPECT_EQ(whole->clipBegin, nullptr);
  EXPECT_EQ(std::make_pair(whole->begin, whole->end), std::make_pair(int64_t(1), int64_t(8)));
  // 3 shares of 3 rows of the plane [0, 9): the tile's rows [1, 8) once.
  StmtRef shared = loop::forLoop(
      "s", 0, 3, LoopKind::Parallel,
      {shareRowLoop(t, 3, var("s"), 3, {store(0, {var("oy"), var("s")}, f32(0.0f))})});
  std::vector<int64_t> rows;
  forEachIteration(shared, [&](const Stmt &s, const Values &at) {
    int64_t row = evalInt(s.indices[0], at), share = evalInt(s.indices[1], at);
    EXPECT_EQ(row / 3, share) << "row " << row << " in another share";
    rows.push_back(row);
  });
  EXPECT_EQ(rows, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7}));
}

TEST(RowsView, FoldsBatchAndChannels) {
  EXPECT_EQ(rowsView({2, 3, 4, 5}), (Shape{6, 20}));
  EXPECT_EQ(rowsView({2, 3, 4}), (Shape{6, 4}));
  EXPECT_EQ(rowsView({7, 9}), (Shape{7, 9}));
  EXPECT_EQ(rowsView({5}), (Shape{1, 5}));
  EXPECT_EQ(rowsView({}), (Shape{1, 1}));
}

/// eachElement over `shape` with `lanes`: each (n, c, y, x) it visits with
/// how often, and whether inRange held there; and whether inRange was given.
struct Visits {
  std::map<std::vector<int64_t>, int> count;
  std::set<std::vector<int64_t>> inRange;
  bool flagged = false;
  int64_t parallel = 0;
};

Visits visit(const Shape &shape, int64_t lanes) {
  Visits v;
  StmtRef nest = eachElement(shape, lanes, [&](const std::vector<E> &at, E inRange) {
    v.flagged = bool(inRange);
    std::vector<E> indices = at;
    indices.push_back(inRange ? select(inRange, E(1), E(0)) : E(1));
    return std::vector<StmtRef>{store(0, indices, f32(0.0f))};
  });
  Kernel k;
  k.body = block({nest});
  v.parallel = k.parallelExtent();
  forEachIteration(nest, [&](const Stmt &s, const Values &at) {
    std::vector<int64_t> element;
    for (size_t i = 0; i < 4; ++i) element.push_back(evalInt(s.indices[i], at));
    ++v.count[element];
    if (evalInt(s.indices[4], at)) v.inRange.insert(element);
  });
  return v;
}

/// Every element of `shape` visited once and in range, and padding lanes
/// (channels up to `channels`) visited once and out of range.
void expectEveryElementOnce(const Visits &v, const Shape &shape, int64_t channels) {
  size_t expected = 0;
  for (int64_t n = 0; n < shape[0]; ++n)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t y = 0; y < shape[2]; ++y)
        for (int64_t x = 0; x < shape[3]; ++x) {
          std::vector<int64_t> e{n, c, y, x};
          auto it = v.count.find(e);
          ASSERT_NE(it, v.count.end()) << n << " " << c << " " << y << " " << x;
          EXPECT_EQ(it->second, 1);
          EXPECT_EQ(v.inRange.count(e), c < shape[1] ? 1u : 0u);
          ++expected;
        }
  EXPECT_EQ(v.count.size(), expected);
}

TEST(EachElement, PlainOrderSplitsPlanes) {
  Shape shape{2, 3, 4, 5};
  Visits v = visit(shape, 0);
  EXPECT_FALSE(v.flagged);
  EXPECT_EQ(v.parallel, 6);
  expectEveryElementOnce(v, shape, 3);
}

TEST(EachElement, BlockedOrderFlagsPaddingLanes) {
  Shape partial{2, 20, 3, 2};
  Visits v = visit(partial, 16);
  EXPECT_TRUE(v.flagged);
  EXPECT_EQ(v.parallel, 4); // 2 images x 2 channel blocks
  expectEveryElementOnce(v, partial, 32);
  Shape whole{1, 32, 2, 3};
  Visits w = visit(whole, 16);
  EXPECT_FALSE(w.flagged);
  EXPECT_EQ(w.parallel, 2);
  expectEveryElementOnce(w, whole, 32);
}

} // namespace
} // namespace lgc
