//===- tests/fuzz/FuzzNpy.cpp - .npy files --------------------------------===//
//
// libFuzzer target: the bytes are a .npy file. Reading it must give a tensor
// whose data matches its shape, or a user error; a tensor read is written
// back and read again, and must come back the same.
//
//===----------------------------------------------------------------------===//
#include "runtime/Npy.h"
#include "tests/fuzz/FuzzSupport.h"

#include <cstring>

using namespace lgc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const fuzz::InputFile in(".npy"), out(".out.npy");
  in.write(data, size);
  Expected<Tensor> t = readNpy(in.path());
  if (!t) {
    fuzz::expectUserError(t.error(), "readNpy");
    return 0;
  }
  if (numElements(t->shape) != t->size()) std::abort();
  fuzz::expectSuccess(writeNpy(out.path(), *t), "writeNpy");
  Expected<Tensor> back = readNpy(out.path());
  if (!back || back->shape != t->shape || back->size() != t->size() ||
      (t->size() > 0 &&
       std::memcmp(back->data.data(), t->data.data(), t->data.size() * sizeof(float)) != 0))
    std::abort();
  return 0;
}
