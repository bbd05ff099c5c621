//===- runtime/Image.cpp - images (PNG, JPEG, BMP) as input tensors -------===//
//
// See Image.h. Decoding is stb_image's, built here with only its PNG, JPEG and
// BMP decoders (less code reading untrusted bytes), a dimension limit, and
// from memory (the file is read here, so file errors match the .npy reader's).
// stb accepts some truncated files silently (a PNG cut after its image data,
// a JPEG without its end marker, a BMP with pixel rows missing, filled with
// zeros), so those are checked here before decoding.
//
// Resizing is a small bilinear function of our own rather than stb_image_resize:
// stb_image_resize filters with Mitchell/Catmull-Rom kernels and widens them
// when shrinking, which no PyTorch preprocessing reproduces; ours is exactly
// `F.interpolate(bilinear, align_corners=False, antialias=False)`, testable
// against PyTorch and documented in one line.
//
//===----------------------------------------------------------------------===//
#include "runtime/Image.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_NO_STDIO
#define STBI_FAILURE_USERMSG
#define STBI_MAX_DIMENSIONS 16384
// Zeroed allocations: stb_image 2.27 decodes with Huffman tables a corrupt
// JPEG never defined, reading indices out of bounds from uninitialised
// memory (found by tests/fuzz); zeroed, such a table decodes nothing.
#define STBI_MALLOC(size) std::calloc(1, size)
#define STBI_REALLOC(p, size) std::realloc(p, size)
#define STBI_FREE(p) std::free(p)
// stb_image 2.27's JPEG decoder shifts its bit buffer by 32 or more and
// overflows `dc * dequant` on corrupt entropy-coded data (found by
// tests/fuzz; fixed upstream in later stb versions). Both only garble pixel
// values, never an index, so UBSan's shift and overflow checks are off for
// stb's functions alone; its bounds checks and ASan still watch them.
#ifdef __clang__
#pragma clang attribute push(__attribute__((no_sanitize("shift", "signed-integer-overflow"))),     \
                             apply_to = function)
#endif
#include <stb/stb_image.h>
#ifdef __clang__
#pragma clang attribute pop
#endif

static_assert(lgc::kMaxImageSide == STBI_MAX_DIMENSIONS, "keep the limits equal");

