//===- tests/unit/jit/ObjectCacheTest.cpp - the on-disk JIT cache ---------===//
//
// ObjectCache in a scratch directory: an entry stored is loaded back byte
// for byte; a missing entry, one renamed to another key's file, a truncated
// file, any one byte changed and a wrong magic all load as nothing (never as
// a damaged entry); the directory is created on demand; defaultDirectory
// follows XDG_CACHE_HOME, then HOME. cacheKey is 64 hex digits, equal for
// equal inputs and different when the graph, the target or a folded
// BatchNorm's eps (Graph::derivedParams) differs.
//
//===----------------------------------------------------------------------===//
#include "compiler/jit/ObjectCache.h"
#include "compiler/ir/ParamInit.h"

#include "tests/unit/ModelText.h"
#include "tests/unit/runtime/ScratchDirTest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

namespace lgc {
namespace {

namespace fs = std::filesystem;

using ObjectCacheTest = ScratchDirTest;

const std::string kKeyA(64, 'a');
const std::string kKeyB = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// An entry of two objects with NULs and high bytes, as ELF files have.
CacheEntry sampleEntry() {
  std::string object("\x7f"
                     "ELF\x02\x01\x01\x00",
                     8);
  for (int i = 0; i < 300; ++i) object.push_back(char(i * 7));
  return {R"({"model":"m","steps":[]})", {object, object.substr(0, 100) + "second"}};
}

std::string readAll(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeAll(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

//===----------------------------------------------------------------------===//
// Store and load
//===----------------------------------------------------------------------===//

TEST_F(ObjectCacheTest, StoreThenLoadRoundTrips) {
  ObjectCache cache(dir_.string());
  CacheEntry entry = sampleEntry();
  Error e = cache.store(kKeyA, entry);
  ASSERT_FALSE(e) << e.str();
  EXPECT_EQ(cache.pathOf(kKeyA), path(kKeyA + ".lgc"));
  EXPECT_TRUE(fs::exists(cache.pathOf(kKeyA)));
  std::optional<CacheEntry> back = cache.load(kKeyA);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->image, entry.image);
  EXPECT_EQ(back->objects, entry.objects);
  // The store left only the entry: no temporary files.
  EXPECT_EQ(listDir(), std::vector<std::string>{kKeyA + ".lgc"});
}

TEST_F(ObjectCacheTest, EmptyImageAndObjectRoundTrip) {
  ObjectCache cache(dir_.string());
  ASSERT_FALSE(cache.store(kKeyA, CacheEntry{"", {""}}));
  std::optional<CacheEntry> back = cache.load(kKeyA);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->image, "");
  EXPECT_EQ(back->objects, std::vector<std::string>{""});
  ASSERT_FALSE(cache.store(kKeyB, CacheEntry{"image", {}}));
  back = cache.load(kKeyB);
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->objects.empty());
}

TEST_F(ObjectCacheTest, TwoKeysAreKeptApart) {
  ObjectCache cache(dir_.string());
  ASSERT_FALSE(cache.store(kKeyA, CacheEntry{"image a", {"object a"}}));
  ASSERT_FALSE(cache.store(kKeyB, CacheEntry{"image b", {"object bb", "c"}}));
  std::optional<CacheEntry> a = cache.load(kKeyA), b = cache.load(kKeyB);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->image, "image a");
  EXPECT_EQ(a->objects, std::vector<std::string>{"object a"});
  EXPECT_EQ(b->image, "image b");
  EXPECT_EQ(b->objects, (std::vector<std::string>{"object bb", "c"}));
}

TEST_F(ObjectCacheTest, StoringAgainReplacesTheEntry) {
  ObjectCache cache(dir_.string());
  ASSERT_FALSE(cache.store(kKeyA, CacheEntry{"old image", {"old object"}}));
  ASSERT_FALSE(cache.store(kKeyA, CacheEntry{"new", {"n"}}));
  std::optional<CacheEntry> back = cache.load(kKeyA);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->image, "new");
  EXPECT_EQ(back->objects, std::vector<std::string>{"n"});
}

TEST_F(ObjectCacheTest, MissingEntryLoadsAsNothing) {
  ObjectCache cache(dir_.string());
  EXPECT_FALSE(cache.load(kKeyA).has_value());
  ObjectCache nowhere(path("does/not/exist"));
  EXPECT_FALSE(nowhere.load(kKeyA).has_value());
}

TEST_F(ObjectCacheTest, EntryStoredUnderAnotherKeyIsIgnored) {
  ObjectCache cache(dir_.string());
  ASSERT_FALSE(cache.store(kKeyA, sampleEntry()));
  fs::rename(cache.pathOf(kKeyA), cache.pathOf(kKeyB));
  EXPECT_FALSE(cache.load(kKeyB).has_value());
  EXPECT_FALSE(cache.load(kKeyA).has_value());
}

