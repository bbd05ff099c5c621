//===- runtime/Random.h - counter-based random streams ----------*- C++ -*-===//
//
// The deterministic randomness behind seeded parameters and inputs. A stream
// is named by (seed, key); its i-th value is a pure function of (seed, key, i),
// computed with integer arithmetic only (FNV-1a, SplitMix64), so every value is
// the same on every run, platform and thread count, and one tensor's values
// depend on nothing else in the model.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

namespace lgc {

/// SplitMix64's increment (the golden ratio in 64-bit fixed point).
constexpr uint64_t kSplitMixGamma = 0x9E3779B97F4A7C15ULL;

/// One SplitMix64 step: the output of a generator whose state was `x`.
inline uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + kSplitMixGamma;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// The 64-bit FNV-1a hash of `text`.
inline uint64_t fnv1a64(std::string_view text) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

/// Maps 64 random bits to [lo, hi): lo + (hi - lo) * (top 24 bits * 2^-24),
/// computed in double and clamped below `hi` (rounding to float could reach
/// it). `lo == hi` gives `lo`.
inline float uniformFromBits(uint64_t bits, float lo, float hi) {
  double unit = static_cast<double>(bits >> 40) * 0x1p-24;
  // `volatile` keeps the product a separate rounding step: a compiler that
  // fused it into the addition (FMA) would change results across targets.
  volatile double scaled = (static_cast<double>(hi) - static_cast<double>(lo)) * unit;
  float value = static_cast<float>(static_cast<double>(lo) + scaled);
  if (lo < hi && value >= hi) value = std::nextafter(hi, lo);
  return value;
}

/// A counter-based random stream keyed by (seed, key): value `i` is
/// SplitMix64's (i+1)-th output from a state derived from seed and key.
class RandomStream {
public:
  RandomStream(uint64_t seed, std::string_view key)
      : state_(splitmix64(splitmix64(seed) ^ fnv1a64(key))) {}

  /// 64 random bits at position `index`.
  uint64_t bits(uint64_t index) const { return splitmix64(state_ + index * kSplitMixGamma); }
  /// A float uniform in [lo, hi) at position `index`.
  float uniform(uint64_t index, float lo, float hi) const {
    return uniformFromBits(bits(index), lo, hi);
  }

private:
  uint64_t state_;
};

} // namespace lgc
