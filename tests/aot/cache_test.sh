#!/usr/bin/env bash
# The on-disk JIT cache (issue 6): the second run of an unchanged model loads
# its code from the cache; a changed model misses; a corrupt entry is ignored
# and rebuilt; --no-cache neither reads nor writes; two processes compiling
# the same model at once both succeed.
#
#   cache_test.sh LGC SOURCE_DIR WORK_DIR
set -euo pipefail
lgc=$1 src=$2 work=$3
model=$src/models/lenet5.yaml
rm -rf "$work" && mkdir -p "$work" && cd "$work"
export XDG_CACHE_HOME=$work/cache
fail() { echo "FAIL: $*" >&2; exit 1; }
entries() { find cache/lgc -name '*.lgc' 2>/dev/null | wc -l; }
# cached FLAGS...: prints the "cached" field of lgc bench --json.
cached() { "$lgc" bench "$model" --json --repeat 1 "$@" | grep -o '"cached":[a-z]*' | cut -d: -f2; }

[[ $(cached --no-cache) == false && $(entries) == 0 ]] || fail "--no-cache wrote an entry"
[[ $(cached) == false ]] || fail "first run hit an empty cache"
[[ $(entries) == 1 ]] || fail "first run stored $(entries) entries"
[[ $(cached) == true ]] || fail "second run missed"
[[ $(cached --no-cache) == false ]] || fail "--no-cache read the cache"
echo "second run hits; --no-cache bypasses"

[[ $(cached --batch 3) == false && $(entries) == 2 ]] || fail "a changed model hit"
echo "changed model (batch 3) misses and adds an entry"

"$lgc" run "$model" --no-cache --output want.npy >/dev/null
entry=$(ls -t cache/lgc/*.lgc | tail -1) # the batch-1 entry
for corrupt in truncate flip garbage; do
  case $corrupt in
  truncate) head -c 100 "$entry" >x && mv x "$entry" ;;
  flip) printf '\xff' | dd of="$entry" bs=1 seek=$(( $(stat -c %s "$entry") - 10 )) conv=notrunc 2>/dev/null ;;
  garbage) echo "not a cache entry" >"$entry" ;;
  esac
  [[ $(cached) == false ]] || fail "used a $corrupt entry"
  "$lgc" run "$model" --output got.npy >/dev/null
  cmp -s got.npy want.npy || fail "wrong output after a $corrupt entry"
  [[ $(cached) == true ]] || fail "the $corrupt entry was not rebuilt"
  # Flip again for the next round (the rebuilt entry is intact).
done
echo "truncated, bit-flipped and foreign entries are ignored and rebuilt"

rm -rf cache
pids=()
for i in 1 2 3; do "$lgc" run "$model" --output "par$i.npy" >"par$i.txt" 2>&1 & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent compile failed"; done
for i in 2 3; do cmp -s par1.npy "par$i.npy" || fail "concurrent outputs differ"; done
[[ $(entries) == 1 && $(cached) == true ]] || fail "concurrent writers left $(entries) entries"
ls cache/lgc | grep -q tmp && fail "a temporary file was left behind"
echo "three processes compiling at once: all succeed, one intact entry"
echo "PASS"
