//===- tests/unit/runtime/ImageTest.cpp - images as input tensors ---------===//
//
// Decoding the committed images in tests/data/images (written by its
// make_images.py: PNG and BMP with exact pixels, JPEG checked approximately),
// alpha dropped, channel conversion, bilinear resizing against values from
// PyTorch's F.interpolate, normalisation, how --input files are told apart,
// --mean/--std parsing, and corrupt, truncated and oversized files, each an
// error that names the file.
//
//===----------------------------------------------------------------------===//
#include "runtime/Image.h"

#include "tests/unit/runtime/ScratchDirTest.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace lgc {
namespace {

using ImageTest = ScratchDirTest;

std::string dataPath(const std::string &name) {
  return std::string(LGC_TEST_DATA_DIR) + "/images/" + name;
}

std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Image load(const std::string &name) {
  Expected<Image> image = readImage(dataPath(name));
  EXPECT_TRUE(image) << (image ? "" : image.error().str());
  return image ? *image : Image{};
}

/// The error text of decoding `bytes` (empty if it decodes).
std::string decodeError(const std::string &bytes, const std::string &file = "f.png") {
  Expected<Image> image =
      decodeImage(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), file);
  return image ? "" : image.error().str();
}

std::vector<uint8_t> pixels(const Image &image) {
  return image.pixels;
}

TEST_F(ImageTest, GrayPng) {
  Image image = load("gray4x4.png");
  ASSERT_EQ(image.width, 4);
  ASSERT_EQ(image.height, 4);
  ASSERT_EQ(image.channels, 1);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) EXPECT_EQ(image.at(y, x, 0), 64 * y + 16 * x + 5);
}

TEST_F(ImageTest, RgbPngAndBmpAgree) {
  std::vector<uint8_t> want{255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90};
  for (const char *name : {"rgb3x2.png", "rgb3x2.bmp"}) {
    SCOPED_TRACE(name);
    Image image = load(name);
    EXPECT_EQ(image.width, 3);
    EXPECT_EQ(image.height, 2);
    EXPECT_EQ(image.channels, 3);
    EXPECT_EQ(pixels(image), want); // the BMP is stored bottom-up, BGR, rows padded
  }
}

TEST_F(ImageTest, AlphaIsDroppedNotBlended) {
  Image rgba = load("rgba2x2.png");
  EXPECT_EQ(rgba.channels, 3);
  EXPECT_EQ(pixels(rgba), (std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 250, 251, 252}));
  Image ga = load("graya2x2.png");
  EXPECT_EQ(ga.channels, 1);
  EXPECT_EQ(pixels(ga), (std::vector<uint8_t>{11, 22, 33, 44}));
}

TEST_F(ImageTest, SixteenBitPngKeepsTheHighByte) {
  Image image = load("gray16_2x1.png");
  EXPECT_EQ(image.channels, 1);
  EXPECT_EQ(pixels(image), (std::vector<uint8_t>{0x12, 0xFF}));
}

TEST_F(ImageTest, JpegApproximately) {
  Image solid = load("solid8x8.jpg");
  ASSERT_EQ(solid.channels, 3);
  ASSERT_EQ(solid.width, 8);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) {
      EXPECT_NEAR(solid.at(y, x, 0), 200, 3);
      EXPECT_NEAR(solid.at(y, x, 1), 100, 3);
      EXPECT_NEAR(solid.at(y, x, 2), 50, 3);
    }
  Image gray = load("gray8x8.jpg");
  ASSERT_EQ(gray.channels, 1);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) EXPECT_NEAR(gray.at(y, x, 0), 16 * x + 60, 4);
}

TEST_F(ImageTest, ToTensorScalesToUnitRange) {
  Image image = load("rgb3x2.png");
  Expected<Tensor> t = imageToTensor(image, {1, 3, 2, 3}, {}, "f");
  ASSERT_TRUE(t) << t.error().str();
  // NCHW: the red plane first.
  EXPECT_FLOAT_EQ(t->data[0], 1.0f);
  EXPECT_FLOAT_EQ(t->data[1], 0.0f);
  EXPECT_FLOAT_EQ(t->data[3], 10 / 255.0f);
  EXPECT_FLOAT_EQ(t->data[6 + 1], 1.0f);         // green of (0, 1)
  EXPECT_FLOAT_EQ(t->data[12 + 5], 90 / 255.0f); // blue of (1, 2)
}

