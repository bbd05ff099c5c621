// Two compiled models linked into one C++ program, each run from its own
// thread at the same time (SPEC §7: several objects may run at once). Each
// thread's outputs must equal what the same model gives when run alone.
#include "digits.h"
#include "lenet5.h"

#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace {

std::vector<float> input(size_t n, unsigned seed) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = float(seed >> 8) / 8388608.0f - 1.0f;
  }
  return v;
}

template <typename Model, typename Create, typename Run, typename Destroy>
bool runMany(Create create, Run run, Destroy destroy, size_t inSize, size_t outSize,
             const char *weights, int rounds, std::vector<float> &first) {
  char err[256];
  Model *m = create(weights, 1, err, sizeof err);
  if (!m) return std::fprintf(stderr, "%s\n", err), false;
  std::vector<float> in = input(inSize, 7), out(outSize);
  bool same = true;
  for (int r = 0; r < rounds; ++r) {
    if (run(m, in.data(), out.data()) != 0) same = false;
    if (r == 0) first = out;
    same = same && std::memcmp(first.data(), out.data(), outSize * sizeof(float)) == 0;
  }
  destroy(m);
  return same;
}

} // namespace

int main(int argc, char **argv) {
  const char *digitsWeights = argc > 1 ? argv[1] : nullptr;
  std::vector<float> lenetAlone, digitsAlone, lenetBusy, digitsBusy;
  bool ok = runMany<lenet5_model>(lenet5_create, lenet5_run, lenet5_destroy, LENET5_IMAGE_SIZE,
                                  LENET5_FC3_SIZE, nullptr, 1, lenetAlone) &&
            runMany<digits_model>(digits_create, digits_run, digits_destroy, DIGITS_IMAGE_SIZE,
                                  DIGITS_SOFTMAX_SIZE, digitsWeights, 1, digitsAlone);
  bool a = false, b = false;
  std::thread t1([&] {
    a = runMany<lenet5_model>(lenet5_create, lenet5_run, lenet5_destroy, LENET5_IMAGE_SIZE,
                              LENET5_FC3_SIZE, nullptr, 200, lenetBusy);
  });
  std::thread t2([&] {
    b = runMany<digits_model>(digits_create, digits_run, digits_destroy, DIGITS_IMAGE_SIZE,
                              DIGITS_SOFTMAX_SIZE, digitsWeights, 200, digitsBusy);
  });
  t1.join();
  t2.join();
  ok = ok && a && b && lenetBusy == lenetAlone && digitsBusy == digitsAlone;
  std::printf("two models in two threads: %s\n", ok ? "same outputs as alone" : "MISMATCH");
  return ok ? 0 : 1;
}
