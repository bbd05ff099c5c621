//===- tests/unit/runtime/NpyTest.cpp - .npy reader and writer ------------===//
//
// Round trips through writeNpy/readNpy, hand-built headers in the forms NumPy
// and other writers produce, and one test per class of bad file, each checking
// that the error names the file and says what is wrong.
//
//===----------------------------------------------------------------------===//
#include "runtime/Npy.h"

#include "tests/unit/runtime/ScratchDirTest.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

namespace lgc {
namespace {

namespace fs = std::filesystem;

using NpyTest = ScratchDirTest;

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// The raw bytes of little-endian floats.
std::string floatBytes(const std::vector<float> &values) {
  std::string out(values.size() * 4, '\0');
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

/// A v1.0 file: magic, version, 2-byte length, `dict`, then `data`.
std::string npyV1(const std::string &dict, const std::string &data = "") {
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xFF);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict + data;
}

/// A v2.0 file: magic, version, 4-byte length, `dict`, then `data`.
std::string npyV2(const std::string &dict, const std::string &data = "") {
  std::string out = "\x93NUMPY";
  out += '\x02';
  out += '\x00';
  for (int i = 0; i < 4; ++i) out += static_cast<char>((dict.size() >> (8 * i)) & 0xFF);
  return out + dict + data;
}

std::string f4Dict(const std::string &shape) {
  return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }\n";
}

Tensor iota(Shape shape) {
  Tensor t(std::move(shape));
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = static_cast<float>(i) * 0.5f - 3.0f;
  return t;
}

/// Expects `path` to fail to read with a message naming the file and
/// containing `phrase`.
void expectReadError(const std::string &path, const std::string &phrase) {
  Expected<Tensor> t = readNpy(path);
  ASSERT_FALSE(t) << "expected an error containing: " << phrase;
  std::string msg = t.error().str();
  EXPECT_EQ(msg.rfind(path + ": error: ", 0), 0u) << msg;
  EXPECT_NE(msg.find(phrase), std::string::npos) << msg;
  EXPECT_FALSE(t.error().isInternal());
}

void expectSameTensor(const Tensor &a, const Tensor &b) {
  EXPECT_EQ(a.shape, b.shape);
  ASSERT_EQ(a.data.size(), b.data.size());
  EXPECT_EQ(std::memcmp(a.data.data(), b.data.data(), a.data.size() * 4), 0);
}

//===--- Round trips ------------------------------------------------------===//

TEST_F(NpyTest, RoundTrip4D) {
  Tensor t = iota({1, 3, 4, 5});
  std::string p = path("x.npy");
  ASSERT_FALSE(writeNpy(p, t));
  Expected<Tensor> back = readNpy(p);
  ASSERT_TRUE(back) << back.error().str();
  expectSameTensor(*back, t);
}

TEST_F(NpyTest, RoundTrip1D) {
  Tensor t = iota({7});
  std::string p = path("v.npy");
  ASSERT_FALSE(writeNpy(p, t));
  Expected<Tensor> back = readNpy(p);
  ASSERT_TRUE(back) << back.error().str();
  expectSameTensor(*back, t);
}

TEST_F(NpyTest, RoundTripScalar) {
  Tensor t = iota({});
  t.data[0] = 42.25f;
  std::string p = path("s.npy");
  ASSERT_FALSE(writeNpy(p, t));
  Expected<Tensor> back = readNpy(p);
  ASSERT_TRUE(back) << back.error().str();
  EXPECT_TRUE(back->shape.empty());
  ASSERT_EQ(back->data.size(), 1u);
  EXPECT_EQ(back->data[0], 42.25f);
}

TEST_F(NpyTest, RoundTripEmpty) {
  Tensor t({0, 3});
  std::string p = path("e.npy");
  ASSERT_FALSE(writeNpy(p, t));
  Expected<Tensor> back = readNpy(p);
  ASSERT_TRUE(back) << back.error().str();
  EXPECT_EQ(back->shape, (Shape{0, 3}));
  EXPECT_TRUE(back->data.empty());
}

TEST_F(NpyTest, RoundTripKeepsSpecialValues) {
  Tensor t({4});
  t.data = {-0.0f, 1e-40f, std::numeric_limits<float>::infinity(),
            std::numeric_limits<float>::max()};
  std::string p = path("sp.npy");
  ASSERT_FALSE(writeNpy(p, t));
  Expected<Tensor> back = readNpy(p);
  ASSERT_TRUE(back) << back.error().str();
  expectSameTensor(*back, t);
}

TEST_F(NpyTest, OverwritesAnExistingFile) {
  std::string p = writeFile("x.npy", "old contents");
  ASSERT_FALSE(writeNpy(p, iota({2, 2})));
  Expected<Tensor> back = readNpy(p);
  ASSERT_TRUE(back) << back.error().str();
  expectSameTensor(*back, iota({2, 2}));
}

//===--- The written header -----------------------------------------------===//

/// The header text of a v1.0 file written by writeNpy.
std::string writtenHeader(const std::string &file) {
  std::string bytes = readFile(file);
  size_t len = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8;
  return bytes.substr(10, len);
}

TEST_F(NpyTest, WritesAlignedV1Header) {
  for (const Shape &shape : {Shape{}, Shape{5}, Shape{1, 3, 224, 224}}) {
    std::string p = path("h.npy");
    ASSERT_FALSE(writeNpy(p, Tensor(shape)));
    std::string bytes = readFile(p);
    ASSERT_GE(bytes.size(), 10u);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    std::string header = writtenHeader(p);
    EXPECT_EQ((10 + header.size()) % 64, 0u);
    EXPECT_EQ(header.back(), '\n');
    EXPECT_EQ(bytes.size(), 10 + header.size() + 4 * static_cast<size_t>(numElements(shape)));
  }
}

TEST_F(NpyTest, WritesPythonTuples) {
  std::string p = path("h.npy");
  ASSERT_FALSE(writeNpy(p, Tensor({5})));
  EXPECT_NE(writtenHeader(p).find("'shape': (5,)"), std::string::npos) << writtenHeader(p);
  ASSERT_FALSE(writeNpy(p, Tensor(Shape{})));
  EXPECT_NE(writtenHeader(p).find("'shape': ()"), std::string::npos) << writtenHeader(p);
  ASSERT_FALSE(writeNpy(p, Tensor({1, 3, 2, 2})));
  std::string h = writtenHeader(p);
  EXPECT_EQ(h.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 2, 2), }", 0), 0u)
      << h;
}

