//===- compiler/lower/ConvChannelLanes.cpp - the channel-lanes schedule ---===//
//
// Lanes are output channels; a register block of 1-4 channel vectors by a
// run of output columns; weights re-laid out at compile time so that a
// block's weights stream in order (see LowerConv.cpp for when it is chosen).
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

/// Declares the weight, [out, in, kh, kw] as [groups, in, kh, kw, width]:
/// each group of `width` output channels' weights in one run, so that a
/// register block's weights stream through memory in order (zeros past
/// `out`), and the bias (-1 if none) zero-padded to groups * width.
std::pair<int, int> groupedWeights(KernelBuilder &kb, int64_t width, int64_t groups) {
  const auto &a = kb.node().as<Conv2dAttrs>();
  int w = kb.weightBuffer(
      "weight_t",
      flipped(kb.param("weight"), a.flip).then({prep::chunkedTranspose(width, groups)}));
  int b =
      a.bias ? kb.weightBuffer("bias", kb.param("bias").then({prep::zeroPad(width * groups)})) : -1;
  return {w, b};
}

/// A register block: `vectors` vectors of output channels by `columns`
/// output columns, one accumulator each.
struct RegisterBlock {
  int64_t vectors, columns;
};

/// Whether a register block's taps go a window column at a time (each
/// weight vector used by every column, then dead) rather than in input
/// order (see ChannelLanes::taps): with fewer than 32 registers and
/// windows 5 or more wide. Input order keeps a window row's weights in
/// registers, `kernelWidth` per channel vector, which leaves AVX2's 16
/// registers too few accumulators (docs/benchmarks.md#weightmajor).
bool weightMajor(int64_t kernelWidth, int registers) {
  return registers < 32 && kernelWidth >= 5;
}

/// The widest block of `vectors` channel vectors that fits `registers`
/// vector registers (32 with AVX-512, 16 with AVX2), at least one column.
/// AVX-512: in 31 registers, the vectors × columns accumulators with one
/// weight vector per channel vector and one input per column, and also the
/// accumulators with a window row's weights (`kernelWidth` per channel
/// vector) and `kernelWidth` inputs. AVX2: 8 accumulators when the taps are
/// weight-major (see weightMajor), else at most 10, and with a window row's
/// weights at most 15 registers (but at least 6 / vectors columns). A wider
/// block spills registers to the stack (docs/benchmarks.md#maxcolumns).
int64_t maxColumns(int64_t vectors, int64_t kernelWidth, int registers) {
  if (registers >= 32) {
    int64_t plain = (31 - vectors) / (vectors + 1);
    int64_t window = (31 - kernelWidth * (vectors + 1)) / vectors;
    return std::max<int64_t>(1, std::min(plain, window));
  }
  if (weightMajor(kernelWidth, registers)) return 8 / vectors;
  int64_t plain = 10 / vectors;
  int64_t window = std::max((15 - kernelWidth * vectors) / vectors, 6 / vectors);
  return std::max<int64_t>(1, std::min(plain, window));
}

/// Columns per block when `width` columns are split evenly into blocks of
/// at most `most`.
int64_t evenSplit(int64_t width, int64_t most) {
  int64_t count = (width + most - 1) / most;
  return (width + count - 1) / count;
}

/// Rows at least this wide keep separate border-column tiles, widened to a
/// whole register block: 48 with AVX-512, 24 with AVX2. Narrower rows gain
/// more from full-width register blocks than from a guard-free interior
/// (docs/benchmarks.md#widerow).
int64_t wideRow(int registers) {
  return registers >= 32 ? 48 : 24;
}

/// Whether `groups` channel groups per image still give each of two threads
/// at least two (image, group) pairs of rows.
bool enoughItems(int64_t images, int64_t groups, int64_t rows) {
  return images * groups * std::max<int64_t>(1, rows / 2) >= kMinWorkItems;
}