TEST_F(ObjectCacheTest, TruncatedEntryIsIgnored) {
  ObjectCache cache(dir_.string());
  ASSERT_FALSE(cache.store(kKeyA, sampleEntry()));
  const std::string full = readAll(cache.pathOf(kKeyA));
  ASSERT_GT(full.size(), 92u);
  for (size_t size :
       {size_t(0), size_t(7), size_t(12), size_t(91), size_t(92), size_t(100), full.size() - 1}) {
    writeAll(cache.pathOf(kKeyA), full.substr(0, size));
    EXPECT_FALSE(cache.load(kKeyA).has_value()) << "truncated to " << size << " bytes";
  }
  // With a byte too many it is not the entry either.
  writeAll(cache.pathOf(kKeyA), full + "x");
  EXPECT_FALSE(cache.load(kKeyA).has_value());
  // Put back, it loads again.
  writeAll(cache.pathOf(kKeyA), full);
  EXPECT_TRUE(cache.load(kKeyA).has_value());
}

TEST_F(ObjectCacheTest, OneFlippedByteAnywhereIsNoticed) {
  ObjectCache cache(dir_.string());
  ASSERT_FALSE(cache.store(kKeyA, sampleEntry()));
  const std::string full = readAll(cache.pathOf(kKeyA));
  for (size_t i = 0; i < full.size(); ++i) {
    std::string damaged = full;
    damaged[i] = char(damaged[i] ^ 0x10);
    writeAll(cache.pathOf(kKeyA), damaged);
    EXPECT_FALSE(cache.load(kKeyA).has_value()) << "byte " << i << " of " << full.size();
  }
}

TEST_F(ObjectCacheTest, FlippedByteInThePayloadIsNoticed) {
  ObjectCache cache(dir_.string());
  CacheEntry entry = sampleEntry();
  ASSERT_FALSE(cache.store(kKeyA, entry));
  std::string full = readAll(cache.pathOf(kKeyA));
  // The payload is the image then the objects, at the end of the file.
  size_t image =
      full.size() - entry.objects[0].size() - entry.objects[1].size() - entry.image.size();
  ASSERT_EQ(full.substr(image, entry.image.size()), entry.image);
  full[image + 3] = char(full[image + 3] ^ 1); // in the image
  full[full.size() - 1] = char(~full.back());  // and in the last object
  writeAll(cache.pathOf(kKeyA), full);
  EXPECT_FALSE(cache.load(kKeyA).has_value());
}

TEST_F(ObjectCacheTest, WrongMagicOrFormatIsIgnored) {
  ObjectCache cache(dir_.string());
  ASSERT_FALSE(cache.store(kKeyA, sampleEntry()));
  const std::string full = readAll(cache.pathOf(kKeyA));
  ASSERT_EQ(full.substr(0, 8), "LGCCACHE");
  writeAll(cache.pathOf(kKeyA), "XGCCACHE" + full.substr(8));
  EXPECT_FALSE(cache.load(kKeyA).has_value());
  for (char format : {1, 3}) { // the first format and a later one
    std::string other = full;
    other[8] = format;
    writeAll(cache.pathOf(kKeyA), other);
    EXPECT_FALSE(cache.load(kKeyA).has_value()) << "format " << int(format);
  }
}

TEST_F(ObjectCacheTest, SizesThatDoNotAddUpAreIgnored) {
  // An image size larger than the file must not be read past the end.
  ObjectCache cache(dir_.string());
  ASSERT_FALSE(cache.store(kKeyA, sampleEntry()));
  std::string full = readAll(cache.pathOf(kKeyA));
  for (int i = 0; i < 8; ++i) full[44 + size_t(i)] = char(0xff); // image size: 2^64 - 1
  writeAll(cache.pathOf(kKeyA), full);
  EXPECT_FALSE(cache.load(kKeyA).has_value());
  // Object sizes past the end, or summing past 2^64; a huge object count.
  ASSERT_FALSE(cache.store(kKeyA, sampleEntry()));
  full = readAll(cache.pathOf(kKeyA));
  for (size_t at : {size_t(60), size_t(68)}) { // each object's size
    std::string bad = full;
    for (int i = 0; i < 8; ++i) bad[at + size_t(i)] = char(0xff);
    writeAll(cache.pathOf(kKeyA), bad);
    EXPECT_FALSE(cache.load(kKeyA).has_value()) << "size at " << at;
  }
  std::string many = full;
  for (int i = 0; i < 8; ++i) many[52 + size_t(i)] = char(0x7f); // object count
  writeAll(cache.pathOf(kKeyA), many);
  EXPECT_FALSE(cache.load(kKeyA).has_value());
}

