#!/bin/sh
# fuzz/run.sh SECONDS [TARGET...]: the long fuzz run.
#
# Builds nothing: runs each target (all by default) of a clang libFuzzer
# build for SECONDS, one job and one worker each, under nice. The corpus of
# each target grows across runs under BUILD/fuzz/long-runs/<target>/corpus
# (seeded from the generated corpus), never in the source tree. Prints per
# target: executions, executions/second, libFuzzer's cov: and ft:, corpus
# size and any crash, leak, timeout or OOM file.
#
# BUILD is $SSLPP_FUZZ_BUILD, default the build-fuzz directory beside fuzz/.
set -eu
if [ $# -lt 1 ]; then
  echo "usage: $0 SECONDS [TARGET...]" >&2
  exit 2
fi
seconds=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
build=${SSLPP_FUZZ_BUILD:-$here/../build-fuzz}
targets=${*:-client_handshake server_handshake records certificate credentials match_hostname cert_time api_sequence}

printf '%-18s %6s %10s %7s %6s %7s %7s  %s\n' target secs execs exec/s cov ft corpus findings
status=0
for t in $targets; do
  bin=$build/fuzz/fuzz_$t
  if [ ! -x "$bin" ]; then
    echo "$bin missing: configure with clang and -DSSLPP_FUZZ_ENGINE=libfuzzer, then build" >&2
    exit 2
  fi
  seeds=$build/fuzz/corpus/$t
  [ -d "$seeds" ] || "$build/fuzz/sslpp_fuzz_corpus" --target "$t" --out "$seeds" >/dev/null
  work=$build/fuzz/long-runs/$t
  mkdir -p "$work/corpus" "$work/artifacts"
  # One run per target at a time: two would share the corpus and the log.
  if ! mkdir "$work/running" 2>/dev/null; then
    echo "$t: another run uses $work (remove $work/running if none does)" >&2
    status=1
    continue
  fi
  cp -R -n "$seeds/." "$work/corpus/"
  rm -f "$work/fuzz-0.log"
  (cd "$work" && nice -n 15 "$bin" -max_total_time="$seconds" -jobs=1 -workers=1 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" corpus >"$work/run.log" 2>&1) || status=1
  rmdir "$work/running"
  log=$work/fuzz-0.log
  [ -f "$log" ] || log=$work/run.log
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  corpus=$(find "$work/corpus" -type f | wc -l)
  findings=$(find "$work/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | tr '\n' ' ')
  printf '%-18s %6s %10s %7s %6s %7s %7s  %s\n' "$t" "$seconds" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "$corpus" "${findings:-none}"
done
exit $status
