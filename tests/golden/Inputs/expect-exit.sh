#!/bin/sh
# expect-exit.sh STATUS COMMAND [ARG]...
# Runs COMMAND (its output passes through) and succeeds only if it exits with
# exactly STATUS. lit's internal shell has no `$?`; `not` only checks non-zero.
want=$1
shift
"$@"
got=$?
if [ "$got" -ne "$want" ]; then
  echo "expect-exit.sh: '$*' exited with $got, expected $want" >&2
  exit 1
fi
exit 0
