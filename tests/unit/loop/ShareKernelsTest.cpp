//===- tests/unit/loop/ShareKernelsTest.cpp - one function per code -------===//
//
// loop::findSameCode (compiler/loop/ShareKernels.h): kernels that differ
// only in their names and their weights' recipes share the first one's
// code; a different loop bound, buffer shape, buffer name or layout does
// not; the first kernel of each code gets -1, and a later one the index of
// the *first* kernel with its code, even among kernels alike in their
// buffers but not in their loops.
//
//===----------------------------------------------------------------------===//
#include "compiler/loop/ShareKernels.h"

#include <gtest/gtest.h>

namespace lgc::loop {
namespace {

/// A kernel out[i] = in[i] * w[0] for i in [0, bound), over buffers of
/// `length` elements.
struct KernelSpec {
  std::string name = "k";
  int64_t bound = 8;
  int64_t length = 8;
  std::string recipe = "w";
  std::string inName = "in";
  std::string layout;

  Kernel build() const {
    Kernel k;
    k.name = name;
    k.buffers = {{inName, {length}, false, "", layout},
                 {"w", {1}, false, recipe, ""},
                 {"out", {length}, true, "", layout}};
    E i = var("i");
    k.body = block({forLoop("i", 0, bound, LoopKind::Vector,
                            {store(2, {i}, load(0, {i}) * load(1, {E(0)}))})});
    return k;
  }
};

/// findSameCode over kernels built from `specs`.
std::vector<int> sameCode(const std::vector<KernelSpec> &specs) {
  std::vector<Kernel> kernels;
  for (const KernelSpec &s : specs) kernels.push_back(s.build());
  std::vector<const Kernel *> pointers;
  for (const Kernel &k : kernels) pointers.push_back(&k);
  return findSameCode(pointers);
}

KernelSpec named(const std::string &name) {
  KernelSpec s;
  s.name = name;
  return s;
}

TEST(ShareKernels, NamesAndRecipesDoNotCount) {
  KernelSpec a = named("conv1"), b = named("conv2");
  b.recipe = "bn_fold(w, gamma, beta)";
  EXPECT_EQ(sameCode({a, b}), (std::vector<int>{-1, 0}));
}

TEST(ShareKernels, LoopsAndBuffersDo) {
  KernelSpec a = named("a");
  KernelSpec bound = named("bound"), shape = named("shape"), layout = named("layout"),
             buffer = named("buffer");
  bound.bound = 4;
  shape.length = 16;
  layout.layout = "nChw16c";
  buffer.inName = "x";
  for (const KernelSpec &other : {bound, shape, layout, buffer})
    EXPECT_EQ(sameCode({a, other}), (std::vector<int>{-1, -1})) << other.name;
}

TEST(ShareKernels, EachPointsAtTheFirstOfItsCode) {
  KernelSpec a = named("a"), b = named("b"), c = named("c"), d = named("d");
  b.bound = 4; // same buffers as a, other loops
  c.length = 16;
  c.bound = 16; // other buffers
  EXPECT_EQ(sameCode({a, b, c, named("a2"), b, c, b}), (std::vector<int>{-1, -1, -1, 0, 1, 2, 1}));
  // Three kernels, two codes: the third is the second's, not the first's.
  d.bound = 4;
  EXPECT_EQ(sameCode({a, b, d}), (std::vector<int>{-1, -1, 1}));
}

TEST(ShareKernels, NoKernelsNoAnswers) {
  EXPECT_TRUE(findSameCode({}).empty());
  EXPECT_EQ(sameCode({named("only")}), (std::vector<int>{-1}));
}

} // namespace
} // namespace lgc::loop
