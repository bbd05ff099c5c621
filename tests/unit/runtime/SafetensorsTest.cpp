//===- tests/unit/runtime/SafetensorsTest.cpp - safetensors reader --------===//
//
// Files are built byte by byte in the test (length, JSON header, data), so
// each check of the header validation gets exactly the bad file it needs.
//
//===----------------------------------------------------------------------===//
#include "runtime/Safetensors.h"

#include "tests/unit/runtime/ScratchDirTest.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace lgc {
namespace {

namespace fs = std::filesystem;

using SafetensorsTest = ScratchDirTest;

std::string le64(uint64_t v) {
  std::string out;
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}

/// A safetensors file: 8-byte length, `json`, then `data`.
std::string safetensors(const std::string &json, const std::string &data = "") {
  return le64(json.size()) + json + data;
}

std::string floatBytes(const std::vector<float> &values) {
  std::string out(values.size() * 4, '\0');
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

/// Expects opening `path` to fail with a message naming the file and
/// containing `phrase`.
void expectOpenError(const std::string &path, const std::string &phrase) {
  auto file = SafetensorsFile::open(path);
  ASSERT_FALSE(file) << "expected an error containing: " << phrase;
  std::string msg = file.error().str();
  EXPECT_EQ(msg.rfind(path + ": error: ", 0), 0u) << msg;
  EXPECT_NE(msg.find(phrase), std::string::npos) << msg;
  EXPECT_FALSE(file.error().isInternal());
}

//===--- Good files -------------------------------------------------------===//

TEST_F(SafetensorsTest, ReadsEntriesInHeaderOrder) {
  std::string json = R"({"__metadata__": {"format": "pt"},)"
                     R"( "z.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},)"
                     R"( "a.bias": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]}})";
  std::string p = writeFile("w.safetensors", safetensors(json, floatBytes({1, 2, 3, 4, 5, 6})));
  auto file = SafetensorsFile::open(p);
  ASSERT_TRUE(file) << file.error().str();
  const auto &entries = (*file)->entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].name, "z.weight");
  EXPECT_EQ(entries[0].dtype, "F32");
  EXPECT_EQ(entries[0].shape, (Shape{2, 2}));
  EXPECT_EQ(entries[0].begin, 0u);
  EXPECT_EQ(entries[0].end, 16u);
  EXPECT_EQ(entries[1].name, "a.bias");
  EXPECT_EQ((*file)->path(), p);
  EXPECT_EQ((*file)->find("__metadata__"), nullptr);
  EXPECT_EQ((*file)->find("nope"), nullptr);

  const SafetensorsEntry *bias = (*file)->find("a.bias");
  ASSERT_NE(bias, nullptr);
  Expected<Tensor> t = (*file)->readF32(*bias);
  ASSERT_TRUE(t) << t.error().str();
  EXPECT_EQ(t->shape, (Shape{2}));
  EXPECT_EQ(t->data, (std::vector<float>{5, 6}));
  Expected<Tensor> w = (*file)->readF32(entries[0]);
  ASSERT_TRUE(w) << w.error().str();
  EXPECT_EQ(w->data, (std::vector<float>{1, 2, 3, 4}));
}

TEST_F(SafetensorsTest, ReadsUnalignedData) {
  // A 3-byte JSON pad puts the data at an odd offset in the mapping.
  std::string json = R"({"x": {"dtype": "F32", "shape": [3], "data_offsets": [1, 13]}})";
  std::string p =
      writeFile("u.safetensors", safetensors(json + "  ", "\x7f" + floatBytes({1.5f, -2, 3})));
  auto file = SafetensorsFile::open(p);
  ASSERT_TRUE(file) << file.error().str();
  Expected<Tensor> t = (*file)->readF32(*(*file)->find("x"));
  ASSERT_TRUE(t) << t.error().str();
  EXPECT_EQ(t->data, (std::vector<float>{1.5f, -2, 3}));
}