/// The AVX-512 register block for a layer with `blocks` vectors of output
/// channels and rows up to `width` wide. One channel vector with a full row
/// of columns (at least 12) when neighbouring columns share input values
/// (kernel wider than its stride), as each input then feeds several
/// columns; otherwise the block with the most accumulators doing useful
/// work (docs/benchmarks.md#avx512block). Channel vectors are only grouped
/// while each of two threads still gets at least two (image, group) pairs.
RegisterBlock avx512Block(const Conv2dAttrs &a, int64_t images, int64_t blocks, int64_t rows,
                          int64_t width) {
  RegisterBlock best{1, evenSplit(width, maxColumns(1, a.kernel.w, 32))};
  bool sharedInputs = a.kernel.w > a.stride.w;
  if (sharedInputs && best.columns >= 12) return best;
  double bestWork = double(best.columns);
  for (int64_t v = 2; v <= 4; ++v) {
    int64_t groups = (blocks + v - 1) / v;
    if (!enoughItems(images, groups, rows)) break;
    int64_t c = evenSplit(width, maxColumns(v, a.kernel.w, 32));
    // Accumulators doing useful work: less padded channels and short blocks.
    double work = double(v * c) * double(blocks) / double(groups * v) * double(width) /
                  double(c * ((width + c - 1) / c));
    if (work > bestWork) best = {v, c}, bestWork = work;
  }
  return best;
}

/// The AVX2 register block: two channel vectors, except for one on rows of
/// 48 or more whose columns share inputs, or where a second vector would be
/// mostly padding (1 or 3 vectors in all) or leave too few work items: two
/// vectors let each broadcast input feed two FMAs
/// (docs/benchmarks.md#avx2block). Taps that are weight-major (see
/// weightMajor) share no inputs between columns.
RegisterBlock avx2Block(const Conv2dAttrs &a, int64_t images, int64_t blocks, int64_t rows,
                        int64_t width) {
  RegisterBlock one{1, evenSplit(width, maxColumns(1, a.kernel.w, 16))};
  bool sharedInputs = a.kernel.w > a.stride.w && !weightMajor(a.kernel.w, 16);
  if (sharedInputs && width >= 48) return one;
  int64_t groups = (blocks + 1) / 2;
  bool padded = blocks % 2 == 1 && blocks < 5;
  if (padded || !enoughItems(images, groups, rows)) return one;
  return {2, evenSplit(width, maxColumns(2, a.kernel.w, 16))};
}

/// The register block for the target's register file.
RegisterBlock registerBlock(const Conv2dAttrs &a, int registers, int64_t images, int64_t blocks,
                            int64_t rows, int64_t width) {
  return registers >= 32 ? avx512Block(a, images, blocks, rows, width)
                         : avx2Block(a, images, blocks, rows, width);
}

/// Weights of one register block's channels kept in cache across the rows:
/// half of a 1 MiB L2. Smaller chunks cost more, as every chunk re-reads and
/// re-writes the output (docs/benchmarks.md#kchunkbytes).
constexpr int64_t kChunkBytes = 512 << 10;

/// Input channels per cache chunk: the largest divisor of in_channels whose
/// weights for `lanes` output channels fit in kChunkBytes (with an input
/// blocked by `block` channels, a multiple of it).
int64_t channelChunk(const Conv2dAttrs &a, int64_t lanes, int64_t block) {
  int64_t perChannel = a.kernel.h * a.kernel.w * lanes * 4;
  // A blocked input is chunked in whole blocks only.
  int64_t step = block > 0 && a.inChannels % block == 0 ? block : 1;
  if (block > 0 && step == 1) return a.inChannels;
  for (int64_t c = a.inChannels; c > step; c -= step)
    if (a.inChannels % c == 0 && c * perChannel <= kChunkBytes) return c;
  return step;
}