TEST_F(ObjectCacheTest, DirectoryIsCreatedOnDemand) {
  std::string nested = path("x/y/z");
  ObjectCache cache(nested);
  EXPECT_EQ(cache.directory(), nested);
  ASSERT_FALSE(fs::exists(nested));
  Error e = cache.store(kKeyA, sampleEntry());
  ASSERT_FALSE(e) << e.str();
  EXPECT_TRUE(fs::is_directory(nested));
  EXPECT_TRUE(cache.load(kKeyA).has_value());
}

TEST_F(ObjectCacheTest, UnwritableDirectoryIsAnError) {
  writeFile("file", "not a directory");
  ObjectCache cache(path("file/sub"));
  Error e = cache.store(kKeyA, sampleEntry());
  EXPECT_TRUE(bool(e));
  EXPECT_NE(e.str().find("cannot write file"), std::string::npos) << e.str();
}

//===----------------------------------------------------------------------===//
// defaultDirectory
//===----------------------------------------------------------------------===//

/// Sets (or, with nullptr, unsets) an environment variable for one scope.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value) : name_(name) {
    if (const char *old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_.c_str(), old_->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv &) = delete;
  ScopedEnv &operator=(const ScopedEnv &) = delete;

private:
  std::string name_;
  std::optional<std::string> old_;
};

TEST(ObjectCacheDirectory, XdgCacheHomeComesFirst) {
  ScopedEnv xdg("XDG_CACHE_HOME", "/tmp/xdg-cache");
  ScopedEnv home("HOME", "/home/someone");
  EXPECT_EQ(ObjectCache::defaultDirectory(), "/tmp/xdg-cache/lgc");
}

TEST(ObjectCacheDirectory, HomeWhenXdgIsUnsetOrEmpty) {
  ScopedEnv home("HOME", "/home/someone");
  {
    ScopedEnv xdg("XDG_CACHE_HOME", nullptr);
    EXPECT_EQ(ObjectCache::defaultDirectory(), "/home/someone/.cache/lgc");
  }
  {
    ScopedEnv xdg("XDG_CACHE_HOME", "");
    EXPECT_EQ(ObjectCache::defaultDirectory(), "/home/someone/.cache/lgc");
  }
}

TEST(ObjectCacheDirectory, EmptyWhenNeitherIsSet) {
  ScopedEnv xdg("XDG_CACHE_HOME", nullptr);
  ScopedEnv home("HOME", nullptr);
  EXPECT_EQ(ObjectCache::defaultDirectory(), "");
  ScopedEnv emptyHome("HOME", "");
  EXPECT_EQ(ObjectCache::defaultDirectory(), "");
}

//===----------------------------------------------------------------------===//
// cacheKey
//===----------------------------------------------------------------------===//

const char *kConvLayers = "  - {name: conv, op: Conv2d, in_channels: 3, out_channels: 4, "
                          "kernel_size: 3, padding: 1}\n"
                          "  - {name: relu, op: ReLU}\n";

Target sampleTarget() {
  Target t;
  t.triple = "x86_64-unknown-linux-gnu";
  t.cpu = "haswell";
  t.features = "+avx,+avx2,+fma";
  t.vectorWidth = 8;
  return t;
}

std::string keyOf(const Graph &g, const Target &t = sampleTarget()) {
  return cacheKey(g, paramSpecs(g), t);
}

/// Conv2d then BatchNorm2d (eps as given), folded without weights.
Graph foldedConvBn(const std::string &eps) {
  Graph g = build("[1, 3, 8, 8]",
                  "  - {name: conv, op: Conv2d, in_channels: 3, out_channels: 4, kernel_size: 3}\n"
                  "  - {name: bn, op: BatchNorm2d, num_features: 4, eps: " +
                      eps + "}\n");
  WeightMap none;
  foldBatchNorm(g, none);
  return g;
}

TEST(CacheKey, IsSixtyFourHexDigits) {
  std::string key = keyOf(build("[1, 3, 8, 8]", kConvLayers));
  ASSERT_EQ(key.size(), 64u);
  for (char c : key) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << key;
}

TEST(CacheKey, EqualForEqualInputs) {
  Graph a = build("[1, 3, 8, 8]", kConvLayers), b = build("[1, 3, 8, 8]", kConvLayers);
  EXPECT_EQ(keyOf(a), keyOf(b));
  EXPECT_EQ(keyOf(a), keyOf(a));
  EXPECT_EQ(keyOf(foldedConvBn("0.001")), keyOf(foldedConvBn("0.001")));
}

TEST_F(ObjectCacheTest, RealKeyWorks) {
  ObjectCache cache(dir_.string());
  std::string key = keyOf(build("[1, 3, 8, 8]", kConvLayers));
  ASSERT_FALSE(cache.store(key, sampleEntry()));
  std::optional<CacheEntry> back = cache.load(key);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->objects, sampleEntry().objects);
}