TEST_F(SafetensorsTest, ScalarAndEmptyTensors) {
  std::string json = R"({"s": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]},)"
                     R"( "e": {"dtype": "F32", "shape": [0, 5], "data_offsets": [4, 4]}})";
  std::string p = writeFile("s.safetensors", safetensors(json, floatBytes({9})));
  auto file = SafetensorsFile::open(p);
  ASSERT_TRUE(file) << file.error().str();
  Expected<Tensor> s = (*file)->readF32(*(*file)->find("s"));
  ASSERT_TRUE(s) << s.error().str();
  EXPECT_TRUE(s->shape.empty());
  EXPECT_EQ(s->data, std::vector<float>{9});
  Expected<Tensor> e = (*file)->readF32(*(*file)->find("e"));
  ASSERT_TRUE(e) << e.error().str();
  EXPECT_EQ(e->shape, (Shape{0, 5}));
  EXPECT_TRUE(e->data.empty());
}

TEST_F(SafetensorsTest, EmptyHeaderObject) {
  auto file = SafetensorsFile::open(writeFile("e.safetensors", safetensors("{}")));
  ASSERT_TRUE(file) << file.error().str();
  EXPECT_TRUE((*file)->entries().empty());
}

TEST_F(SafetensorsTest, AcceptsEveryKnownDtype) {
  const std::pair<const char *, int> dtypes[] = {{"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2},
                                                 {"I64", 8}, {"I32", 4}, {"I16", 2}, {"I8", 1},
                                                 {"U8", 1},  {"BOOL", 1}};
  for (const auto &[dtype, size] : dtypes) {
    SCOPED_TRACE(dtype);
    std::string json = std::string(R"({"t": {"dtype": ")") + dtype +
                       R"(", "shape": [3], "data_offsets": [0, )" + std::to_string(3 * size) +
                       "]}}";
    auto file =
        SafetensorsFile::open(writeFile("d.safetensors", safetensors(json, std::string(24, 'x'))));
    ASSERT_TRUE(file) << file.error().str();
    EXPECT_EQ((*file)->entries().at(0).dtype, dtype);
  }
}

//===--- readF32 ----------------------------------------------------------===//

TEST_F(SafetensorsTest, ReadF32RejectsOtherDtypes) {
  std::string json = R"({"x": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]},)"
                     R"( "i": {"dtype": "I64", "shape": [1], "data_offsets": [4, 12]}})";
  std::string p = writeFile("h.safetensors", safetensors(json, std::string(12, '\0')));
  auto file = SafetensorsFile::open(p);
  ASSERT_TRUE(file) << file.error().str();
  Expected<Tensor> x = (*file)->readF32(*(*file)->find("x"));
  ASSERT_FALSE(x);
  EXPECT_EQ(x.error().str(), p + ": error: tensor 'x' has dtype F16, expected F32\n");
  Expected<Tensor> i = (*file)->readF32(*(*file)->find("i"));
  ASSERT_FALSE(i);
  EXPECT_NE(i.error().str().find("tensor 'i' has dtype I64, expected F32"), std::string::npos);
}

TEST_F(SafetensorsTest, ReadF32RejectsForeignEntry) {
  std::string p = writeFile("f.safetensors", safetensors("{}"));
  auto file = SafetensorsFile::open(p);
  ASSERT_TRUE(file) << file.error().str();
  SafetensorsEntry foreign{"x", "F32", {1000}, 0, 4000};
  Expected<Tensor> t = (*file)->readF32(foreign);
  ASSERT_FALSE(t);
  EXPECT_TRUE(t.error().isInternal());
}

//===--- Bad files --------------------------------------------------------===//

TEST_F(SafetensorsTest, MissingFile) {
  expectOpenError(path("nope.safetensors"), "cannot open file");
}

TEST_F(SafetensorsTest, Directory) {
  fs::create_directory(path("d.safetensors"));
  expectOpenError(path("d.safetensors"), "not a regular file");
}

TEST_F(SafetensorsTest, ZeroByteFile) {
  expectOpenError(writeFile("z.safetensors", ""), "too short to be a safetensors file (0 bytes");
}

TEST_F(SafetensorsTest, ShorterThanHeaderLength) {
  expectOpenError(writeFile("s.safetensors", "abc"), "too short");
}

TEST_F(SafetensorsTest, HeaderLengthPastEndOfFile) {
  std::string json = R"({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})";
  std::string bytes = le64(json.size() + 10) + json;
  expectOpenError(writeFile("h.safetensors", bytes), "runs past the end of the file");
  expectOpenError(writeFile("h2.safetensors", le64(~0ULL) + json),
                  "header length 18446744073709551615 runs past the end of the file");
  expectOpenError(writeFile("h3.safetensors", le64(1)), "runs past the end of the file (8 bytes)");
}

TEST_F(SafetensorsTest, HeaderLengthOverLimit) {
  std::string p = path("big.safetensors");
  {
    std::ofstream out(p, std::ios::binary);
    out << le64((100ULL << 20) + 1);
  }
  fs::resize_file(p, 8 + (100ULL << 20) + 16); // Sparse: no disk space used.
  expectOpenError(p, "is over the limit");
}

TEST_F(SafetensorsTest, BadJson) {
  const char *headers[] = {"", "{", "{\"x\": }", "not json", "{\"a\": 1,}", "\x01\x02"};
  for (const char *json : headers) {
    SCOPED_TRACE(json);
    expectOpenError(writeFile("j.safetensors", safetensors(json)), "header is not valid JSON");
  }
}

TEST_F(SafetensorsTest, HeaderNotAnObject) {
  expectOpenError(writeFile("a.safetensors", safetensors("[1, 2]")), "not a JSON object");
  expectOpenError(writeFile("n.safetensors", safetensors("42")), "not a JSON object");
}

TEST_F(SafetensorsTest, EntryNotAnObject) {
  expectOpenError(writeFile("e.safetensors", safetensors(R"({"w": [1, 2]})")),
                  "tensor 'w': header entry is not a JSON object");
}

TEST_F(SafetensorsTest, BadDtypeField) {
  expectOpenError(
      writeFile("m.safetensors", safetensors(R"({"w": {"shape": [1], "data_offsets": [0, 4]}})",
                                             std::string(4, '\0'))),
      "tensor 'w': \"dtype\" is missing or not a string");
  expectOpenError(
      writeFile("n.safetensors",
                safetensors(R"({"w": {"dtype": 4, "shape": [1], "data_offsets": [0, 4]}})",
                            std::string(4, '\0'))),
      "tensor 'w': \"dtype\" is missing or not a string");
}

TEST_F(SafetensorsTest, UnknownDtype) {
  std::string json = R"({"fc.weight": {"dtype": "Q4", "shape": [2], "data_offsets": [0, 1]}})";
  expectOpenError(writeFile("q.safetensors", safetensors(json, "x")),
                  "tensor 'fc.weight': unknown dtype 'Q4'");
}

TEST_F(SafetensorsTest, BadShape) {
  const char *shapes[] = {"[-1]", "[1.5]", "\"2\"", "[[2]]", "[9223372036854775808]", "null"};
  for (const char *shape : shapes) {
    SCOPED_TRACE(shape);
    std::string json = std::string(R"({"w": {"dtype": "F32", "shape": )") + shape +
                       R"(, "data_offsets": [0, 4]}})";
    expectOpenError(writeFile("s.safetensors", safetensors(json, std::string(4, '\0'))),
                    "tensor 'w': \"shape\"");
  }
  expectOpenError(
      writeFile("m.safetensors",
                safetensors(R"({"w": {"dtype": "F32", "data_offsets": [0, 4]}})", "abcd")),
      "tensor 'w': \"shape\" is missing");
}

TEST_F(SafetensorsTest, BadDataOffsetsField) {
  const char *offsets[] = {"[0]", "[0, 4, 8]", "[-1, 4]", "[0, 4.0]", "\"0-4\"", "{}"};
  for (const char *off : offsets) {
    SCOPED_TRACE(off);
    std::string json =
        std::string(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": )") + off + "}}";
    expectOpenError(writeFile("o.safetensors", safetensors(json, std::string(8, '\0'))),
                    "tensor 'w': \"data_offsets\" is missing or not [begin, end]");
  }
}

TEST_F(SafetensorsTest, OffsetsPastEndOfData) {
  std::string json =
      R"({"conv1.weight": {"dtype": "F32", "shape": [1024], "data_offsets": [0, 4096]}})";
  std::string p = writeFile("w.safetensors", safetensors(json, std::string(2048, '\0')));
  auto file = SafetensorsFile::open(p);
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().str(), p + ": error: tensor 'conv1.weight': data_offsets [0, 4096] run "
                                    "past the end of the data section (2048 bytes)\n");
  std::string huge = R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": )"
                     R"([18446744073709551612, 18446744073709551615]}})";
  expectOpenError(writeFile("h.safetensors", safetensors(huge, "abcd")), "run past the end");
}

