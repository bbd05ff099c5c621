/* run_model.c: runs a model compiled ahead of time by `lgc compile`.
 *
 * Build it for one model (single input, single output) by naming the model,
 * its header, and the stems of its input's and output's macros:
 *
 *   lgc compile models/digits.yaml -o digits.o
 *   cc -O2 -I. -DMODEL=digits -DHEADER='"digits.h"' -DIN=DIGITS_IMAGE \
 *      -DOUT=DIGITS_FC2 run_model.c digits.o $(lgc config --libs) -o run_digits
 *   ./run_digits --weights models/digits.safetensors --input x.npy
 *
 * It reads the input from a .npy file (float32, C order, the input's
 * number of elements), runs the model once and prints the top-5 output
 * indices and values. With --expect FILE.npy it compares the output with
 * that file (e.g. from `lgc run --output`) and exits 1 when they differ by
 * more than 1e-4 * max(1, max|expected|) (SPEC §5).
 *
 * Options: --weights FILE (default: embedded weights, else the seeded
 * defaults), --threads N (default: all cores), --input FILE.npy (default:
 * a fixed pseudo-random input), --save-input FILE.npy (write the input used,
 * with the input's shape, to give `lgc run --input`), --expect FILE.npy,
 * --output FILE.npy (the output as a flat float32 array).
 */
#include HEADER

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(MODEL, name)
#define IN_SIZE CAT(IN, _SIZE)
#define OUT_SIZE CAT(OUT, _SIZE)

/* Reads `n` float32 values from a .npy file (v1-v3 header, little endian). */
static int read_npy(const char *path, float *out, size_t n) {
  FILE *f = fopen(path, "rb");
  unsigned char pre[10];
  if (!f) return fprintf(stderr, "%s: cannot open\n", path), -1;
  if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
    fclose(f);
    return fprintf(stderr, "%s: not a .npy file\n", path), -1;
  }
  size_t header = pre[8] | (size_t)pre[9] << 8;
  if (pre[6] >= 2) { /* 4-byte header length: two more bytes */
    unsigned char more[2];
    if (fread(more, 1, 2, f) != 2) return fclose(f), -1;
    header |= (size_t)more[0] << 16 | (size_t)more[1] << 24;
  }
  char *text = malloc(header + 1);
  int ok = text && fread(text, 1, header, f) == header;
  if (ok) text[header] = 0;
  ok = ok && strstr(text, "'<f4'") && strstr(text, "'fortran_order': False");
  free(text);
  ok = ok && fread(out, sizeof(float), n, f) == n && fgetc(f) == EOF;
  fclose(f);
  if (!ok) fprintf(stderr, "%s: expected %zu float32 values in C order\n", path, n);
  return ok ? 0 : -1;
}

/* Writes `n` float32 values with the shape `dims` (`rank` of them). */
static int write_npy(const char *path, const float *v, size_t n, const long *dims, int rank) {
  char shape[96] = "", header[160];
  for (int i = 0; i < rank; ++i)
    snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%ld,%s", dims[i],
             i + 1 < rank ? " " : "");
  int len = snprintf(header, sizeof header,
                     "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", shape);
  int pad = 64 - (10 + len + 1) % 64;
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  unsigned short total = (unsigned short)(len + pad + 1);
  fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  fputc(total & 0xff, f);
  fputc(total >> 8, f);
  fwrite(header, 1, (size_t)len, f);
  for (int i = 0; i < pad; ++i) fputc(' ', f);
  fputc('\n', f);
  fwrite(v, sizeof(float), n, f);
  return fclose(f);
}

int main(int argc, char **argv) {
  const char *weights = NULL, *input = NULL, *save = NULL, *expect = NULL, *output = NULL;
  int threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--weights")) weights = argv[i + 1];
    else if (!strcmp(argv[i], "--input")) input = argv[i + 1];
    else if (!strcmp(argv[i], "--save-input")) save = argv[i + 1];
    else if (!strcmp(argv[i], "--expect")) expect = argv[i + 1];
    else if (!strcmp(argv[i], "--output")) output = argv[i + 1];
    else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
    else return fprintf(stderr, "unknown option %s\n", argv[i]), 2;
  }
  static float in[IN_SIZE], out[OUT_SIZE], want[OUT_SIZE];
  if (input && read_npy(input, in, IN_SIZE) != 0) return 1;
  uint32_t state = 12345; /* else a fixed input in [-1, 1) */
  for (size_t i = 0; !input && i < IN_SIZE; ++i) {
    state = state * 1664525u + 1013904223u;
    in[i] = (float)(state >> 8) / 8388608.0f - 1.0f;
  }
  const long in_shape[] = CAT(IN, _SHAPE), out_size[] = {OUT_SIZE};
  if (save && write_npy(save, in, IN_SIZE, in_shape, CAT(IN, _RANK)) != 0)
    return fprintf(stderr, "%s: cannot write\n", save), 1;

  char err[512];
  FN(_model) *m = FN(_create)(weights, threads, err, sizeof err);
  if (!m) return fprintf(stderr, "%s\n", err), 1;
  int status = FN(_run)(m, in, out);
  FN(_destroy)(m);
  if (status != 0) return fprintf(stderr, "run failed: %d\n", status), 1;

  int order[5], k = OUT_SIZE < 5 ? OUT_SIZE : 5;
  for (int r = 0; r < k; ++r) {
    int best = -1;
    for (int i = 0; i < OUT_SIZE; ++i) {
      int taken = 0;
      for (int j = 0; j < r; ++j) taken |= order[j] == i;
      if (!taken && (best < 0 || out[i] > out[best])) best = i;
    }
    order[r] = best;
    printf("top-%d: %d (%.6g)\n", r + 1, best, out[best]);
  }
  if (output && write_npy(output, out, OUT_SIZE, out_size, 1) != 0)
    return fprintf(stderr, "%s: cannot write\n", output), 1;
  if (!expect) return 0;
  if (read_npy(expect, want, OUT_SIZE) != 0) return 1;
  float peak = 1, worst = 0;
  for (int i = 0; i < OUT_SIZE; ++i) {
    if (fabsf(want[i]) > peak) peak = fabsf(want[i]);
    if (fabsf(out[i] - want[i]) > worst) worst = fabsf(out[i] - want[i]);
  }
  printf("max |diff| vs %s: %g%s\n", expect, worst,
         memcmp(out, want, sizeof out) == 0 ? " (identical)" : "");
  return worst <= 1e-4f * peak ? 0 : 1;
}
