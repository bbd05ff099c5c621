#!/usr/bin/env bash
# Runs every model in models/ through two lgc builds and checks that their
# outputs are bit-identical: the check that a refactoring changed no result.
# Seeded weights and inputs (--seed 0), each --layout, 2 threads, no cache.
#
#   tests/zoo/same_outputs.sh OLD_LGC NEW_LGC [MODEL.yaml...]   (default: models/*.yaml)
#
# Prints one line per model and layout; exits 1 if any output differs.
set -euo pipefail
# Paths as the caller gave them, made absolute before moving to the root.
absolute() { case $1 in /*) echo "$1" ;; */*) echo "$PWD/$1" ;; *) command -v "$1" ;; esac; }
old=$(absolute "$1") new=$(absolute "$2")
shift 2
models=()
for m in "$@"; do models+=("$(absolute "$m")"); done
cd "$(dirname "$0")/../.."
[ ${#models[@]} -gt 0 ] || models=(models/*.yaml)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for model in "${models[@]}"; do
  name=$(basename "$model" .yaml)
  outputs=$("$old" check "$model" | sed -n 's/^output \([^ ]*\) .*/\1/p')
  for layout in auto nchw blocked; do
    for build in old new; do
      args=()
      for o in $outputs; do args+=(--output "$o=$work/$build.$o.npy"); done
      "${!build}" run "$model" --no-cache --threads 2 --layout "$layout" "${args[@]}" >/dev/null
    done
    same=yes
    for o in $outputs; do cmp -s "$work/old.$o.npy" "$work/new.$o.npy" || same=no; done
    echo "$name --layout $layout: outputs $( [ $same = yes ] && echo identical || echo DIFFER)"
    [ $same = yes ] || status=1
  done
done
exit $status
