#!/usr/bin/env bash
# Sets up, builds (warnings are errors) and runs the whole test suite: the
# README's test command, and what CI runs.
#
#   bash tools/test.sh [BUILD_DIR]      (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}

bash tools/setup.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLGC_WERROR=ON
cmake --build "$build"
# lgc run keeps compiled code in $XDG_CACHE_HOME/lgc: the build's, not the user's.
export XDG_CACHE_HOME="$PWD/$build/cache"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
