// Measures the machine's fp32 FMA throughput for tools/peers/bench_peers.py and prints one
// JSON object on stdout:
//   {"isa": "avx512f", "lanes": 16, "accumulators": 16, "threads": T, "trials": [...GFLOP/s],
//    "gflops": best}
//
//   fma_peak [threads=1] [ms=200] [trials=3]
//
// Each of T threads (std::thread, started together) runs a loop of 16 independent
// vector FMAs (acc = acc * b + c, _mm512_fmadd_ps; 12 of _mm256_fmadd_ps when built
// without AVX-512), enough to hide the FMA latency on any current x86 core. A short calibration
// picks the iteration count that makes one trial last about `ms` ms. GFLOP/s counts a
// fused multiply-add as 2 flops, over the wall time from start to the last thread's end;
// the result is the best of `trials` (the peak: on a shared machine, slower trials are
// other processes' doing). Build: g++ -O2 -mavx512f (or -mavx2 -mfma) -pthread.
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#if defined(__AVX512F__)
using vec = __m512;
#define ISA "avx512f"
constexpr int kLanes = 16, kAcc = 16; // 32 zmm registers: 16 accumulators, b, c
#define SET1 _mm512_set1_ps
#define FMADD _mm512_fmadd_ps
#define STORE _mm512_storeu_ps
#elif defined(__AVX2__) && defined(__FMA__)
using vec = __m256;
#define ISA "avx2+fma"
constexpr int kLanes = 8, kAcc = 12; // 16 ymm registers: 12 accumulators, b, c
#define SET1 _mm256_set1_ps
#define FMADD _mm256_fmadd_ps
#define STORE _mm256_storeu_ps
#else
#error "fma_peak needs AVX-512F, or AVX2 and FMA (-mavx512f, or -mavx2 -mfma)"
#endif

namespace {

volatile float g_sink;

__attribute__((noinline)) float kernel(long iters, float seed) {
  const vec b = SET1(0.999999f), c = SET1(1e-7f * seed);
  vec a[kAcc];
#pragma GCC unroll 16
  for (int k = 0; k < kAcc; ++k) a[k] = SET1(seed + k);
  for (long i = 0; i < iters; ++i) {
#pragma GCC unroll 16
    for (int k = 0; k < kAcc; ++k) a[k] = FMADD(a[k], b, c);
  }
  float sum = 0, t[kLanes];
  for (int k = 0; k < kAcc; ++k) {
    STORE(t, a[k]);
    for (float x : t) sum += x;
  }
  return sum;
}

// Wall seconds for `threads` threads each running `iters` iterations, started together.
double trial(int threads, long iters) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  std::vector<float> out(threads);
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) {
      }
      out[t] = kernel(iters, static_cast<float>(t));
    });
  while (ready.load() < threads) {
  }
  auto t0 = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  for (auto &th : pool) th.join();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  float sum = 0;
  for (float x : out) sum += x;
  g_sink = sum;
  return s;
}

long arg(int argc, char **argv, const char *key, long dflt) {
  size_t n = std::strlen(key);
  for (int i = 1; i < argc; ++i)
    if (!std::strncmp(argv[i], key, n) && argv[i][n] == '=')
      return std::strtol(argv[i] + n + 1, nullptr, 10);
  return dflt;
}

} // namespace

int main(int argc, char **argv) {
  const int threads = static_cast<int>(std::max(1L, arg(argc, argv, "threads", 1)));
  const double target_s = std::max(1L, arg(argc, argv, "ms", 200)) * 1e-3;
  const int trials = static_cast<int>(std::max(1L, arg(argc, argv, "trials", 3)));
  // Calibrate on one thread: grow the count until a run takes >= 20 ms.
  long iters = 1 << 16;
  double s = trial(1, iters);
  while (s < 0.02) {
    iters *= 2;
    s = trial(1, iters);
  }
  iters = std::max(1L, static_cast<long>(iters * target_s / s));
  const double flops = 2.0 * kAcc * kLanes * static_cast<double>(iters) * threads;
  std::vector<double> g;
  for (int i = 0; i < trials; ++i) g.push_back(flops / trial(threads, iters) * 1e-9);
  std::printf(
      "{\"isa\": \"%s\", \"lanes\": %d, \"accumulators\": %d, \"threads\": %d, \"trials\": [", ISA,
      kLanes, kAcc, threads);
  for (size_t i = 0; i < g.size(); ++i) std::printf("%s%.1f", i ? ", " : "", g[i]);
  std::printf("], \"gflops\": %.1f}\n", *std::max_element(g.begin(), g.end()));
  return 0;
}
