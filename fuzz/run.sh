#!/bin/sh
# fuzz/run.sh [--total] SECONDS [TARGET...]: the long fuzz run.
#
# Builds nothing: runs each target (all by default) of a clang libFuzzer
# build, one process each, under nice, until it has used SECONDS of CPU time
# (user + system, its own and its leak checks', read from /proc), not wall time: on a shared machine a
# wall-clock budget says little about how much fuzzing happened. With
# --total, SECONDS is the target's total over all runs so far: a target
# that has had it is skipped, one that has not is topped up.
#
# The corpus of each target grows across runs under
# BUILD/fuzz/long-runs/<target>/corpus (seeded from the generated corpus),
# never in the source tree, and BUILD/fuzz/long-runs/<target>/cpu-seconds
# keeps the running total. Prints per target: CPU seconds this run and in
# total, executions, executions per CPU second, libFuzzer's cov: and ft:,
# corpus size and any crash, leak, timeout or OOM file.
#
# BUILD is $SSLPP_FUZZ_BUILD, default the build-fuzz directory beside fuzz/.
set -eu
total_mode=no
if [ "${1:-}" = "--total" ]; then
  total_mode=yes
  shift
fi
if [ $# -lt 1 ]; then
  echo "usage: $0 [--total] SECONDS [TARGET...]" >&2
  exit 2
fi
seconds=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
build=${SSLPP_FUZZ_BUILD:-$here/../build-fuzz}
targets=${*:-client_handshake server_handshake records certificate credentials match_hostname cert_time api_sequence}
ticks=$(getconf CLK_TCK)
# Started with setsid (as for a long run in the background), this script is
# a session of its own and so, on Linux, an autogroup of its own: nice then
# orders processes only within it, and the fuzzers would take an equal share
# of the cores from everyone else's builds. Lower the autogroup's weight as
# well, but only for a session it leads, never a user's terminal session.
if [ "$(ps -o sid= -p $$ | tr -d ' ')" = "$$" ] && [ -w /proc/self/autogroup ]; then
  echo 19 > /proc/self/autogroup 2>/dev/null || true
fi

# CPU seconds (user + system) used so far by process $1 and the children it
# has reaped, or nothing once it has gone. Field 2 of /proc/PID/stat is the
# command name, which for these binaries has no spaces, so fields 14 to 17
# are utime, stime, cutime and cstime (children: LeakSanitizer forks one per
# leak check).
cpu_of() {
  awk -v t="$ticks" '{ printf "%d\n", ($14 + $15 + $16 + $17) / t }' "/proc/$1/stat" 2>/dev/null || true
}

printf '%-18s %6s %6s %10s %7s %6s %7s %7s  %s\n' target cpu total execs exec/s cov ft corpus findings
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
  before=$(cat "$work/cpu-seconds" 2>/dev/null || echo 0)
  budget=$seconds
  if [ $total_mode = yes ]; then
    budget=$((seconds - before))
    if [ "$budget" -le 0 ]; then
      printf '%-18s %6s %6s  (has its %s s)\n' "$t" 0 "$before" "$seconds"
      continue
    fi
  fi
  # One run per target at a time: two would share the corpus and the log.
  # The lock names the script's PID, so a run that was killed leaves a lock
  # the next run can see is stale.
  if [ -f "$work/running" ] && kill -0 "$(cat "$work/running")" 2>/dev/null; then
    echo "$t: run $(cat "$work/running") is using $work" >&2
    status=1
    continue
  fi
  echo $$ >"$work/running"
  cp -R -n "$seeds/." "$work/corpus/"
  # The wall-clock limit only stops a run that the machine starves.
  # Leaks are looked for after the run, not after every input: libFuzzer
  # checks after each input that allocated more than it freed, and on
  # targets where OpenSSL's lazily filled caches make that most inputs
  # (certificate: 90% of the CPU went to the checks) it would fuzz a tenth
  # as much. The check after the run replays the whole corpus with leak
  # detection on; a run stopped by its budget never reaches libFuzzer's
  # own check at exit.
  # -timeout is wall-clock time: a fuzzer at nice 19 beside two builds can
  # go many seconds without the CPU (a credentials input flagged at 10 s
  # replays in 0.13 s), so the bound is a minute; replay any timeout alone.
  (cd "$work" && exec nice -n 15 "$bin" -max_total_time=$((budget * 50)) -timeout=60 -rss_limit_mb=2048 \
    -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$work/artifacts/" corpus) >"$work/run.log" 2>&1 &
  pid=$!
  used=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    now=$(cpu_of "$pid")
    [ -n "$now" ] || break
    used=$now
    # Kept current, so a run that is itself killed still counts.
    echo $((before + used)) >"$work/cpu-seconds"
    if [ "$used" -ge "$budget" ]; then
      kill -INT "$pid" 2>/dev/null || true
      break
    fi
  done
  rc=0
  wait "$pid" || rc=$?
  # 72 is libFuzzer's exit code for an interrupted run: the budget was spent.
  [ $rc -eq 0 ] || [ $rc -eq 72 ] || status=1
  echo $((before + used)) >"$work/cpu-seconds"
  # The leak check: every input the corpus kept, once, with leak detection.
  (cd "$work" && exec nice -n 15 "$bin" -runs=0 -detect_leaks=1 -timeout=60 -rss_limit_mb=2048 \
    -artifact_prefix="$work/artifacts/" corpus) >"$work/leak-check.log" 2>&1 || status=1
  rm -f "$work/running"
  log=$work/run.log
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  [ -n "$execs" ] || execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
  rate=?
  [ -z "$execs" ] || [ "$used" -eq 0 ] || rate=$((execs / used))
  cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  corpus=$(find "$work/corpus" -type f | wc -l)
  findings=$(find "$work/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | tr '\n' ' ')
  [ -z "$findings" ] || status=1
  printf '%-18s %6s %6s %10s %7s %6s %7s %7s  %s\n' "$t" "$used" $((before + used)) "${execs:-?}" "$rate" "${cov:-?}" \
    "${ft:-?}" "$corpus" "${findings:-none}"
done
exit $status
