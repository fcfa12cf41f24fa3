#!/bin/sh
# fuzz_for.sh BINARY SEED_CORPUS WORK_DIR SECONDS
# Runs a libFuzzer binary for SECONDS over a fresh copy of SEED_CORPUS made
# in WORK_DIR (the seeds are never modified); crash files land in WORK_DIR.
set -eu
binary=$1 seeds=$2 work=$3 seconds=$4
rm -rf "$work"
mkdir -p "$work/corpus"
cp -R "$seeds/." "$work/corpus/"
cd "$work"
exec "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus"