TEST_F(NpyTest, WriteLeavesNoTemporaryFile) {
  ASSERT_FALSE(writeNpy(path("out.npy"), iota({3, 3})));
  EXPECT_EQ(listDir(), std::vector<std::string>{"out.npy"});
}

TEST_F(NpyTest, WriteIntoMissingDirectoryFailsAndCreatesNothing) {
  std::string p = path("missing/out.npy");
  Error e = writeNpy(p, iota({2}));
  ASSERT_TRUE(e);
  std::string msg = e.str();
  EXPECT_EQ(msg.rfind(p + ": error: ", 0), 0u) << msg;
  EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;
  EXPECT_TRUE(listDir().empty());
}

TEST_F(NpyTest, WriteOntoDirectoryFailsAndRemovesTemporary) {
  fs::create_directory(path("d.npy"));
  Error e = writeNpy(path("d.npy"), iota({2}));
  ASSERT_TRUE(e);
  EXPECT_NE(e.str().find(path("d.npy") + ": error: cannot write file"), std::string::npos)
      << e.str();
  EXPECT_EQ(listDir(), std::vector<std::string>{"d.npy"});
}

TEST_F(NpyTest, WriteRejectsInconsistentTensor) {
  Tensor t({2, 3});
  t.data.resize(5);
  Error e = writeNpy(path("bad.npy"), t);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e.isInternal());
  EXPECT_TRUE(listDir().empty());
}

