#!/usr/bin/env bash
# Installs the optional peer engines that tools/peers/bench_peers.py compares lgc with,
# beside PyTorch (Debian's python3-torch, which this script does not install):
#
#   ONNX Runtime  npm package onnxruntime-node (its CPU libraries ship in the
#                 package; --ignore-scripts skips the CUDA download), installed into
#                 PEERS_DIR/node_modules (default build/peers, git-ignored)
#   oneDNN        Debian's libdnnl-dev (2.6), with apt-get, only when
#                 /usr/include/dnnl.hpp is missing; needs root or sudo
#
#   bash tools/peers/install_peers.sh [--peers-dir DIR] [--ort-version V] [--no-ort] [--no-dnnl]
#
# --ort-version pins the npm package (default: the latest; the harness prints the
# version it ran).
#
# The harness finds them by itself (--peers-dir there too, when not the default)
# and skips, with a note, any that are missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
peers_dir="${LGC_PEERS_DIR:-$root/build/peers}"
want_ort=1
want_dnnl=1
ort_pkg=onnxruntime-node
while [ $# -gt 0 ]; do
  case "$1" in
    --peers-dir) peers_dir="$2"; shift 2 ;;
    --peers-dir=*) peers_dir="${1#*=}"; shift ;;
    --ort-version) ort_pkg="onnxruntime-node@$2"; shift 2 ;;
    --ort-version=*) ort_pkg="onnxruntime-node@${1#*=}"; shift ;;
    --no-ort) want_ort=0; shift ;;
    --no-dnnl) want_dnnl=0; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install_peers: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$want_dnnl" = 1 ]; then
  if [ -f /usr/include/dnnl.hpp ]; then
    echo "install_peers: oneDNN present (/usr/include/dnnl.hpp)"
  else
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null || { echo "install_peers: need root (or sudo) to install libdnnl-dev" >&2; exit 1; }
      sudo="sudo"
    fi
    echo "install_peers: installing libdnnl-dev"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q libdnnl-dev
  fi
fi

if [ "$want_ort" = 1 ]; then
  command -v npm >/dev/null || { echo "install_peers: npm not found (apt-get install nodejs npm)" >&2; exit 1; }
  mkdir -p "$peers_dir"
  if [ ! -f "$peers_dir/package.json" ]; then
    printf '{\n  "name": "lgc-bench-peers",\n  "private": true\n}\n' > "$peers_dir/package.json"
  fi
  echo "install_peers: npm install --ignore-scripts $ort_pkg in $peers_dir"
  (cd "$peers_dir" && npm install --ignore-scripts --no-audit --no-fund "$ort_pkg")
  node -e "const o = require(process.argv[1]); console.log('install_peers: onnxruntime-node', o.env.versions ? o.env.versions.node || '' : '')" \
    "$peers_dir/node_modules/onnxruntime-node" || {
    echo "install_peers: onnxruntime-node installed but does not load" >&2; exit 1; }
fi
