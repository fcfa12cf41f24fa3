#!/bin/sh
# check_determinism.sh GENERATOR WORK_DIR
# Generates every seed corpus twice, in two processes, and fails unless the
# two trees are byte-identical: the harness's randomness and time are fixed.
set -eu
generator=$1 work=$2
rm -rf "$work"
"$generator" --all --out "$work/a" >/dev/null
sleep 1  # a different second: time() must not leak into the output either
"$generator" --all --out "$work/b" >/dev/null
diff -r "$work/a" "$work/b"
echo "identical: $(find "$work/a" -type f | wc -l) files"