TEST_F(ImageTest, ChannelConversion) {
  // RGB to one channel: BT.601 luma.
  Expected<Tensor> luma = imageToTensor(load("rgb3x2.png"), {1, 1, 2, 3}, {}, "f");
  ASSERT_TRUE(luma);
  EXPECT_NEAR(luma->data[0], 0.299f, 1e-6);
  EXPECT_NEAR(luma->data[1], 0.587f, 1e-6);
  EXPECT_NEAR(luma->data[2], 0.114f, 1e-6);
  EXPECT_NEAR(luma->data[5], (0.299f * 70 + 0.587f * 80 + 0.114f * 90) / 255, 1e-6);
  // Gray to three channels: replicated.
  Expected<Tensor> rgb = imageToTensor(load("gray4x4.png"), {1, 3, 4, 4}, {}, "f");
  ASSERT_TRUE(rgb);
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 16; ++i)
      EXPECT_FLOAT_EQ(rgb->data[c * 16 + i], (64 * (i / 4) + 16 * (i % 4) + 5) / 255.0f);
}

TEST_F(ImageTest, BatchRowsRepeatTheImage) {
  Expected<Tensor> t = imageToTensor(load("rgb3x2.png"), {2, 3, 2, 3}, {}, "f");
  ASSERT_TRUE(t);
  for (size_t i = 0; i < 18; ++i) EXPECT_EQ(t->data[i], t->data[18 + i]);
}

TEST_F(ImageTest, NormalizationPerChannelAndShared) {
  Image image = load("rgb3x2.png");
  ImageNormalization norm{{0.5f, 0.25f, 0.0f}, {0.5f, 2.0f, 0.1f}};
  Expected<Tensor> t = imageToTensor(image, {1, 3, 2, 3}, norm, "f");
  ASSERT_TRUE(t);
  EXPECT_FLOAT_EQ(t->data[0], (1.0f - 0.5f) / 0.5f);
  EXPECT_FLOAT_EQ(t->data[6 + 1], (1.0f - 0.25f) / 2.0f);
  EXPECT_FLOAT_EQ(t->data[12 + 2], 1.0f / 0.1f);
  ImageNormalization shared{{0.5f}, {0.5f}};
  Expected<Tensor> s = imageToTensor(image, {1, 3, 2, 3}, shared, "f");
  ASSERT_TRUE(s);
  EXPECT_FLOAT_EQ(s->data[12 + 1], -1.0f);
  // Two values for three channels.
  Expected<Tensor> bad = imageToTensor(image, {1, 3, 2, 3}, {{0.1f, 0.2f}, {}}, "img.png");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().str(), "img.png: error: --mean has 2 values; the input has 3 channels\n");
}

TEST_F(ImageTest, InputMustBeAnImageShape) {
  Image image = load("gray4x4.png");
  for (Shape shape : {Shape{1, 16}, Shape{1, 2, 4, 4}, Shape{1, 4, 4}}) {
    Expected<Tensor> t = imageToTensor(image, shape, {}, "img.png");
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().str(),
              "img.png: error: an image needs an input of shape [N, 1|3, H, W], this one is " +
                  formatShape(shape) + "\n");
  }
}