//===--- Headers from other writers ---------------------------------------===//

TEST_F(NpyTest, ReadsV2Header) {
  std::string p = writeFile("v2.npy", npyV2(f4Dict("(2, 2)"), floatBytes({1, 2, 3, 4})));
  Expected<Tensor> t = readNpy(p);
  ASSERT_TRUE(t) << t.error().str();
  EXPECT_EQ(t->shape, (Shape{2, 2}));
  EXPECT_EQ(t->data, (std::vector<float>{1, 2, 3, 4}));
}

TEST_F(NpyTest, ReadsKeysInAnyOrderAndSpacing) {
  const char *dicts[] = {
      "{'shape': (3,), 'fortran_order': False, 'descr': '<f4'}",
      "{'fortran_order':False,'descr':'<f4','shape':(3,),}   \n",
      "{ \"descr\" : \"<f4\" , \"fortran_order\" : False , \"shape\" : ( 3 , ) }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (3L,), }",
  };
  for (const char *dict : dicts) {
    std::string p = writeFile("k.npy", npyV1(dict, floatBytes({1, 2, 3})));
    Expected<Tensor> t = readNpy(p);
    ASSERT_TRUE(t) << dict << "\n" << t.error().str();
    EXPECT_EQ(t->shape, (Shape{3}));
    EXPECT_EQ(t->data, (std::vector<float>{1, 2, 3}));
  }
}

TEST_F(NpyTest, ReadsScalarAndMultiDimHeaders) {
  std::string p = writeFile("s.npy", npyV1(f4Dict("()"), floatBytes({7})));
  Expected<Tensor> s = readNpy(p);
  ASSERT_TRUE(s) << s.error().str();
  EXPECT_TRUE(s->shape.empty());
  EXPECT_EQ(s->data, std::vector<float>{7});

  std::vector<float> values(2 * 1 * 2 * 3);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  p = writeFile("m.npy", npyV1(f4Dict("(2, 1, 2, 3)"), floatBytes(values)));
  Expected<Tensor> m = readNpy(p);
  ASSERT_TRUE(m) << m.error().str();
  EXPECT_EQ(m->shape, (Shape{2, 1, 2, 3}));
  EXPECT_EQ(m->data, values);
}

//===--- Bad files --------------------------------------------------------===//

TEST_F(NpyTest, MissingFile) {
  expectReadError(path("nope.npy"), "cannot open file");
}

TEST_F(NpyTest, Directory) {
  fs::create_directory(path("dir.npy"));
  expectReadError(path("dir.npy"), "not a regular file");
}

TEST_F(NpyTest, EmptyFile) {
  expectReadError(writeFile("e.npy", ""), "not a .npy file");
}

TEST_F(NpyTest, BadMagic) {
  expectReadError(writeFile("b.npy", "PK\x03\x04 this is a zip file"), "not a .npy file");
  std::string bytes = npyV1(f4Dict("(1,)"), floatBytes({1}));
  bytes[1] = 'X';
  expectReadError(writeFile("b2.npy", bytes), "not a .npy file");
}

TEST_F(NpyTest, UnsupportedVersion) {
  std::string bytes = npyV1(f4Dict("(1,)"), floatBytes({1}));
  bytes[6] = '\x03';
  expectReadError(writeFile("v3.npy", bytes), "unsupported .npy version 3.0");
  bytes[6] = '\x01';
  bytes[7] = '\x01';
  expectReadError(writeFile("v11.npy", bytes), "unsupported .npy version 1.1");
}

