//===- compiler/ir/Pair.h - a height/width pair -----------------*- C++ -*-===//
#pragma once

#include <cstdint>

namespace lgc {

/// A height/width pair.
struct Pair {
  int64_t h = 0;
  int64_t w = 0;
  bool operator==(const Pair &o) const { return h == o.h && w == o.w; }
  bool operator!=(const Pair &o) const { return !(*this == o); }
};

} // namespace lgc