TEST_F(SafetensorsTest, OffsetsBeginAfterEnd) {
  std::string json = R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}})";
  expectOpenError(writeFile("b.safetensors", safetensors(json, std::string(8, '\0'))),
                  "tensor 'w': data_offsets [8, 4] begin after they end");
}

TEST_F(SafetensorsTest, SizeMismatch) {
  std::string json = R"({"w": {"dtype": "F32", "shape": [3, 3], "data_offsets": [0, 32]}})";
  expectOpenError(writeFile("m.safetensors", safetensors(json, std::string(40, '\0'))),
                  "tensor 'w': data_offsets [0, 32] hold 32 bytes, but F32[3, 3] needs 36");
  json = R"({"h": {"dtype": "F16", "shape": [4], "data_offsets": [0, 16]}})";
  expectOpenError(writeFile("h.safetensors", safetensors(json, std::string(16, '\0'))),
                  "tensor 'h': data_offsets [0, 16] hold 16 bytes, but F16[4] needs 8");
}

TEST_F(SafetensorsTest, OverflowingShape) {
  std::string json = R"({"w": {"dtype": "F32", "shape": [1099511627776, 1099511627776],)"
                     R"( "data_offsets": [0, 0]}})";
  expectOpenError(writeFile("o.safetensors", safetensors(json)),
                  "tensor 'w': shape [1099511627776, 1099511627776] is too large");
  json = R"({"w": {"dtype": "F64", "shape": [4611686018427387904], "data_offsets": [0, 0]}})";
  expectOpenError(writeFile("o2.safetensors", safetensors(json)), "is too large");
}

TEST_F(SafetensorsTest, MetadataIsSkipped) {
  std::string json = R"({"__metadata__": {"format": "pt", "weird": [1, 2]},)"
                     R"( "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})";
  auto file = SafetensorsFile::open(writeFile("m.safetensors", safetensors(json, "abcd")));
  ASSERT_TRUE(file) << file.error().str();
  ASSERT_EQ((*file)->entries().size(), 1u);
  EXPECT_EQ((*file)->entries()[0].name, "b");
}

TEST_F(SafetensorsTest, FirstBadEntryIsReported) {
  std::string json = R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
                     R"( "b": {"dtype": "X", "shape": [1], "data_offsets": [4, 8]},)"
                     R"( "c": {"dtype": "Y", "shape": [1], "data_offsets": [8, 12]}})";
  expectOpenError(writeFile("f.safetensors", safetensors(json, std::string(12, '\0'))),
                  "tensor 'b': unknown dtype 'X'");
}

} // namespace
} // namespace lgc
