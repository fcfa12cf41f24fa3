#!/usr/bin/env bash
# shellcheck disable=SC2086  # PID and sample lists are split on purpose
# bench/server/profile.sh: where `sslpp serve --http` and nginx spend their
# CPU in run.sh's two workloads (same setup: common.sh).
#
# For each workload:
#   1. server CPU per request or connection, interleaved over ROUNDS, for
#      nginx, sslpp serve with its event lines to a file (as in run.sh), and
#      a second sslpp serve with its event lines to /dev/null: the price of
#      the event lines;
#   2. system calls per request or connection (strace -c on each server);
#   3. a call-graph profile of each server (perf record --call-graph dwarf):
#      the functions with the largest inclusive share, and that share in
#      microseconds per request or connection (share x CPU per op of step 1).
# strace and perf slow the server down; their counts and shares are per
# operation, so that does not matter much.
#
# Not part of ctest or CI. About 3 minutes with the defaults.
# Environment: those of common.sh, and
#   ROUNDS     interleaved rounds for step 1 [3]
#   DURATION   seconds per run [5]
#   WORKLOADS  ["keepalive handshake"]
#   TOP        functions listed per profile [40]
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WORKLOADS=${WORKLOADS:-keepalive handshake}
TOP=${TOP:-40}
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bench_setup perf=linux-perf strace=strace
log "== where the servers' time goes ($(date -u '+%Y-%m-%d %H:%M UTC'))"
print_setup
log "perf:    $(perf --version 2>&1); strace: $(strace -V | head -1)"

# A second sslpp serve whose event lines go to /dev/null (its port is
# chosen here, as it prints nowhere readable).
QUIET_PORT=$(free_port)
"${PRIO[@]}" taskset -c "$SERVER_CPU" "$SSLPP" serve --http --host 127.0.0.1 --port "$QUIET_PORT" \
  --cert "$T/leaf.pem" --key "$T/leaf.key" --min-version TLSv1.3 --max-version TLSv1.3 \
  >/dev/null 2>>"$T/sslpp.err" &
QUIET_PID=$!
PIDS+=("$QUIET_PID")
for _ in $(seq 200); do
  curl -sk -o /dev/null "https://127.0.0.1:$QUIET_PORT/" && break
  kill -0 "$QUIET_PID" 2>/dev/null || die "the second sslpp serve exited: $(cat "$T/sslpp.err")"
  sleep 0.05
done
log "sslpp serve with event lines to /dev/null: pid $QUIET_PID, port $QUIET_PORT"

declare -A PORT=([nginx]=$NGINX_PORT [sslpp]=$SSLPP_PORT [sslpp-quiet]=$QUIET_PORT)
declare -A PROCS=([nginx]="$NGINX_PID $NGINX_WORKER" [sslpp]=$SSLPP_PID [sslpp-quiet]=$QUIET_PID)
declare -A TRACED=([nginx]=$NGINX_WORKER [sslpp]=$SSLPP_PID)
declare -A US_PER_OP

for workload in $WORKLOADS; do
  unit=req; [[ $workload == handshake ]] && unit=conn
  log ""
  log "-- $workload ($CONNS connections, $DURATION s per run)"

  # 1. CPU per op, interleaved.
  declare -A samples=()
  for round in $(seq "$ROUNDS"); do
    order="nginx sslpp sslpp-quiet"; ((round % 2)) || order="sslpp-quiet sslpp nginx"
    for s in $order; do
      c0=$(server_cpu_ns ${PROCS[$s]})
      load "$workload" "${PORT[$s]}" "$DURATION" "$T/p.$workload.$s.$round.out"
      c1=$(server_cpu_ns ${PROCS[$s]})
      samples[$s]+=" $(awk -v c=$((c1 - c0)) -v n="$OPS" 'BEGIN {printf "%.2f", c / 1000 / n}')"
    done
  done
  for s in nginx sslpp sslpp-quiet; do
    US_PER_OP[$s]=$(printf '%s\n' ${samples[$s]} | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
    log "$(printf '%-11s' "$s") server CPU per $unit: median ${US_PER_OP[$s]} us  (runs:${samples[$s]})"
  done
  unset samples

  # 2. System calls per op.
  for s in nginx sslpp; do
    strace -c -f -p "${TRACED[$s]}" -o "$T/strace.$workload.$s" 2>/dev/null &
    st=$!
    PIDS+=("$st")
    sleep 0.5
    load "$workload" "${PORT[$s]}" "$DURATION" "$T/s.$workload.$s.out"
    kill -INT "$st" 2>/dev/null || true
    wait "$st" 2>/dev/null || true
    forget_pid "$st"
    log ""
    log "$s: system calls per $unit (strace -c, $OPS ${unit}s)"
    awk -v n="$OPS" 'NF >= 5 && $1 ~ /^[0-9.]+$/ && $NF != "total" {
        calls = $4; errors = (NF == 6) ? $5 : 0
        if (calls / n >= 0.01) printf "  %-14s %7.2f per op%s\n", $NF, calls / n, (errors / n >= 0.005) ? sprintf(" (%.2f of them failed: EAGAIN and such)", errors / n) : ""
      }' "$T/strace.$workload.$s"
  done

  # 3. Call-graph profiles.
  for s in nginx sslpp; do
    perf record -q --call-graph dwarf,16384 -F 997 -o "$T/perf.$workload.$s.data" -p "${TRACED[$s]}" \
      -- sleep $((DURATION + 1)) >/dev/null 2>&1 &
    pp=$!
    PIDS+=("$pp")
    sleep 0.3
    load "$workload" "${PORT[$s]}" "$DURATION" "$T/f.$workload.$s.out"
    wait "$pp" 2>/dev/null || true
    forget_pid "$pp"
    perf report -i "$T/perf.$workload.$s.data" --children --sort sym -g none 2>/dev/null >"$T/perf.$workload.$s.txt" || true
    log ""
    log "$s: largest inclusive shares of its CPU below 90 % (perf, call graphs), and that share of the ${US_PER_OP[$s]} us per $unit"
    awk -v top="$TOP" -v us="${US_PER_OP[$s]}" '
      /^#/ || NF < 4 { next }
      $4 ~ /^0x/ { next }                       # addresses without a symbol
      $1 + 0 > 90 { next }                      # main, the event loop: everything
      {
        sym = $0; sub(/^ *[0-9.]+% +[0-9.]+% +\[[.k]\] /, "", sym)
        share = $1; sub(/%/, "", share)
        printf "  %6.1f %%  %7.2f us  %s\n", share, share * us / 100, substr(sym, 1, 90)
        if (++k >= top) exit
      }' "$T/perf.$workload.$s.txt"
  done
done