/// Values from PyTorch: F.interpolate(gray4x4 / 255, size, mode="bilinear",
/// align_corners=False) * 255.
TEST_F(ImageTest, ResizeMatchesPyTorchBilinear) {
  Image image = load("gray4x4.png");
  struct Case {
    int64_t h, w;
    std::vector<float> want;
  };
  std::vector<Case> cases{
      {2, 2, {45, 77, 173, 205}},
      {3,
       5,
       {15.666669f, 26.866669f, 39.666668f, 52.466667f, 63.666672f, 101.00001f, 112.2f, 125.00001f,
        137.8f, 149.0f, 186.33334f, 197.53334f, 210.33334f, 223.13333f, 234.33334f}},
      {6, 6, {5.0f,       13.0f,      23.666668f, 34.333336f, 45.000004f, 53.0f,
              37.0f,      45.0f,      55.666668f, 66.333336f, 77.0f,      85.0f,
              79.666672f, 87.666672f, 98.333336f, 109.0f,     119.66666f, 127.66667f,
              122.33334f, 130.33334f, 141.0f,     151.66667f, 162.33334f, 170.33334f,
              165.00002f, 173.00002f, 183.66667f, 194.33336f, 205.00002f, 213.00002f,
              197.0f,     205.0f,     215.66667f, 226.33333f, 237.00002f, 245.00002f}},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(std::to_string(c.h) + "x" + std::to_string(c.w));
    Expected<Tensor> t = imageToTensor(image, {1, 1, c.h, c.w}, {}, "f");
    ASSERT_TRUE(t);
    ASSERT_EQ(t->data.size(), c.want.size());
    for (size_t i = 0; i < c.want.size(); ++i) EXPECT_NEAR(t->data[i] * 255, c.want[i], 1e-3);
  }
}

