//===- tests/fuzz/FuzzImage.cpp - PNG, JPEG and BMP inputs ----------------===//
//
// libFuzzer target: the bytes are an image file. It is decoded from memory
// and converted to input tensors of two shapes (gray and RGB, shrunk and
// enlarged), as `lgc run --input image.png` does. Failures must be user
// errors. Images over 2^22 pixels are only probed (probeImage: checks and
// header): decoding one of the 16384x16384 images lgc accepts takes seconds
// and a gigabyte under AddressSanitizer, which would only slow the fuzzer.
//
//===----------------------------------------------------------------------===//
#include "runtime/Image.h"
#include "tests/fuzz/FuzzSupport.h"

using namespace lgc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Expected<ImageSize> probed = probeImage(data, size, "fuzz.png");
  if (!probed) {
    fuzz::expectUserError(probed.error(), "probeImage");
    return 0;
  }
  if (int64_t(probed->width) * probed->height > (int64_t(1) << 22)) return 0;
  Expected<Image> image = decodeImage(data, size, "fuzz.png");
  if (!image) {
    fuzz::expectUserError(image.error(), "decodeImage");
    return 0;
  }
  const ImageNormalization norm{{0.5f}, {0.25f}};
  for (const Shape &shape : {Shape{1, 1, 5, 7}, Shape{2, 3, 33, 17}}) {
    Expected<Tensor> t = imageToTensor(*image, shape, norm, "fuzz.png");
    if (!t)
      fuzz::expectUserError(t.error(), "imageToTensor");
    else if (t->shape != shape || numElements(shape) != t->size())
      std::abort();
  }
  return 0;
}
