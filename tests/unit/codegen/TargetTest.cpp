//===- tests/unit/codegen/TargetTest.cpp - choosing the CPU to build for --===//
//
// targetFor(cpu, mattr): no CPU and no features is the host exactly; a named
// CPU sets the SIMD width lowering uses (haswell 8 lanes, skylake-avx512
// 16, baseline x86-64 4); --mattr features apply on top, so turning off
// avx512f on the host leaves at most 8; an unknown CPU, an unknown feature
// and a feature without its sign are user errors with the messages the
// command line shows.
//
//===----------------------------------------------------------------------===//
#include "compiler/codegen/Target.h"

#include <gtest/gtest.h>

namespace lgc {
namespace {

Target targetOk(const std::string &cpu, const std::string &mattr) {
  Expected<Target> t = targetFor(cpu, mattr);
  if (!t) {
    ADD_FAILURE() << "targetFor('" << cpu << "', '" << mattr << "'): " << t.error().str();
    return Target();
  }
  return *t;
}

std::string targetError(const std::string &cpu, const std::string &mattr) {
  Expected<Target> t = targetFor(cpu, mattr);
  if (t) {
    ADD_FAILURE() << "targetFor('" << cpu << "', '" << mattr << "') succeeded";
    return "";
  }
  EXPECT_FALSE(t.error().isInternal());
  return t.error().str();
}

TEST(Target, EmptyIsTheHost) {
  Target host = hostTarget();
  Target t = targetOk("", "");
  EXPECT_EQ(t.triple, host.triple);
  EXPECT_EQ(t.cpu, host.cpu);
  EXPECT_EQ(t.features, host.features);
  EXPECT_EQ(t.vectorWidth, host.vectorWidth);
  EXPECT_FALSE(host.cpu.empty());
  EXPECT_TRUE(host.vectorWidth == 4 || host.vectorWidth == 8 || host.vectorWidth == 16);
  // The host's width agrees with its feature list.
  bool avx512 = ("," + host.features + ",").find(",+avx512f,") != std::string::npos;
  bool avx2 = ("," + host.features + ",").find(",+avx2,") != std::string::npos;
  EXPECT_EQ(host.vectorWidth, avx512 ? 16 : avx2 ? 8 : 4) << host.features;
}

TEST(Target, HaswellHasEightLanes) {
  Target t = targetOk("haswell", "");
  EXPECT_EQ(t.cpu, "haswell");
  EXPECT_EQ(t.vectorWidth, 8);
  EXPECT_EQ(t.triple, hostTarget().triple);
  EXPECT_EQ(t.features, ""); // the CPU's own, not the host's
}

TEST(Target, SkylakeAvx512HasSixteenLanes) {
  Target t = targetOk("skylake-avx512", "");
  EXPECT_EQ(t.cpu, "skylake-avx512");
  EXPECT_EQ(t.vectorWidth, 16);
}

TEST(Target, OtherCpus) {
  EXPECT_EQ(targetOk("x86-64", "").vectorWidth, 4);
  EXPECT_EQ(targetOk("x86-64-v3", "").vectorWidth, 8);
  EXPECT_EQ(targetOk("x86-64-v4", "").vectorWidth, 16);
}

TEST(Target, FeaturesApplyOnTopOfTheCpu) {
  Target t = targetOk("haswell", "-avx2");
  EXPECT_EQ(t.features, "-avx2");
  EXPECT_EQ(t.vectorWidth, 4);
  EXPECT_EQ(targetOk("x86-64", "+avx2").vectorWidth, 8);
  EXPECT_EQ(targetOk("x86-64", "+avx512f").vectorWidth, 16);
  EXPECT_EQ(targetOk("skylake-avx512", "-avx512f").vectorWidth, 8);
}

TEST(Target, HostWithoutAvx512HasAtMostEightLanes) {
  Target host = hostTarget();
  Target t = targetOk("", "-avx512f");
  EXPECT_EQ(t.cpu, host.cpu);
  EXPECT_EQ(t.triple, host.triple);
  EXPECT_LE(t.vectorWidth, 8);
  EXPECT_EQ(t.vectorWidth, std::min(host.vectorWidth, 8));
  // The host's features, then the ones asked for (the last one wins).
  EXPECT_EQ(t.features, host.features + ",-avx512f");
}

TEST(Target, UnknownCpuIsAnError) {
  EXPECT_EQ(targetError("pentium9000", ""), "lgc: error: --target-cpu: unknown CPU 'pentium9000' "
                                            "(e.g. haswell, skylake-avx512, x86-64-v3)\n");
  EXPECT_NE(targetError("Haswell", "").find("unknown CPU 'Haswell'"), std::string::npos);
  EXPECT_NE(targetError("nosuchcpu", "+avx2").find("unknown CPU"), std::string::npos);
}

TEST(Target, UnknownFeatureIsAnError) {
  EXPECT_EQ(targetError("haswell", "+avx9000"),
            "lgc: error: --mattr: unknown CPU feature 'avx9000'\n");
  EXPECT_EQ(targetError("", "+avx2,-nosuchthing"),
            "lgc: error: --mattr: unknown CPU feature 'nosuchthing'\n");
}

TEST(Target, FeatureWithoutSignIsAnError) {
  EXPECT_EQ(targetError("haswell", "avx2"),
            "lgc: error: --mattr: feature 'avx2' must start with '+' or '-'\n");
  EXPECT_EQ(targetError("", "+fma,avx512f"),
            "lgc: error: --mattr: feature 'avx512f' must start with '+' or '-'\n");
}

} // namespace
} // namespace lgc
