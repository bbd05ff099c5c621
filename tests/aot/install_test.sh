#!/usr/bin/env bash
# `cmake --install` gives a usable lgc (issue 6): the installed lgc's
# `config` points at the installed runtime, pkg-config agrees with it, and the
# example project (examples/aot) builds against the installed CMake package
# and classifies a shipped digit the same way `lgc run` does.
#
#   install_test.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
prefix=$work/prefix
export XDG_CACHE_HOME=$work/cache
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null
lgc=$prefix/bin/lgc
[[ $("$lgc" config --libs) == "-L$prefix/lib -llgc_runtime -lstdc++ -lm -pthread" ]] ||
  fail "lgc config --libs: $("$lgc" config --libs)"
[[ $("$lgc" config --cflags) == "-I$prefix/include/lgc" ]] || fail "lgc config --cflags"
if command -v pkg-config >/dev/null; then
  pc=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --define-prefix --libs lgc)
  [[ $pc == *"-L$prefix/lib -llgc_runtime"* ]] || fail "pkg-config --libs lgc: $pc"
fi
echo "installed: lgc config and lgc.pc point at $prefix"

cmake -S "$src/examples/aot" -B "$work/example" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/example" >/dev/null
for digit in 3 7; do
  sample=$src/models/digits_samples/digit_$digit.npy
  "$lgc" run "$src/models/digits.yaml" --weights "$src/models/digits.safetensors" \
    --input "$sample" --output "$work/want.npy" >/dev/null
  "$work/example/run_digits" --input "$sample" --expect "$work/want.npy" >"$work/out.txt"
  grep -q "^top-1: $digit " "$work/out.txt" || fail "digit $digit: $(head -1 "$work/out.txt")"
  echo "digit_$digit.npy: $(head -1 "$work/out.txt"); $(tail -1 "$work/out.txt")"
done
echo "PASS"
