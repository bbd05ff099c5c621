//===- tests/unit/runtime/FuzzRegressionTest.cpp - fuzz findings, runtime -===//
//
// Every input in tests/fuzz/regressions/{image,npy,safetensors} (crashes and
// hostile sizes the fuzz targets found or were given, README.md there) read
// as lgc reads such a file: each must be a user error naming the file, with
// the message the fix gives. Under tools/sanitize.sh the old bugs would be
// sanitizer reports here; in any build the messages pin the fixes.
//
//===----------------------------------------------------------------------===//
#include "runtime/Image.h"
#include "runtime/Npy.h"
#include "runtime/Safetensors.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

namespace lgc {
namespace {

std::string regression(const std::string &target, const std::string &name) {
  return std::string(LGC_TEST_DATA_DIR) + "/../fuzz/regressions/" + target + "/" + name;
}

/// The user error (never internal) of a failed read, as text.
template <typename T> std::string userError(const Expected<T> &result) {
  EXPECT_FALSE(result);
  if (result) return "";
  EXPECT_FALSE(result.error().isInternal()) << result.error().str();
  return result.error().str();
}

std::string imageError(const std::string &name) {
  return userError(readImage(regression("image", name)));
}

TEST(FuzzRegression, JpegHuffmanTableOver256Codes) {
  EXPECT_NE(imageError("jpeg_dht_over_256_codes.jpg")
                .find("cannot decode image: corrupt JPEG (a Huffman table with more than 256 "
                      "codes)"),
            std::string::npos);
}

TEST(FuzzRegression, PngFirstIdatEmpty) {
  EXPECT_NE(imageError("png_first_idat_empty.png")
                .find("cannot decode image: unsupported PNG (its first IDAT chunk is empty)"),
            std::string::npos);
}

TEST(FuzzRegression, JpegUndefinedTablesAreErrorsOrDecode) {
  // A scan using tables the file never defined: stb read them uninitialised.
  // Zeroed now, such a scan decodes to something or fails, deterministically.
  for (const char *name : {"jpeg_undefined_huffman_table.jpg", "jpeg_undefined_quant_table.jpg"}) {
    Expected<Image> first = readImage(regression("image", name));
    Expected<Image> second = readImage(regression("image", name));
    ASSERT_EQ(bool(first), bool(second)) << name;
    if (first) {
      EXPECT_EQ(first->pixels, second->pixels) << name;
    } else {
      EXPECT_FALSE(first.error().isInternal()) << first.error().str();
    }
  }
}

TEST(FuzzRegression, NpyHeaderClaiming2Pow40Elements) {
  std::string e = userError(readNpy(regression("npy", "header_2pow40_elements.npy")));
  EXPECT_NE(e.find("data size does not match shape [1099511627776]"), std::string::npos) << e;
}

TEST(FuzzRegression, SafetensorsShapeOf2Pow40Elements) {
  std::string e = userError(
      SafetensorsFile::open(regression("safetensors", "shape_2pow40_elements.safetensors")));
  EXPECT_NE(e.find("tensor 'conv.weight': data_offsets [0, 16] hold 16 bytes, but "
                   "F32[1024, 1024, 1024, 256] needs 1099511627776"),
            std::string::npos)
      << e;
}

} // namespace
} // namespace lgc
