//===- tests/unit/ir/MemoryLimitTest.cpp - the model memory ceiling -------===//
//
// modelMemory sums every value and parameter at float32 (worked out by hand
// here); LGC_MEMORY_LIMIT's text is bytes with K/M/G/T; checkMemoryLimit
// names the file, both parts and the limit; buildGraph, which every lgc
// command loads models with, enforces it.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Driver.h"
#include "compiler/ir/Cost.h"

#include "tests/unit/ModelText.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <unistd.h>

namespace lgc {
namespace {

/// Sets (or unsets) LGC_MEMORY_LIMIT for one scope.
class ScopedLimit {
public:
  explicit ScopedLimit(const char *value) {
    if (const char *old = std::getenv("LGC_MEMORY_LIMIT")) old_ = old;
    if (value)
      ::setenv("LGC_MEMORY_LIMIT", value, 1);
    else
      ::unsetenv("LGC_MEMORY_LIMIT");
  }
  ~ScopedLimit() {
    if (old_)
      ::setenv("LGC_MEMORY_LIMIT", old_->c_str(), 1);
    else
      ::unsetenv("LGC_MEMORY_LIMIT");
  }

private:
  std::optional<std::string> old_;
};

const char kConvLinear[] =
    "  - {name: conv, op: Conv2d, in_channels: 3, out_channels: 4, kernel_size: 3}\n"
    "  - {name: flat, op: Flatten}\n"
    "  - {name: fc, op: Linear, in_features: 144, out_features: 10}\n";

TEST(MemoryLimit, SumsValuesAndParametersAsFloat32) {
  // Values: x 1*3*8*8 = 192, conv 1*4*6*6 = 144, flat 144, fc 10 -> 490 floats.
  // Params: conv 4*3*3*3 + 4 = 112, fc 10*144 + 10 = 1450 -> 1562 floats.
  Graph g = build("[1, 3, 8, 8]", kConvLinear);
  ModelMemory m = modelMemory(g);
  EXPECT_EQ(m.activations, 490u * 4);
  EXPECT_EQ(m.weights, 1562u * 4);
  EXPECT_EQ(m.total(), (490u + 1562u) * 4);
}

TEST(MemoryLimit, ParsesBytesWithUnits) {
  EXPECT_EQ(*parseByteSize("1000"), 1000u);
  EXPECT_EQ(*parseByteSize("1000B"), 1000u);
  EXPECT_EQ(*parseByteSize("4K"), 4096u);
  EXPECT_EQ(*parseByteSize("512m"), uint64_t(512) << 20);
  EXPECT_EQ(*parseByteSize("16G"), uint64_t(16) << 30);
  EXPECT_EQ(*parseByteSize("16GiB"), uint64_t(16) << 30);
  EXPECT_EQ(*parseByteSize("2TB"), uint64_t(2) << 40);
  EXPECT_EQ(*parseByteSize("16777215T"), uint64_t(16777215) << 40);
}

TEST(MemoryLimit, RejectsBadSizes) {
  for (const char *bad : {"", "G", "-1", "0", "0G", "1.5G", "16 G", "16X", "16GG", "16777216T",
                          "99999999999999999999"}) {
    Expected<uint64_t> v = parseByteSize(bad);
    ASSERT_FALSE(v) << bad;
    EXPECT_NE(v.error().str().find("LGC_MEMORY_LIMIT '" + std::string(bad) + "'"),
              std::string::npos)
        << v.error().str();
  }
  EXPECT_EQ(parseByteSize("12X").error().str(),
            "lgc: error: LGC_MEMORY_LIMIT '12X' has an unknown unit 'X' (expected bytes, "
            "optionally with K, M, G or T, e.g. 16G)\n");
}

TEST(MemoryLimit, FromTheEnvironment) {
  {
    ScopedLimit unset(nullptr);
    EXPECT_EQ(*memoryLimitFromEnv(), kDefaultMemoryLimit);
  }
  {
    ScopedLimit empty("");
    EXPECT_EQ(*memoryLimitFromEnv(), kDefaultMemoryLimit);
  }
  {
    ScopedLimit set("3M");
    EXPECT_EQ(*memoryLimitFromEnv(), uint64_t(3) << 20);
  }
  {
    ScopedLimit bad("lots");
    EXPECT_FALSE(memoryLimitFromEnv());
  }
}

TEST(MemoryLimit, FormatsBytes) {
  EXPECT_EQ(formatBytes(0), "0 B");
  EXPECT_EQ(formatBytes(1023), "1023 B");
  EXPECT_EQ(formatBytes(1024), "1 KiB");
  EXPECT_EQ(formatBytes(1536), "1.5 KiB");
  EXPECT_EQ(formatBytes(uint64_t(16) << 30), "16 GiB");
  EXPECT_EQ(formatBytes(uint64_t(19541180416)), "18.2 GiB");
  EXPECT_EQ(formatBytes(UINT64_MAX), "16.0 EiB");
}

TEST(MemoryLimit, ErrorNamesFileBothPartsAndLimit) {
  Graph g = build("[1, 3, 8, 8]", kConvLinear);
  EXPECT_FALSE(checkMemoryLimit(g, (490 + 1562) * 4));
  Error e = checkMemoryLimit(g, (490 + 1562) * 4 - 1);
  ASSERT_TRUE(e);
  // 8208 and 8207 bytes are both "8.0 KiB": then the message gives bytes.
  EXPECT_EQ(e.str(), "m.yaml: error: model needs 8208 B (activations 1960 B, weights 6248 B), "
                     "over the limit of 8207 B (LGC_MEMORY_LIMIT)\n");
  e = checkMemoryLimit(g, 4096);
  EXPECT_EQ(e.str(), "m.yaml: error: model needs 8.0 KiB (activations 1.9 KiB, weights 6.1 KiB), "
                     "over the limit of 4 KiB (LGC_MEMORY_LIMIT)\n");
}

TEST(MemoryLimit, SaturatesInsteadOfWrapping) {
  Graph g = build("[1, 3, 8, 8]", kConvLinear);
  g.values[0].shape = {int64_t(1) << 40, int64_t(1) << 40}; // as no checked model could
  EXPECT_EQ(modelMemory(g).activations, UINT64_MAX);
  EXPECT_EQ(modelMemory(g).total(), UINT64_MAX);
}

TEST(MemoryLimit, BuildGraphEnforcesIt) {
  std::string path = ::testing::TempDir() + "memory_limit_" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << "model: m\ninputs:\n  x: [1, 3, 8, 8]\nlayers:\n" << kConvLinear;
  {
    ScopedLimit limit("9K"); // needs 8208 bytes
    EXPECT_TRUE(buildGraph(path));
  }
  {
    ScopedLimit limit("8000");
    Expected<Graph> g = buildGraph(path);
    ASSERT_FALSE(g);
    EXPECT_NE(g.error().str().find("over the limit of 7.8 KiB"), std::string::npos)
        << g.error().str();
  }
  {
    ScopedLimit limit("8Q");
    Expected<Graph> g = buildGraph(path);
    ASSERT_FALSE(g);
    EXPECT_NE(g.error().str().find("LGC_MEMORY_LIMIT '8Q'"), std::string::npos);
  }
  std::remove(path.c_str());
}

} // namespace
} // namespace lgc