TEST_F(NpyTest, TruncatedPreamble) {
  expectReadError(writeFile("t1.npy", std::string("\x93NUMPY\x01", 7)), "truncated header");
  expectReadError(writeFile("t2.npy", std::string("\x93NUMPY\x01\x00\x10", 9)), "truncated header");
  expectReadError(writeFile("t3.npy", std::string("\x93NUMPY\x02\x00\x10\x00\x00", 11)),
                  "truncated header");
}

TEST_F(NpyTest, TruncatedHeader) {
  std::string bytes = npyV1(f4Dict("(2, 2)"));
  expectReadError(writeFile("t.npy", bytes.substr(0, 30)), "truncated header");
  // A v2 length near 4 GiB must not be allocated.
  std::string huge = std::string("\x93NUMPY\x02\x00\xff\xff\xff\xff", 12) + f4Dict("(1,)");
  expectReadError(writeFile("t2.npy", huge), "truncated header");
}

TEST_F(NpyTest, MalformedHeaderDict) {
  const char *dicts[] = {
      "",
      "not a dict",
      "{'descr' '<f4', 'fortran_order': False, 'shape': (1,)}",
      "{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} trailing",
      "{'descr': '<f4', 'fortran_order': false, 'shape': (1,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': [1]}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1 2)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (a,)}",
      "{'descr': '<f4', 'fortran_order': False}",
      "{'descr': '<f4', 'shape': (1,)}",
      "{'fortran_order': False, 'shape': (1,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
      "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}",
      "{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (20000000000000000000,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775808,)}",
  };
  for (const char *dict : dicts) {
    SCOPED_TRACE(dict);
    expectReadError(writeFile("m.npy", npyV1(dict, floatBytes({1}))), "malformed header");
  }
}

TEST_F(NpyTest, WrongDtype) {
  std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }";
  expectReadError(writeFile("d.npy", npyV1(dict, std::string(8, '\0'))),
                  "dtype is '<f8', expected '<f4' (float32)");
  dict = "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }";
  expectReadError(writeFile("d2.npy", npyV1(dict, std::string(4, '\0'))), "dtype is '>f4'");
}

TEST_F(NpyTest, FortranOrder) {
  std::string dict = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }";
  expectReadError(writeFile("f.npy", npyV1(dict, floatBytes({1, 2, 3, 4}))), "Fortran order");
}

TEST_F(NpyTest, NegativeDimension) {
  expectReadError(writeFile("n.npy", npyV1(f4Dict("(2, -3)"), floatBytes({1}))),
                  "shape [2, -3] has a negative dimension");
}

TEST_F(NpyTest, OverflowingShapeIsRejectedBeforeAllocating) {
  // 2**40 * 2**40 elements: the element count overflows int64.
  expectReadError(writeFile("o.npy", npyV1(f4Dict("(1099511627776, 1099511627776)"))), "too large");
  // INT64_MAX itself parses; its byte size overflows.
  expectReadError(writeFile("o1.npy", npyV1(f4Dict("(9223372036854775807,)"))), "too large");
  // 2**62 elements: the count fits, the byte size (x4) does not.
  expectReadError(writeFile("o2.npy", npyV1(f4Dict("(4611686018427387904,)"))), "too large");
  // A plausible-looking but huge shape is caught by the data size check.
  expectReadError(writeFile("o3.npy", npyV1(f4Dict("(1000000000, 1000)"))),
                  "expected 4000000000000 bytes");
}

TEST_F(NpyTest, DataSizeMismatch) {
  std::string shortFile = npyV1(f4Dict("(2, 3)"), floatBytes({1, 2, 3, 4, 5}));
  expectReadError(writeFile("s.npy", shortFile), "expected 24 bytes, the file has 20");
  std::string longFile = npyV1(f4Dict("(2,)"), floatBytes({1, 2, 3}));
  expectReadError(writeFile("l.npy", longFile), "expected 8 bytes, the file has 12");
  std::string noData = npyV1(f4Dict("()"));
  expectReadError(writeFile("z.npy", noData), "expected 4 bytes, the file has 0");
}

} // namespace
} // namespace lgc
