//===- runtime/Image.h - images (PNG, JPEG, BMP) as input tensors -*- C++ -*-===//
//
// SPEC §3 accepts images as model inputs: a PNG, JPEG or BMP file is decoded
// (stb_image, Debian's libstb-dev), reduced to grayscale or RGB (alpha is
// dropped), converted to the input's channel count, resized to its H×W with
// bilinear interpolation, scaled to [0, 1], normalised per channel with
// `(x - mean[c]) / std[c]`, and laid out NCHW (the image repeated in every
// batch row). Files are untrusted: sizes are checked before anything is
// allocated and a bad file is a `FILE: error:`, never a crash.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Error.h"
#include "runtime/Tensor.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lgc {

/// The largest width or height accepted (a 16384×16384 RGB image is 768 MiB).
constexpr int kMaxImageSide = 16384;

/// A decoded 8-bit image: `channels` is 1 (gray) or 3 (RGB), interleaved,
/// rows top to bottom: pixel (y, x) channel c is pixels[(y*width + x)*channels + c].
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;

  uint8_t at(int y, int x, int c) const {
    return pixels[(static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)) *
                      static_cast<size_t>(channels) +
                  static_cast<size_t>(c)];
  }
};

/// How a tensor file given to `--input` is read.
enum class TensorFileKind { Npy, Image };

/// True if `data` starts with a PNG, JPEG or BMP signature.
bool hasImageSignature(const uint8_t *data, size_t size);

/// The kind of the file at `path`: a name ending in `.npy` is a .npy file, one
/// ending in .png/.jpg/.jpeg/.bmp (any case) an image; otherwise its first
/// bytes decide (an image signature: Image; anything else: Npy, whose reader
/// then says what is wrong). Unreadable files are Npy, for the same reason.
TensorFileKind tensorFileKind(const std::string &path);

/// An image's size and channels (1 to 4, alpha included) as its header gives them.
struct ImageSize {
  int width = 0;
  int height = 0;
  int channels = 0;
};

/// Checks an image held in memory as far as decoding it allocates nothing
/// (signature, truncation, corrupt tables, the size limit) and reads its size
/// from the header; `file` names it in errors.
Expected<ImageSize> probeImage(const uint8_t *data, size_t size, const std::string &file);

/// Decodes an image held in memory (probeImage first); `file` names it in errors.
Expected<Image> decodeImage(const uint8_t *data, size_t size, const std::string &file);

/// Reads and decodes the image file at `path`.
Expected<Image> readImage(const std::string &path);

/// Per-channel normalisation: empty, one value (every channel) or one per
/// channel. Empty mean is 0, empty std is 1.
struct ImageNormalization {
  std::vector<float> mean;
  std::vector<float> std;
};

/// Parses `--mean`/`--std` text: comma-separated finite numbers, e.g.
/// "0.485,0.456,0.406". `what` ("--mean") names the option in the error, which
/// is a plain message (a command-line error for the caller to report).
Expected<std::vector<float>> parseChannelValues(const std::string &text, const std::string &what);

/// Resizes one H×W plane to outH×outW with bilinear interpolation, exactly as
/// PyTorch's `F.interpolate(mode="bilinear", align_corners=False,
/// antialias=False)`: output pixel centres map to source coordinates
/// `(dst + 0.5) * in/out - 0.5`, clamped at 0, and the two nearest source
/// pixels on each axis are blended. The same size gives the plane unchanged.
std::vector<float> resizeBilinear(const std::vector<float> &plane, int64_t inH, int64_t inW,
                                  int64_t outH, int64_t outW);

/// The input tensor of shape `shape` ([N, C, H, W], C 1 or 3) made from
/// `image` as the header describes. `file` names the image in errors (a shape
/// that cannot take an image, a normalisation of the wrong length).
Expected<Tensor> imageToTensor(const Image &image, const Shape &shape,
                               const ImageNormalization &norm, const std::string &file);

/// readImage then imageToTensor.
Expected<Tensor> readImageTensor(const std::string &path, const Shape &shape,
                                 const ImageNormalization &norm);

} // namespace lgc
