#!/usr/bin/env bash
# Installs the Debian 12 packages lgc needs to build and test, only those
# missing (apt-get update first). Run as root, or with sudo available.
#
#   bash tools/setup.sh
set -euo pipefail

packages=(
  cmake ninja-build g++              # the build
  llvm-16-dev libzstd-dev            # LLVM (its CMake config needs libzstd-dev)
  llvm-16-tools python3              # FileCheck, not and lit for golden tests
  libyaml-cpp-dev                    # model files
  nlohmann-json3-dev                 # safetensors headers
  libcli11-dev                       # the lgc command line
  libstb-dev                         # stb_image: PNG/JPEG/BMP inputs
  libgtest-dev                       # unit tests
  clang-14 libclang-rt-14-dev        # sanitizer build and fuzz targets (tools/sanitize.sh)
)
# Optional, not installed here: graphviz (the golden tests render every model's
# `lgc dump --emit=dot` when `dot` is on PATH, and say they skipped it when not).

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