TEST(CacheKey, DiffersWhenTheGraphDiffers) {
  std::string base = keyOf(build("[1, 3, 8, 8]", kConvLayers));
  EXPECT_NE(base, keyOf(build("[2, 3, 8, 8]", kConvLayers))) << "batch";
  EXPECT_NE(base, keyOf(build("[1, 3, 9, 8]", kConvLayers))) << "height";
  EXPECT_NE(base, keyOf(build("[1, 3, 8, 8]",
                              "  - {name: conv, op: Conv2d, in_channels: 3, out_channels: 4, "
                              "kernel_size: 5, padding: 2}\n"
                              "  - {name: relu, op: ReLU}\n")))
      << "kernel size";
  EXPECT_NE(base, keyOf(build("[1, 3, 8, 8]",
                              "  - {name: conv, op: Conv2d, in_channels: 3, out_channels: 4, "
                              "kernel_size: 3, padding: 1}\n")))
      << "no relu";
  EXPECT_NE(base, keyOf(build("[1, 3, 8, 8]",
                              "  - {name: conv2, op: Conv2d, in_channels: 3, out_channels: 4, "
                              "kernel_size: 3, padding: 1}\n"
                              "  - {name: relu, op: ReLU}\n")))
      << "a layer's name (its parameters' names)";
}

TEST(CacheKey, DiffersWhenTheTargetDiffers) {
  Graph g = build("[1, 3, 8, 8]", kConvLayers);
  std::string base = keyOf(g);
  Target t = sampleTarget();
  t.cpu = "skylake";
  EXPECT_NE(base, keyOf(g, t)) << "cpu";
  t = sampleTarget();
  t.features = "+avx,+avx2";
  EXPECT_NE(base, keyOf(g, t)) << "features";
  t = sampleTarget();
  t.vectorWidth = 16;
  EXPECT_NE(base, keyOf(g, t)) << "vector width";
  t = sampleTarget();
  t.triple = "x86_64-pc-linux-gnu";
  EXPECT_NE(base, keyOf(g, t)) << "triple";
}

TEST(CacheKey, FieldsDoNotRunTogether) {
  // "haswell" + "+avx" and "haswel" + "l+avx" must not hash alike.
  Graph g = build("[1, 3, 8, 8]", kConvLayers);
  Target a = sampleTarget(), b = sampleTarget();
  a.cpu = "haswell";
  a.features = "+avx";
  b.cpu = "haswel";
  b.features = "l+avx";
  EXPECT_NE(keyOf(g, a), keyOf(g, b));
}

TEST(CacheKey, DiffersWhenAFoldedBatchNormsEpsDiffers) {
  Graph a = foldedConvBn("0.00001"), b = foldedConvBn("0.001");
  // The BatchNorm is gone from the graph; only the recipes remember eps.
  ASSERT_EQ(a.nodes.size(), 1u);
  ASSERT_EQ(a.derivedParams.count("conv.weight"), 1u);
  EXPECT_NE(keyOf(a), keyOf(b));
}

TEST(CacheKey, DiffersWhenADerivedParamsEpsDiffersInTheLastBit) {
  Graph a = foldedConvBn("0.001");
  Graph b = a;
  ASSERT_EQ(b.derivedParams.count("conv.bias"), 1u);
  ASSERT_FALSE(b.derivedParams["conv.bias"].steps.empty());
  double &eps = b.derivedParams["conv.bias"].steps.back().eps;
  eps = std::nextafter(eps, 1.0);
  EXPECT_NE(keyOf(a), keyOf(b));
}

TEST(CacheKey, DiffersWhenADerivedRecipeDiffers) {
  Graph a = foldedConvBn("0.001");
  Graph b = a;
  b.derivedParams["conv.weight"].steps.back().layer = "bn2";
  EXPECT_NE(keyOf(a), keyOf(b));
  Graph c = a;
  c.derivedParams.erase("conv.bias");
  EXPECT_NE(keyOf(a), keyOf(c));
}

TEST(CacheKey, DiffersWhenTheParametersDiffer) {
  Graph g = build("[1, 3, 8, 8]", kConvLayers);
  std::vector<ParamSpec> params = paramSpecs(g);
  ASSERT_FALSE(params.empty());
  std::string base = cacheKey(g, params, sampleTarget());
  std::vector<ParamSpec> other = params;
  other[0].shape.back() += 1;
  EXPECT_NE(base, cacheKey(g, other, sampleTarget()));
  other = params;
  other[0].initHi += 0.5f;
  EXPECT_NE(base, cacheKey(g, other, sampleTarget()));
  other = params;
  other.pop_back();
  EXPECT_NE(base, cacheKey(g, other, sampleTarget()));
}

} // namespace
} // namespace lgc
