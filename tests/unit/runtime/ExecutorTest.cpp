//===- tests/unit/runtime/ExecutorTest.cpp - running a Program ------------===//
//
// Programs built by hand from tiny C++ kernels: inputs, weights, arena
// buffers (placed by planArena, so two of them share memory) and outputs
// resolved to the right pointers, results identical for 1, 2 and 4 threads,
// a step without a parallel loop, and per-step times from runProfiled.
//
//===----------------------------------------------------------------------===//
#include "runtime/Executor.h"
#include "runtime/MemoryPlan.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <vector>

namespace lgc {
namespace {

constexpr int64_t kN = 1000;

/// args[1][i] = args[0][i] * 2.
void twice(float *const *args, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) args[1][i] = args[0][i] * 2;
}

/// args[2][i] = args[0][i] + args[1][i].
void add(float *const *args, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) args[2][i] = args[0][i] + args[1][i];
}

/// args[1][0] = sum of args[0][0..kN): a kernel with no parallel loop.
void sum(float *const *args, int64_t begin, int64_t end) {
  ASSERT_EQ(begin, 0);
  ASSERT_EQ(end, 1);
  float total = 0;
  for (int64_t i = 0; i < kN; ++i) total += args[0][i];
  args[1][0] = total;
}

/// Set by `recordArena` when it sees an argument not 64-byte aligned.
std::atomic<bool> misaligned{false};

void recordArena(float *const *args, int64_t, int64_t) {
  if (reinterpret_cast<uintptr_t>(args[0]) % 64 != 0) misaligned = true;
}

Step step(const char *name, KernelFn fn, int64_t extent, std::vector<BufferRef> args) {
  Step s;
  s.name = name;
  s.fn = fn;
  s.parallelExtent = extent;
  s.args = std::move(args);
  return s;
}

BufferRef input(int64_t i) {
  return {BufferKind::Input, i};
}
BufferRef output(int64_t i) {
  return {BufferKind::Output, i};
}
BufferRef weight(int64_t i) {
  return {BufferKind::Weight, i};
}
BufferRef arena(int64_t i) {
  return {BufferKind::Arena, i};
}

/// out0 = ((in1 * 2) + w0) * 2 + in0 through arena buffers A, B, C, and
/// out1 = sum(out0). A and C are never live together, so they share memory.
Program chainProgram() {
  Program p;
  p.steps.push_back(step("double", twice, kN, {input(1), arena(0)}));            // A = 2 in1
  p.steps.push_back(step("bias", add, kN, {arena(0), weight(0), arena(1)}));     // B = A + w
  p.steps.push_back(step("double2", twice, kN, {arena(1), arena(2)}));           // C = 2 B
  p.steps.push_back(step("residual", add, kN, {arena(2), input(0), output(0)})); // out0
  p.steps.push_back(step("sum", sum, 1, {output(0), output(1)}));
  std::vector<BufferLifetime> lifetimes = {{kN * 4, 0, 1}, {kN * 4 + 4, 1, 2}, {kN * 4, 2, 3}};
  ArenaPlan plan = planArena(lifetimes);
  for (size_t i = 0; i < lifetimes.size(); ++i)
    p.buffers.push_back({lifetimes[i].bytes, plan.offsets[i]});
  p.arenaBytes = plan.totalBytes;
  Tensor w({kN});
  for (int64_t i = 0; i < kN; ++i) w.data[i] = 0.5f * static_cast<float>(i % 7);
  p.weights.push_back(std::move(w));
  p.inputNames = {"x", "y"};
  p.outputNames = {"out", "total"};
  p.inputShapes = {{kN}, {kN}};
  p.outputShapes = {{kN}, {1}};
  return p;
}

struct Io {
  std::vector<float> in0, in1, out0, out1;
  Io() : in0(kN), in1(kN), out0(kN, -1), out1(1, -1) {
    for (int64_t i = 0; i < kN; ++i) {
      in0[i] = static_cast<float>(i % 13) - 6;
      in1[i] = 0.25f * static_cast<float>(i % 5);
    }
  }
  std::vector<const float *> inputs() const { return {in0.data(), in1.data()}; }
  std::vector<float *> outputs() { return {out0.data(), out1.data()}; }
};

float expectedOut0(const Io &io, const Program &p, int64_t i) {
  return (io.in1[i] * 2 + p.weights[0].data[i]) * 2 + io.in0[i];
}

TEST(ExecutorTest, ChainSharesArenaMemory) {
  Program p = chainProgram();
  EXPECT_EQ(p.buffers[0].offset, p.buffers[2].offset);
  EXPECT_EQ(Executor(p, 1).arenaBytes(), p.arenaBytes);
}

TEST(ExecutorTest, ResultsForOneTwoAndFourThreads) {
  Program p = chainProgram();
  std::vector<float> reference;
  for (int threads : {1, 2, 4}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    Executor exec(p, threads);
    Io io;
    exec.run(io.inputs().data(), io.outputs().data());
    float total = 0;
    for (int64_t i = 0; i < kN; ++i) {
      ASSERT_EQ(io.out0[i], expectedOut0(io, p, i)) << "element " << i;
      total += io.out0[i];
    }
    EXPECT_EQ(io.out1[0], total);
    if (reference.empty()) reference = io.out0;
    EXPECT_EQ(io.out0, reference);
  }
}

TEST(ExecutorTest, RunsRepeatedly) {
  Program p = chainProgram();
  Executor exec(p, 2);
  for (int run = 0; run < 20; ++run) {
    Io io;
    for (float &v : io.in0) v += static_cast<float>(run);
    exec.run(io.inputs().data(), io.outputs().data());
    for (int64_t i = 0; i < kN; i += 97) ASSERT_EQ(io.out0[i], expectedOut0(io, p, i));
  }
}

TEST(ExecutorTest, ArenaBuffersAre64ByteAligned) {
  Program p;
  p.buffers = {{100, 0}, {36, 128}, {4, 192}};
  p.arenaBytes = 196;
  for (int64_t b = 0; b < 3; ++b) p.steps.push_back(step("probe", recordArena, 1, {arena(b)}));
  misaligned = false;
  Executor exec(p, 2);
  exec.run(nullptr, nullptr);
  EXPECT_FALSE(misaligned);
}

TEST(ExecutorTest, EmptyProgram) {
  Program p;
  Executor exec(p, 4);
  exec.run(nullptr, nullptr);
  std::vector<double> seconds;
  exec.runProfiled(nullptr, nullptr, seconds);
  EXPECT_TRUE(seconds.empty());
  EXPECT_EQ(exec.arenaBytes(), 0);
}

TEST(ExecutorTest, RunProfiledTimesEveryStep) {
  Program p = chainProgram();
  Executor exec(p, 2);
  Io io;
  std::vector<double> seconds;
  exec.runProfiled(io.inputs().data(), io.outputs().data(), seconds);
  ASSERT_EQ(seconds.size(), p.steps.size());
  for (double s : seconds) EXPECT_GE(s, 0.0);
  for (int64_t i = 0; i < kN; ++i) ASSERT_EQ(io.out0[i], expectedOut0(io, p, i));

  std::vector<double> first = seconds;
  exec.runProfiled(io.inputs().data(), io.outputs().data(), seconds);
  ASSERT_EQ(seconds.size(), p.steps.size());
  for (size_t i = 0; i < seconds.size(); ++i) EXPECT_GE(seconds[i], first[i]) << "accumulates";
}

} // namespace
} // namespace lgc
