#!/usr/bin/env bash
# Ahead-of-time compilation end to end (issue 6, SPEC §7): models compiled by
# `lgc compile`, linked with `cc`/`c++ ... $(lgc config --libs)` into
# examples/aot/run_model.c and tests/aot/two_models.cpp, give the same
# outputs as `lgc run` on the same input.
#
#   aot_test.sh LGC SOURCE_DIR WORK_DIR
set -euo pipefail
lgc=$1 src=$2 work=$3
models=$src/models
rm -rf "$work" && mkdir -p "$work" && cd "$work"
export XDG_CACHE_HOME=$work/cache
libs=$("$lgc" config --libs)
fail() { echo "FAIL: $*" >&2; exit 1; }

# build NAME MODEL IN OUT [lgc compile flags...]: NAME.o, NAME.h, run_NAME.
build() {
  local name=$1 model=$2 in=$3 out=$4
  shift 4
  "$lgc" compile "$model" -o "$name.o" "$@"
  cc -std=c11 -O2 -Wall -Wextra -Werror -I. -DMODEL="$(sed -n 's/^typedef struct \(.*\)_model .*/\1/p' "$name.h")" \
    -DHEADER="\"$name.h\"" -DIN="$in" -DOUT="$out" "$src/examples/aot/run_model.c" "$name.o" \
    $libs -o "run_$name"
}

# same NAME MODEL [lgc run flags...]: run_NAME and lgc run agree on one input.
same() {
  local name=$1 model=$2
  shift 2
  local aot_flags=()
  [[ ${1:-} == --weights ]] && aot_flags=(--weights "$2")
  "./run_$name" "${aot_flags[@]}" --save-input "$name.in.npy" >/dev/null
  "$lgc" run "$model" "$@" --input "$name.in.npy" --output "$name.want.npy" >/dev/null
  "./run_$name" "${aot_flags[@]}" --input "$name.in.npy" --expect "$name.want.npy" | tail -1
}

echo "== LeNet-5, seeded weights (weights_path NULL)"
build lenet5 "$models/lenet5.yaml" LENET5_IMAGE LENET5_FC3
same lenet5 "$models/lenet5.yaml"

echo "== digits, shipped weights read at create time"
build digits "$models/digits.yaml" DIGITS_IMAGE DIGITS_SOFTMAX
same digits "$models/digits.yaml" --weights "$models/digits.safetensors"

echo "== digits, weights embedded in the object"
build digits_emb "$models/digits.yaml" DIGITS_IMAGE DIGITS_SOFTMAX \
  --weights "$models/digits.safetensors" --embed-weights
"./run_digits_emb" --input digits.in.npy --expect digits.want.npy | tail -1

echo "== digits for an AVX2-only CPU (--target-cpu haswell), and without AVX-512 (--mattr)"
build digits_avx2 "$models/digits.yaml" DIGITS_IMAGE DIGITS_SOFTMAX --target-cpu haswell
./run_digits_avx2 --weights "$models/digits.safetensors" --input digits.in.npy \
  --expect digits.want.npy | tail -1
build lenet5_noavx512 "$models/lenet5.yaml" LENET5_IMAGE LENET5_FC3 --mattr=-avx512f
./run_lenet5_noavx512 --input lenet5.in.npy --expect lenet5.want.npy | tail -1

echo "== ResNet-18 (batch 2), seeded weights"
build resnet18 "$models/resnet18.yaml" RESNET18_IMAGE RESNET18_FC --batch 2
same resnet18 "$models/resnet18.yaml" --batch 2

echo "== a wrong weights file: create returns NULL with the message"
for bad in "$models/lenet5.yaml" "$work/missing.safetensors"; do
  if ./run_digits --weights "$bad" >out.txt 2>err.txt; then fail "accepted $bad"; fi
  grep -q "error:" err.txt || fail "no message for $bad: $(cat err.txt)"
  echo "rejected $(basename "$bad"): $(head -1 err.txt)"
done

echo "== two models linked into one C++ program, running at once in two threads"
c++ -std=c++17 -O2 -Wall -Wextra -Werror -I. "$src/tests/aot/two_models.cpp" lenet5.o digits.o \
  $libs -o two_models
./two_models "$models/digits.safetensors"
echo "PASS"