TEST_F(ImageTest, ResizeToTheSameSizeIsExact) {
  std::vector<float> plane{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
  EXPECT_EQ(resizeBilinear(plane, 2, 3, 2, 3), plane);
  // One axis only: rows kept exactly, columns interpolated.
  std::vector<float> wide = resizeBilinear({0.0f, 1.0f}, 1, 2, 1, 4);
  EXPECT_EQ(wide, (std::vector<float>{0.0f, 0.25f, 0.75f, 1.0f}));
}

TEST_F(ImageTest, FileKindByExtensionThenSignature) {
  EXPECT_EQ(tensorFileKind("x.npy"), TensorFileKind::Npy);
  EXPECT_EQ(tensorFileKind("missing.PNG"), TensorFileKind::Image);
  EXPECT_EQ(tensorFileKind("missing.JpEg"), TensorFileKind::Image);
  EXPECT_EQ(tensorFileKind("missing.bmp"), TensorFileKind::Image);
  EXPECT_EQ(tensorFileKind(path("missing")), TensorFileKind::Npy);
  // No telling extension: the signature decides.
  EXPECT_EQ(tensorFileKind(writeFile("a.dat", readBytes(dataPath("rgb3x2.png")))),
            TensorFileKind::Image);
  EXPECT_EQ(tensorFileKind(writeFile("b", readBytes(dataPath("solid8x8.jpg")))),
            TensorFileKind::Image);
  EXPECT_EQ(tensorFileKind(writeFile("c", readBytes(dataPath("rgb3x2.bmp")))),
            TensorFileKind::Image);
  EXPECT_EQ(tensorFileKind(writeFile("d", "\x93NUMPY")), TensorFileKind::Npy);
  // A misnamed image still decodes: stb looks at the bytes.
  std::string misnamed = writeFile("really_a_bmp.png", readBytes(dataPath("rgb3x2.bmp")));
  Expected<Image> image = readImage(misnamed);
  ASSERT_TRUE(image) << image.error().str();
  EXPECT_EQ(image->width, 3);
}

TEST_F(ImageTest, ParseChannelValues) {
  Expected<std::vector<float>> one = parseChannelValues("0.5", "--mean");
  ASSERT_TRUE(one);
  EXPECT_EQ(*one, std::vector<float>{0.5f});
  Expected<std::vector<float>> three = parseChannelValues("0.485, 0.456,0.406", "--mean");
  ASSERT_TRUE(three);
  EXPECT_EQ(*three, (std::vector<float>{0.485f, 0.456f, 0.406f}));
  for (const char *bad : {"", "a", "1,", ",1", "1,,2", "1.5x", "nan", "inf", "1e99"}) {
    Expected<std::vector<float>> v = parseChannelValues(bad, "--std");
    EXPECT_FALSE(v) << bad;
    if (!v) {
      EXPECT_NE(v.error().message().find("--std '"), std::string::npos);
    }
  }
}

TEST_F(ImageTest, CorruptFilesAreErrors) {
  std::string png = readBytes(dataPath("rgb3x2.png"));
  // A damaged IDAT (compressed data flipped).
  std::string damaged = png;
  for (size_t i = 45; i < 55 && i < damaged.size(); ++i)
    damaged[i] = static_cast<char>(~damaged[i]);
  EXPECT_NE(decodeError(damaged).find("f.png: error: cannot decode image: "), std::string::npos);
  // Signature only.
  EXPECT_EQ(decodeError(png.substr(0, 8)),
            "f.png: error: cannot decode image: Image not of any known type, or corrupt\n");
  EXPECT_EQ(decodeError(png.substr(0, png.size() - 1)),
            "f.png: error: cannot decode image: truncated PNG (no IEND chunk)\n");
  // Not an image at all.
  EXPECT_EQ(decodeError("hello"),
            "f.png: error: cannot decode image: not a PNG, JPEG or BMP file (unknown signature)\n");
  EXPECT_EQ(decodeError(""),
            "f.png: error: cannot decode image: not a PNG, JPEG or BMP file (unknown signature)\n");
}

TEST_F(ImageTest, TruncatedFilesAreErrors) {
  for (const char *name :
       {"gray4x4.png", "rgb3x2.png", "rgba2x2.png", "rgb3x2.bmp", "solid8x8.jpg", "gray8x8.jpg"}) {
    std::string bytes = readBytes(dataPath(name));
    ASSERT_GT(bytes.size(), 20u);
    // Every prefix: an error, never a crash or a silently wrong image.
    for (size_t n = 0; n < bytes.size(); ++n) {
      std::string err = decodeError(bytes.substr(0, n), name);
      EXPECT_EQ(err.rfind(std::string(name) + ": error: cannot decode image: ", 0), 0u)
          << name << " cut to " << n << " bytes: '" << err << "'";
    }
  }
  std::string bmp = readBytes(dataPath("rgb3x2.bmp"));
  EXPECT_EQ(decodeError(bmp.substr(0, bmp.size() - 1), "t.bmp"),
            "t.bmp: error: cannot decode image: truncated BMP: its pixel rows need 78 bytes, the "
            "file has 77\n");
  std::string jpg = readBytes(dataPath("solid8x8.jpg"));
  EXPECT_EQ(decodeError(jpg.substr(0, jpg.size() - 2), "t.jpg"),
            "t.jpg: error: cannot decode image: truncated JPEG (no end-of-image marker)\n");
}

TEST_F(ImageTest, OversizedImageIsRefusedBeforeDecoding) {
  // A PNG header claiming 100000 x 100000 pixels and no data.
  std::string png = readBytes(dataPath("gray4x4.png"));
  std::string big = png;
  for (int at : {16, 20}) { // IHDR width and height, big-endian
    big[static_cast<size_t>(at)] = 0;
    big[static_cast<size_t>(at) + 1] = 1;
    big[static_cast<size_t>(at) + 2] = static_cast<char>(0x86);
    big[static_cast<size_t>(at) + 3] = static_cast<char>(0xA0);
  }
  std::string err = decodeError(big);
  EXPECT_EQ(err.rfind("f.png: error: cannot decode image: ", 0), 0u) << err;
  // A BMP header claiming 20000 x 20000.
  std::string bmp = readBytes(dataPath("rgb3x2.bmp"));
  bmp[18] = 0x20, bmp[19] = 0x4E, bmp[22] = 0x20, bmp[23] = 0x4E;
  err = decodeError(bmp, "big.bmp");
  EXPECT_EQ(err.rfind("big.bmp: error: cannot decode image: ", 0), 0u) << err;
}

TEST_F(ImageTest, FileErrors) {
  Expected<Image> missing = readImage(path("none.png"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().str(),
            path("none.png") + ": error: cannot open file: No such file or directory\n");
  Expected<Image> dir = readImage(dir_.string());
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().str(), dir_.string() + ": error: not a regular file\n");
}

} // namespace
} // namespace lgc
