#!/bin/sh
# render_all.sh MODEL.yaml...: renders each model's `lgc dump --emit=dot` with
# Graphviz's `dot -Tsvg` and fails on any error from either. Without Graphviz
# installed (Debian's graphviz package is optional) it says so and succeeds.
if ! command -v dot >/dev/null 2>&1; then
  echo "render_all.sh: skipped: Graphviz 'dot' is not installed"
  exit 0
fi
status=0
for model in "$@"; do
  if ! lgc dump "$model" --emit=dot >"${TMPDIR:-/tmp}/render_all.$$.dot"; then
    echo "render_all.sh: lgc dump --emit=dot failed on $model" >&2
    status=1
    continue
  fi
  if ! dot -Tsvg "${TMPDIR:-/tmp}/render_all.$$.dot" -o /dev/null 2>"${TMPDIR:-/tmp}/render_all.$$.err" ||
     [ -s "${TMPDIR:-/tmp}/render_all.$$.err" ]; then
    echo "render_all.sh: dot failed on $model:" >&2
    cat "${TMPDIR:-/tmp}/render_all.$$.err" >&2
    status=1
  else
    echo "rendered $(basename "$model")"
  fi
done
rm -f "${TMPDIR:-/tmp}/render_all.$$.dot" "${TMPDIR:-/tmp}/render_all.$$.err"
exit $status
