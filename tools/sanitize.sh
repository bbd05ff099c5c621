#!/usr/bin/env bash
# CI's second stage (.ci/run runs it after tools/test.sh): builds all of lgc
# with clang-14 under AddressSanitizer and UndefinedBehaviorSanitizer, with
# the libFuzzer targets of tests/fuzz, runs the ctest suite under the
# sanitizers, then fuzzes each target for a fixed time from its committed
# seeds and regression inputs. Any sanitizer report fails the stage.
#
#   bash tools/sanitize.sh [BUILD_DIR]      (default: build-san)
#
# Environment (defaults are what CI runs, about 10 minutes on 2 idle cores):
#   LGC_FUZZ_SECONDS=N   fuzzing time per target (default 20; 0 skips fuzzing)
#   LGC_SWEEP_SCALE=X    size of the differential sweeps (default here 0.25:
#                        the full sweeps run in tools/test.sh; under the
#                        sanitizers a quarter covers every family and takes
#                        a quarter of the time)
#
# Code that LLVM's JIT compiles is not instrumented; everything else is
# (system libraries such as libLLVM and yaml-cpp are not either).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build-san}
fuzz_seconds=${LGC_FUZZ_SECONDS:-20}
export LGC_SWEEP_SCALE=${LGC_SWEEP_SCALE:-0.25}

bash tools/setup.sh
start=$SECONDS

# 1. Build: -O1 keeps asserts and usable stacks at a bearable speed.
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_C_FLAGS="$san" -DCMAKE_CXX_FLAGS="$san" \
  -DCMAKE_EXE_LINKER_FLAGS="$san" -DCMAKE_SHARED_LINKER_FLAGS="$san" \
  -DLGC_WERROR=ON -DLGC_FUZZ=ON
cmake --build "$build"
echo "sanitize: built in $((SECONDS - start)) s"

# 2. The suite. A sanitizer report aborts (a signal, never exit status 1, so
# that `not lgc ...` in the golden tests cannot mistake one for a user error).
# torchvision is left to tools/test.sh: it runs two large networks through the
# same code as the e2e tests and alone would take several minutes here. So
# are aot_objects and aot_install: they link this build's (instrumented)
# runtime library into programs built with plain cc, as users do.
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$root/tests/fuzz/lsan.supp:print_suppressions=0
step=$SECONDS
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" -E '^(torchvision|aot_objects|aot_install)$'
echo "sanitize: test suite in $((SECONDS - step)) s"

# 3. Fuzzing: new inputs go to a scratch corpus; the committed ones are read
# only. Fresh heap memory is filled with 0xff, so that reads of it show. A
# finding is written to $build/fuzz-NAME-crash-* (see tests/fuzz/README.md).
if [ "$fuzz_seconds" -gt 0 ]; then
  step=$SECONDS
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  for name in model check npy safetensors image; do
    seeds=$name
    [ "$name" = check ] && seeds=model
    mkdir -p "$scratch/$name"
    echo "sanitize: fuzzing $name for $fuzz_seconds s"
    status=0
    ASAN_OPTIONS=$ASAN_OPTIONS:max_malloc_fill_size=1048576:malloc_fill_byte=255 \
      "$build/tests/fuzz/lgc_fuzz_$name" -max_total_time="$fuzz_seconds" -timeout=10 \
      -rss_limit_mb=3072 -print_final_stats=1 -artifact_prefix="$build/fuzz-$name-" \
      "$scratch/$name" "tests/fuzz/corpus/$seeds" "tests/fuzz/regressions/$name" \
      >"$scratch/$name.log" 2>&1 || status=$?
    grep -E '^(stat::number_of_executed_units|INFO: seed corpus|Done)' "$scratch/$name.log" || true
    if [ "$status" -ne 0 ]; then
      tail -n 60 "$scratch/$name.log" >&2
      echo "sanitize: fuzz target $name found a problem (exit status $status)" >&2
      exit 1
    fi
  done
  echo "sanitize: fuzzing in $((SECONDS - step)) s"
fi
echo "sanitize: all done in $((SECONDS - start)) s"