namespace lgc {
namespace {

const uint8_t kPngMagic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

bool isPng(const uint8_t *d, size_t n) {
  return n >= 8 && std::memcmp(d, kPngMagic, 8) == 0;
}
bool isJpeg(const uint8_t *d, size_t n) {
  return n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF;
}
bool isBmp(const uint8_t *d, size_t n) {
  return n >= 2 && d[0] == 'B' && d[1] == 'M';
}

std::string lower(std::string s) {
  for (char &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

uint32_t le32(const uint8_t *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
uint16_t le16(const uint8_t *p) {
  return static_cast<uint16_t>(p[0] | p[1] << 8);
}

/// The reason an uncompressed BMP is shorter than its pixel rows need, or "".
std::string bmpTruncation(const uint8_t *d, size_t n) {
  if (n < 30) return ""; // too short for stb too: it says so
  uint32_t offset = le32(d + 10);
  uint32_t headerSize = le32(d + 14);
  int64_t width = 0, height = 0;
  unsigned bpp = 0, compression = 0;
  if (headerSize == 12) { // OS/2 BITMAPCOREHEADER
    width = le16(d + 18);
    height = le16(d + 20);
    bpp = le16(d + 24);
  } else {
    if (n < 34) return "";
    width = static_cast<int32_t>(le32(d + 18));
    height = static_cast<int32_t>(le32(d + 22));
    bpp = le16(d + 28);
    compression = le32(d + 30);
  }
  if (compression != 0 && compression != 3) return ""; // stb decides
  if (width <= 0 || width > kMaxImageSide || height == 0 || std::abs(height) > kMaxImageSide ||
      bpp == 0 || bpp > 32)
    return "";
  uint64_t rowBytes = (static_cast<uint64_t>(width) * bpp + 31) / 32 * 4;
  uint64_t need = offset + rowBytes * static_cast<uint64_t>(std::abs(height));
  if (need <= n) return "";
  return "truncated BMP: its pixel rows need " + std::to_string(need) + " bytes, the file has " +
         std::to_string(n);
}

/// True if a PNG holds its whole IEND chunk (stb stops reading at the end of
/// the image data and would accept a file cut inside the last chunk).
bool pngHasEnd(const uint8_t *d, size_t n) {
  static const uint8_t iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
  for (size_t i = n; i >= 8 + sizeof iend; --i)
    if (std::memcmp(d + i - sizeof iend, iend, sizeof iend) == 0) return true;
  return false;
}

/// True if a PNG's first IDAT chunk is empty. stb_image 2.27 copies it with
/// memcpy(NULL, ..., 0), undefined behaviour (found by tests/fuzz); no
/// encoder writes one, so such a file is refused. Chunks are walked as stb
/// walks them: length, type, data, CRC.
bool pngStartsWithEmptyIdat(const uint8_t *d, size_t n) {
  auto be32 = [&](size_t i) {
    return uint64_t(d[i]) << 24 | uint64_t(d[i + 1]) << 16 | uint64_t(d[i + 2]) << 8 | d[i + 3];
  };
  for (uint64_t pos = 8; pos + 8 <= n; pos += 12 + be32(pos))
    if (std::memcmp(d + pos + 4, "IDAT", 4) == 0) return be32(pos) == 0;
  return false;
}

/// True if a JPEG ends with its end-of-image marker (possibly followed by
/// padding or trailing bytes other programs add: searched from the end).
bool jpegHasEnd(const uint8_t *d, size_t n) {
  for (size_t i = n; i >= 4; --i)
    if (d[i - 2] == 0xFF && d[i - 1] == 0xD9) return true;
  return false;
}

/// True for a JPEG marker followed by a segment length (not SOI, EOI, RSTn,
/// TEM, a fill byte or a stuffed 0x00).
bool jpegMarkerHasLength(uint8_t m) {
  return m != 0x00 && m != 0x01 && m != 0xFF && m != 0xD8 && m != 0xD9 && (m < 0xD0 || m > 0xD7);
}

/// True if every Huffman table of every DHT segment defines at most 256 codes.
/// stb_image 2.27 (Debian 12's) does not check that count and writes past its
/// 257-entry tables (found by tests/fuzz). Every 0xFF byte followed by a
/// marker with a length is taken as a segment, inside entropy-coded data too,
/// so that no segment stb could read goes unchecked; a DHT's tables are read
/// as stb reads them (bytes past the end of the file are 0).
bool jpegHuffmanTablesFit(const uint8_t *d, size_t n) {
  auto byte = [&](size_t i) -> unsigned { return i < n ? d[i] : 0; };
  for (size_t pos = 2; pos + 3 < n;) {
    if (d[pos] != 0xFF || !jpegMarkerHasLength(d[pos + 1])) {
      ++pos;
      continue;
    }
    size_t length = byte(pos + 2) << 8 | byte(pos + 3);
    if (d[pos + 1] == 0xC4) {
      size_t table = pos + 4; // after the length; each table: class/id, 16 counts, symbols
      for (int64_t left = static_cast<int64_t>(length) - 2; left > 0;) {
        size_t codes = 0;
        for (size_t i = 1; i <= 16; ++i) codes += byte(table + i);
        if (codes > 256) return false;
        table += 17 + codes;
        left -= static_cast<int64_t>(17 + codes);
      }
    }
    pos += 2 + std::max<size_t>(length, 2);
  }
  return true;
}

std::string errnoText() {
  return std::strerror(errno);
}

} // namespace

bool hasImageSignature(const uint8_t *data, size_t size) {
  return isPng(data, size) || isJpeg(data, size) || isBmp(data, size);
}

TensorFileKind tensorFileKind(const std::string &path) {
  std::string name = lower(path);
  if (endsWith(name, ".npy")) return TensorFileKind::Npy;
  for (const char *ext : {".png", ".jpg", ".jpeg", ".bmp"})
    if (endsWith(name, ext)) return TensorFileKind::Image;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return TensorFileKind::Npy;
  uint8_t head[8] = {};
  ssize_t n = ::read(fd, head, sizeof head);
  ::close(fd);
  if (n > 0 && hasImageSignature(head, static_cast<size_t>(n))) return TensorFileKind::Image;
  return TensorFileKind::Npy;
}

Expected<ImageSize> probeImage(const uint8_t *data, size_t size, const std::string &file) {
  auto fail = [&](const std::string &why) {
    return Error::inFile(file, "cannot decode image: " + why);
  };
  if (!hasImageSignature(data, size))
    return fail("not a PNG, JPEG or BMP file (unknown signature)");
  if (size > static_cast<size_t>(INT32_MAX)) return fail("file too large");
  if (isPng(data, size) && size > 8 && !pngHasEnd(data, size))
    return fail("truncated PNG (no IEND chunk)");
  if (isPng(data, size) && pngStartsWithEmptyIdat(data, size))
    return fail("unsupported PNG (its first IDAT chunk is empty)");
  if (isJpeg(data, size) && !jpegHasEnd(data, size))
    return fail("truncated JPEG (no end-of-image marker)");
  if (isJpeg(data, size) && !jpegHuffmanTablesFit(data, size))
    return fail("corrupt JPEG (a Huffman table with more than 256 codes)");
  if (isBmp(data, size)) {
    std::string why = bmpTruncation(data, size);
    if (!why.empty()) return fail(why);
  }
  ImageSize s;
  if (!stbi_info_from_memory(data, static_cast<int>(size), &s.width, &s.height, &s.channels))
    return fail(stbi_failure_reason());
  if (s.width <= 0 || s.height <= 0) return fail("empty image");
  if (s.width > kMaxImageSide || s.height > kMaxImageSide)
    return fail(std::to_string(s.width) + "x" + std::to_string(s.height) + " is larger than " +
                std::to_string(kMaxImageSide) + "x" + std::to_string(kMaxImageSide));
  return s;
}

Expected<Image> decodeImage(const uint8_t *data, size_t size, const std::string &file) {
  auto fail = [&](const std::string &why) {
    return Error::inFile(file, "cannot decode image: " + why);
  };
  // Size first: nothing is allocated for an image over the limit.
  Expected<ImageSize> probed = probeImage(data, size, file);
  if (!probed) return probed.takeError();
  int w = 0, h = 0, comp = 0;
  const auto *bytes = static_cast<const stbi_uc *>(data);
  int len = static_cast<int>(size);
  stbi_uc *pixels = stbi_load_from_memory(bytes, len, &w, &h, &comp, 0);
  if (!pixels) return fail(stbi_failure_reason());
  struct Free {
    void operator()(stbi_uc *p) const { stbi_image_free(p); }
  };
  std::unique_ptr<stbi_uc, Free> owned(pixels);
  if (w <= 0 || h <= 0 || w > kMaxImageSide || h > kMaxImageSide || comp < 1 || comp > 4)
    return fail("unexpected image layout");

  Image image;
  image.width = w;
  image.height = h;
  image.channels = comp <= 2 ? 1 : 3; // gray+alpha -> gray, RGBA -> RGB
  size_t count = static_cast<size_t>(w) * static_cast<size_t>(h);
  image.pixels.resize(count * static_cast<size_t>(image.channels));
  for (size_t i = 0; i < count; ++i)
    for (int c = 0; c < image.channels; ++c)
      image.pixels[i * static_cast<size_t>(image.channels) + static_cast<size_t>(c)] =
          pixels[i * static_cast<size_t>(comp) + static_cast<size_t>(c)];
  return image;
}

Expected<Image> readImage(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::inFile(path, "cannot open file: " + errnoText());
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return Error::inFile(path, "cannot read file: " + errnoText());
  if (!S_ISREG(st.st_mode)) return Error::inFile(path, "not a regular file");
  // A PNG of the largest size compresses well, but not to more than 1 GiB.
  if (st.st_size > (int64_t(1) << 30))
    return Error::inFile(path, "cannot decode image: file too large");
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::inFile(path, "cannot read file: " + errnoText());
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return decodeImage(bytes.data(), bytes.size(), path);
}

Expected<std::vector<float>> parseChannelValues(const std::string &text, const std::string &what) {
  std::vector<float> values;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    // Trim spaces, so "0.5, 0.5" works when quoted.
    size_t b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
    item = b == std::string::npos ? "" : item.substr(b, e - b + 1);
    const char *begin = item.c_str();
    char *end = nullptr;
    errno = 0;
    float v = item.empty() ? 0.0f : std::strtof(begin, &end);
    if (item.empty() || end != begin + item.size() || errno == ERANGE || !std::isfinite(v))
      return Error::inFile("lgc", what + " '" + text +
                                      "': expected one number or numbers separated by commas, "
                                      "got '" +
                                      item + "'");
    values.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return values;
}

std::vector<float> resizeBilinear(const std::vector<float> &plane, int64_t inH, int64_t inW,
                                  int64_t outH, int64_t outW) {
  // One axis: for each output index, the two source indices and weights.
  struct Tap {
    int64_t i0, i1;
    float l0, l1;
  };
  auto taps = [](int64_t in, int64_t out) {
    std::vector<Tap> t(static_cast<size_t>(out));
    float scale = static_cast<float>(in) / static_cast<float>(out);
    for (int64_t d = 0; d < out; ++d) {
      float src = std::max(0.0f, scale * (static_cast<float>(d) + 0.5f) - 0.5f);
      int64_t i0 = std::min(static_cast<int64_t>(src), in - 1);
      int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
      float l1 = std::min(src - static_cast<float>(i0), 1.0f);
      t[static_cast<size_t>(d)] = {i0, i1, 1.0f - l1, l1};
    }
    return t;
  };
  if (inH == outH && inW == outW) return plane;
  std::vector<Tap> ys = taps(inH, outH), xs = taps(inW, outW);
  std::vector<float> out(static_cast<size_t>(outH * outW));
  auto at = [&](int64_t y, int64_t x) { return plane[static_cast<size_t>(y * inW + x)]; };
  for (int64_t y = 0; y < outH; ++y) {
    const Tap &ty = ys[static_cast<size_t>(y)];
    for (int64_t x = 0; x < outW; ++x) {
      const Tap &tx = xs[static_cast<size_t>(x)];
      out[static_cast<size_t>(y * outW + x)] =
          ty.l0 * (tx.l0 * at(ty.i0, tx.i0) + tx.l1 * at(ty.i0, tx.i1)) +
          ty.l1 * (tx.l0 * at(ty.i1, tx.i0) + tx.l1 * at(ty.i1, tx.i1));
    }
  }
  return out;
}

Expected<Tensor> imageToTensor(const Image &image, const Shape &shape,
                               const ImageNormalization &norm, const std::string &file) {
  if (shape.size() != 4 || (shape[1] != 1 && shape[1] != 3) || shape[0] < 1 || shape[2] < 1 ||
      shape[3] < 1)
    return Error::inFile(file, "an image needs an input of shape [N, 1|3, H, W], this one is " +
                                   formatShape(shape));
  const int64_t channels = shape[1], outH = shape[2], outW = shape[3];
  for (const auto *values : {&norm.mean, &norm.std})
    if (values->size() > 1 && static_cast<int64_t>(values->size()) != channels)
      return Error::inFile(file, std::string(values == &norm.mean ? "--mean" : "--std") + " has " +
                                     std::to_string(values->size()) + " values; the input has " +
                                     std::to_string(channels) + " channels");
  const size_t inCount = static_cast<size_t>(image.width) * static_cast<size_t>(image.height);
  if (image.channels < 1 || image.pixels.size() != inCount * static_cast<size_t>(image.channels))
    return Error::internal("imageToTensor: malformed image");

  Tensor t(shape);
  const size_t outCount = static_cast<size_t>(outH * outW);
  for (int64_t c = 0; c < channels; ++c) {
    // The channel in [0, 1] at the image's size, then resized.
    std::vector<float> plane(inCount);
    for (size_t i = 0; i < inCount; ++i) {
      const uint8_t *px = &image.pixels[i * static_cast<size_t>(image.channels)];
      float v;
      if (image.channels == 3 && channels == 1) // ITU-R BT.601 luma, as PIL's convert("L")
        v = 0.299f * px[0] + 0.587f * px[1] + 0.114f * px[2];
      else if (image.channels == 3)
        v = px[c];
      else
        v = px[0]; // gray, replicated to every channel
      plane[i] = v / 255.0f;
    }
    plane = resizeBilinear(plane, image.height, image.width, outH, outW);
    float mean = norm.mean.empty() ? 0.0f : norm.mean[norm.mean.size() == 1 ? 0 : size_t(c)];
    float stdev = norm.std.empty() ? 1.0f : norm.std[norm.std.size() == 1 ? 0 : size_t(c)];
    for (int64_t n = 0; n < shape[0]; ++n) {
      float *dst = t.data.data() + static_cast<size_t>((n * channels + c)) * outCount;
      for (size_t i = 0; i < outCount; ++i) dst[i] = (plane[i] - mean) / stdev;
    }
  }
  return t;
}

Expected<Tensor> readImageTensor(const std::string &path, const Shape &shape,
                                 const ImageNormalization &norm) {
  Expected<Image> image = readImage(path);
  if (!image) return image.takeError();
  return imageToTensor(*image, shape, norm, path);
}

} // namespace lgc