/// windowTiles merged into full-width rows: a register block then spans the
/// whole row (a border column of its own would leave each weight vector one
/// FMA); the border columns' guards stay on their broadcast loads.
std::vector<Tile> rowTiles(const WindowAxis &rows, const WindowAxis &columns) {
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

/// Shares of the rows for `items` (image, group) pairs: enough shares for
/// kMinWorkItems items, each of at least two rows (every share re-reads
/// its group's weights).
int64_t rowShares(int64_t items, int64_t rows) {
  int64_t shares = (kMinWorkItems + items - 1) / items;
  return std::max<int64_t>(1, std::min(shares, rows / 2));
}

/// A convolution whose weights exceed this prefetches them (see
/// lowerChannelLanes): they will not be in cache from the previous run.
constexpr int64_t kPrefetchWeightBytes = 1 << 20;

/// FMAs per input channel up to which a blocked input's channel loop is
/// unrolled over the block (a pointwise layer's few taps).
constexpr int64_t kUnrollChannelTaps = 32;

/// The loops over input channels [first, first + count) around `body(ic)`.
/// A plain input: one loop. A blocked one (`block` channels per vector): a
/// loop over blocks and one over the channels of a block, so addresses stay
/// affine (no division per channel), then the channels past the last whole
/// block; the inner loop unrolled when `taps` (FMAs per channel) are few.
template <typename Body>
std::vector<StmtRef> channelLoops(int64_t block, E first, int64_t count, int64_t taps,
                                  const Body &body) {
  if (block == 0) return {forLoop("ic", 0, count, LoopKind::Serial, {body(first + var("ic"))})};
  LoopKind inner = taps <= kUnrollChannelTaps ? LoopKind::Unrolled : LoopKind::Serial;
  int64_t whole = count / block, rest = count % block;
  std::vector<StmtRef> loops;
  if (whole > 0)
    loops.push_back(forLoop(
        "ib", 0, whole, LoopKind::Serial,
        {forLoop("il", 0, block, inner, {body(first + var("ib") * E(block) + var("il"))})}));
  if (rest > 0)
    loops.push_back(forLoop("il", 0, rest, inner, {body(first + E(whole * block) + var("il"))}));
  return loops;
}

/// Pointwise layers narrower than this view their plane with longer rows
/// (wider ones keep their rows).
constexpr int64_t kNarrowPointwise = 28;

/// The rows a narrow pointwise layer's plane of `pixels` is viewed as: the
/// most rows (threads share them) that are still kNarrowPointwise long, so
/// that register blocks run across the original rows' ends (a 14x14 plane
/// as 7 rows of 28, 27x27 as 9 of 81); one row when no divisor gives that.
int64_t pointwiseRows(int64_t pixels) {
  for (int64_t rows = pixels / kNarrowPointwise; rows > 1; --rows)
    if (pixels % rows == 0) return rows;
  return 1;
}

/// The channel-lanes schedule (see the file comment): the plan (views,
/// register block, groups, cache chunks, row shares) is made once, then each
/// tile's rows are cut into register blocks.
class ChannelLanes {
public:
  explicit ChannelLanes(KernelBuilder &kb);
  void lower();

private:
  StmtRef block(const Tile &t, E first, int64_t columns);
  StmtRef taps(const Tile &t, E first, int64_t columns, E ic);
  std::vector<StmtRef> prefetches(E ic);

  KernelBuilder &kernel_;
  const Conv2dAttrs &attrs_;
  Shape inShape_, outShape_; ///< The views (a narrow pointwise plane in longer rows).
  int64_t lanes_, blocks_;   ///< Lanes per vector; vectors of output channels.
  RegisterBlock registerBlock_{1, 1};
  std::vector<Tile> tiles_;
  /// Channel groups (a register block's vectors each), input channels per
  /// cache chunk, chunks, shares of the rows, rows per share.
  int64_t groups_ = 1, chunkChannels_ = 1, chunks_ = 1, shares_ = 1, shareRows_ = 1;
  int input_ = -1, weight_ = -1, bias_ = -1, output_ = -1; ///< Buffers (bias_ -1: none).
  bool prefetching_ = false;
  /// The parallel step's image, channel group and share of rows; the output
  /// row, window row and cache chunk (0 when one) loop variables; the input
  /// row they read.
  E image_, group_, share_, outputRow_ = var("oy"), windowRow_ = var("ky"), chunk_, inputRow_;
};

ChannelLanes::ChannelLanes(KernelBuilder &kb)
    : kernel_(kb), attrs_(kb.node().as<Conv2dAttrs>()),
      inShape_(kb.graph().inputOf(kb.node()).shape),
      outShape_(kb.graph().outputOf(kb.node()).shape), lanes_(kb.vectorWidth()),
      blocks_((attrs_.outChannels + lanes_ - 1) / lanes_) {
  const Node &node = kb.node();
  // A narrow pointwise layer's plane in longer rows: register blocks then
  // run across row ends (a 7x7 plane: blocks of 7 columns become blocks of
  // up to 14).
  if (isPointwise(attrs_) && outShape_[3] < kNarrowPointwise) {
    int64_t pixels = outShape_[2] * outShape_[3], rows = pointwiseRows(pixels);
    inShape_ = {inShape_[0], inShape_[1], rows, pixels / rows};
    outShape_ = {outShape_[0], outShape_[1], rows, pixels / rows};
  }
  WindowAxis rows = attrs_.rows(inShape_[2]), columns = attrs_.columns(inShape_[3]);
  // Narrow planes: full-width rows. Wide ones: the interior without guards
  // outweighs the short border blocks.
  bool narrow = outShape_[3] < wideRow(kb.vectorRegisters());
  tiles_ = narrow ? rowTiles(rows, columns) : windowTiles(rows, columns);
  int64_t widest = 0;
  for (const Tile &t : tiles_) widest = std::max(widest, t.x1 - t.x0);
  registerBlock_ =
      registerBlock(attrs_, kb.vectorRegisters(), outShape_[0], blocks_, outShape_[2], widest);
  if (!narrow) tiles_ = windowTiles(rows, columns, registerBlock_.columns);
  groups_ = (blocks_ + registerBlock_.vectors - 1) / registerBlock_.vectors;
  // Input channels in chunks whose weights stay in cache while every output
  // row reuses them; partial sums wait in the output between chunks.
  chunkChannels_ =
      channelChunk(attrs_, lanes_ * registerBlock_.vectors, kb.blockOf(node.inputs[0]));
  chunks_ = attrs_.inChannels / chunkChannels_;

  input_ = kb.valueBuffer("in", node.inputs[0], inShape_);
  std::tie(weight_, bias_) = groupedWeights(kb, registerBlock_.vectors * lanes_, groups_);
  output_ = kb.outputBuffer(outShape_);

  // Threads split (image, group, share of rows) triples. When the weights
  // outweigh the input, the shares of one group are adjacent, so that a
  // thread's shares reuse the group's weights. Otherwise the groups of one
  // share are: each thread then computes whole rows of every channel, the
  // rows the next layer's share reads, and that data stays in its core's
  // cache instead of crossing to the other's.
  int64_t weights = blocks_ * lanes_ * attrs_.inChannels * attrs_.kernel.h * attrs_.kernel.w;
  bool rowsFirst = weights < numElements(inShape_);
  int64_t items = outShape_[0] * groups_;
  shares_ = rowsFirst ? threadRows(outShape_[2], items) : rowShares(items, outShape_[2]);
  shareRows_ = (outShape_[2] + shares_ - 1) / shares_;
  shares_ = (outShape_[2] + shareRows_ - 1) / shareRows_;
  E p = var("p");
  image_ = floorDiv(p, shares_ * groups_);
  share_ = rowsFirst ? mod(floorDiv(p, groups_), shares_) : mod(p, shares_);
  group_ = rowsFirst ? mod(p, groups_) : mod(floorDiv(p, shares_), groups_);
  chunk_ = chunks_ > 1 ? var("icb") : E(0);
  inputRow_ = attrs_.rows(inShape_[2]).inputCoordinate(outputRow_, windowRow_);
  prefetching_ = groups_ * attrs_.inChannels * attrs_.kernel.h * attrs_.kernel.w *
                     registerBlock_.vectors * lanes_ * 4 >
                 kPrefetchWeightBytes;
}

void ChannelLanes::lower() {
  std::vector<StmtRef> tiles;
  auto registerBlocks = [this](const Tile &t, E first, int64_t columns) {
    return block(t, first, columns);
  };
  for (const Tile &t : tiles_)
    tiles.push_back(shareRowLoop(t, shares_, share_, shareRows_,
                                 columnBlocks(t, registerBlock_.columns, registerBlocks)));
  if (chunks_ > 1) tiles = {forLoop("icb", 0, chunks_, LoopKind::Serial, tiles)};
  kernel_.finish(forLoop("p", 0, outShape_[0] * groups_ * shares_, LoopKind::Parallel, tiles),
                 2.0 * double(macCount(kernel_.graph(), kernel_.node())));
}

/// One register block: `columns` columns from `first`, every channel vector
/// of the group, over the chunk's input channels; the epilogue after the
/// last chunk.
StmtRef ChannelLanes::block(const Tile &t, E first, int64_t columns) {
  E firstChunk = chunk_ == E(0), lastChunk = chunk_ == E(chunks_ - 1);
  // Blocked outputs are stored whole, their padding lanes included.
  bool wholeVectors = kernel_.blocked(output_);
  std::vector<StmtRef> body, stores;
  for (int64_t v = 0; v < registerBlock_.vectors; ++v) {
    E oc = group_ * E(registerBlock_.vectors * lanes_) + E(v * lanes_) + var("oc");
    // A group's last vectors may lie past the output's channels (plain) or
    // blocks (blocked, whose padding lanes are stored too).
    E inRange = oc < E(attrs_.outChannels), inBlocks = oc < E(blocks_ * lanes_);
    for (int64_t c = 0; c < columns; ++c) {
      std::string acc = "acc" + std::to_string(v * columns + c);
      std::vector<E> at{image_, oc, outputRow_, first + E(c)};
      E start = bias_ >= 0 ? load(bias_, {oc}) : f32(0);
      body.push_back(
          let(acc, select(firstChunk, start,
                          guardedLoad(output_, kernel_.at(output_, at), inRange, 0.0f))));
      E result = select(lastChunk, kernel_.epilogue(local(acc), at, inRange), local(acc));
      stores.push_back(
          store(output_, kernel_.at(output_, at), result, wholeVectors ? inBlocks : inRange));
    }
  }
  auto channelTaps = [&](E ic) { return taps(t, first, columns, ic); };
  for (StmtRef &loop : channelLoops(
           kernel_.blocked(input_) ? lanes_ : 0, chunk_ * E(chunkChannels_), chunkChannels_,
           registerBlock_.vectors * columns * attrs_.kernel.h * attrs_.kernel.w, channelTaps))
    body.push_back(loop);
  body.insert(body.end(), stores.begin(), stores.end());
  return forLoop("oc", 0, lanes_, LoopKind::Vector, body);
}

/// The taps of input channel `ic` for one register block, a window row at
/// a time: in the order of the input column they read, so that each input
/// is broadcast once and used at once, or weight-major (see weightMajor):
/// a window column at a time, then output column.
StmtRef ChannelLanes::taps(const Tile &t, E first, int64_t columns, E ic) {
  bool byWeight = weightMajor(attrs_.kernel.w, kernel_.vectorRegisters());
  std::vector<std::pair<int64_t, StmtRef>> taps; // (order, tap)
  for (int64_t v = 0; v < registerBlock_.vectors; ++v) {
    E lane = E(v * lanes_) + var("oc");
    for (int64_t c = 0; c < columns; ++c) {
      std::string acc = "acc" + std::to_string(v * columns + c);
      E ox = first + E(c);
      for (int64_t k = t.kx0; k < t.kx1; ++k) {
        E ix = attrs_.columns(inShape_[3]).inputCoordinate(ox, E(k));
        E inside =
            E(0) <= inputRow_ && inputRow_ < E(inShape_[2]) && E(0) <= ix && ix < E(inShape_[3]);
        E tap =
            fma(guardedLoad(input_, kernel_.at(input_, {image_, ic, inputRow_, ix}), inside, 0.0f),
                load(weight_, {group_, ic, windowRow_, E(k), lane}), local(acc));
        int64_t inputColumn = c * attrs_.stride.w + k * attrs_.dilation.w;
        taps.emplace_back(byWeight ? k * columns + c : inputColumn, assign(acc, tap));
      }
    }
  }
  std::stable_sort(taps.begin(), taps.end(),
                   [](const auto &l, const auto &r) { return l.first < r.first; });
  std::vector<StmtRef> row;
  for (auto &[order, tap] : taps) row.push_back(tap);
  std::vector<StmtRef> body = prefetches(ic);
  body.push_back(forLoop("ky", t.ky0, t.ky1, tapRowLoop(t), row));
  return loop::block(body);
}

/// Weights too big to stay in cache between runs come from memory. The
/// first row of a chunk would read the whole chunk at once and wait for
/// memory; instead each (row, channel) step of a chunk prefetches its share
/// of the next chunk's weights (the next group's first after a group's
/// last: they follow in memory), so the reads spread over the chunk's work.
std::vector<StmtRef> ChannelLanes::prefetches(E ic) {
  std::vector<StmtRef> hints;
  if (!prefetching_) return hints;
  int64_t width =
      attrs_.kernel.h * attrs_.kernel.w * registerBlock_.vectors * lanes_; // floats per channel
  int64_t lineFloats = 16,
          linesPerStep = ((width + lineFloats - 1) / lineFloats + shareRows_ - 1) / shareRows_;
  E next =
      (group_ * E(attrs_.inChannels) + chunk_ * E(chunkChannels_) + E(chunkChannels_)) * E(width);
  E step =
      (outputRow_ - share_ * E(shareRows_)) * E(chunkChannels_) + ic - chunk_ * E(chunkChannels_);
  for (int64_t j = 0; j < linesPerStep; ++j)
    hints.push_back(prefetch(
        weight_, {E(0), E(0), E(0), E(0), next + (step * E(linesPerStep) + E(j)) * E(lineFloats)}));
  return hints;
}

} // namespace

void lowerChannelLanes(KernelBuilder &kb) {
  ChannelLanes(kb).lower();
}

} // namespace lgc
