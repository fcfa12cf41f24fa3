#!/usr/bin/env bash
# shellcheck disable=SC2086,SC2119  # PID lists are split on purpose
# bench/server/run.sh: `sslpp serve --http` against nginx (Debian's, one
# worker) over loopback, serving a response of the same size with the same
# certificate, protocol, cipher suite and key exchange (issue 14).
#
# Two workloads at CONNS (100) concurrent connections:
#   keepalive  requests per second on kept-alive connections (wrk);
#   handshake  new TLS connections per second, one request each, every one a
#              full handshake without resumption (ApacheBench `ab`: a new SSL
#              object per connection and no client session cache; wrk and
#              h2load keep the SSL object, and so the session, across
#              reconnects and resume: checked before the rounds).
# Runs are interleaved in rounds (nginx, sslpp, then sslpp, nginx, ...).
# Each line gives the rate, the server's CPU time per request or connection
# (and the share of its core it used) and the load generator's share of its
# core; the summary gives the medians and the ratios sslpp/nginx of the
# rate and of the rate per second of server CPU, with the issue's goal
# (>= 0.9).
#
# Not part of ctest or CI: it installs Debian packages and takes minutes
# (about 2 with the defaults).
# Usage: bench/server/run.sh   (as root it installs what is missing)
# Environment (defaults in brackets), and those of common.sh (SSLPP, CONNS,
# SERVER_CPU, CLIENT_CPU, PRIORITY, KEEP_TMP):
#   ROUNDS      rounds per workload, each one run per server [4]
#   DURATION    seconds per run [7]
#   WORKLOADS   which workloads, in order ["keepalive handshake"]
set -euo pipefail

ROUNDS=${ROUNDS:-4}
DURATION=${DURATION:-7}
WORKLOADS=${WORKLOADS:-keepalive handshake}
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bench_setup  # no extra packages
log "== sslpp serve against nginx ($(date -u '+%Y-%m-%d %H:%M UTC'))"
print_setup

# --- checks: what each workload really does ------------------------------------------
# nginx's check server logs $ssl_session_reused per request ("r": resumed).
taskset -c "$CLIENT_CPU" timeout 30 ab -q -c "$CONNS" -t 2 -n 1000000 "https://127.0.0.1:$CHECK_PORT/" >"$T/check.ab" 2>&1 || true
awk '
  { n++; if ($3 == "r") r++; conn[$1]++; c[$5 " " $6]++ }
  END {
    for (k in conn) nc++
    for (k in c) { cs = cs sep k " (" c[k] ")"; sep = ", " }
    printf "check, ab (handshake workload) on nginx: %d requests on %d connections, %d resumed; %s\n", n, nc, r, cs
  }' "$T/nginx.check.log"
: >"$T/nginx.check.log"
taskset -c "$CLIENT_CPU" timeout 30 wrk -t1 -c"$CONNS" -d2s "https://127.0.0.1:$CHECK_PORT/" >"$T/check.wrk" 2>&1 || true
awk '{ n++; conn[$1]++ } END { for (k in conn) nc++; printf "check, wrk (keepalive workload) on nginx: %d requests on %d connections\n", n, nc }' \
  "$T/nginx.check.log"
log "(on sslpp serve, each run below counts its handshake and request event lines)"

# --- runs -----------------------------------------------------------------------------
RESULTS=$T/results   # workload server round rate cpu_us_per_op server_core client_core
: >"$RESULTS"

run_one() {  # workload server round
  local workload=$1 server=$2 round=$3 port pids out c0 c1 e0 e1 t0 t1 hs rq line
  if [[ $server == nginx ]]; then port=$NGINX_PORT; pids="$NGINX_PID $NGINX_WORKER"; else port=$SSLPP_PORT; pids=$SSLPP_PID; fi
  out=$T/$workload.$server.$round.out
  e0=$(wc -l <"$EVENTS")
  c0=$(server_cpu_ns $pids)
  t0=$(date +%s%N)
  load "$workload" "$port" "$DURATION" "$out"
  t1=$(date +%s%N)
  c1=$(server_cpu_ns $pids)
  e1=$(wc -l <"$EVENTS")
  line=$(awk -v w="$workload" -v s="$server" -v r="$round" -v rate="$RATE" -v ops="$OPS" \
    -v cpu=$((c1 - c0)) -v wall=$((t1 - t0)) -v client="$CLIENT_CPU_S" '
    BEGIN {
      unit = (w == "keepalive") ? "req" : "conn"
      printf "%s %s %d %.1f %.2f %.3f %.3f|", w, s, r, rate, cpu / 1000 / ops, cpu / wall, client * 1e9 / wall
      printf "%-9s round %d  %-5s %9.1f %s/s   server CPU %6.1f us/%s (%3.0f %% of its core)   load generator %3.0f %% of its core",
             w, r, s, rate, unit, cpu / 1000 / ops, unit, 100 * cpu / wall, 100 * client * 1e9 / wall
    }')
  echo "${line%%|*}" >>"$RESULTS"
  line=${line#*|}
  if [[ $server == sslpp ]]; then
    hs=$(sed -n "$((e0 + 1)),${e1}p" "$EVENTS" | grep -c '"event": "handshake"' || true)
    rq=$(sed -n "$((e0 + 1)),${e1}p" "$EVENTS" | grep -c '"event": "request"' || true)
    line+="   [events: $hs handshakes, $rq requests]"
  fi
  [[ -n $ERRORS ]] && line+="   [$ERRORS]"
  log "$line"
}

for workload in $WORKLOADS; do
  log ""
  log "-- $workload: $CONNS connections, $DURATION s per run, $ROUNDS rounds"
  for round in $(seq "$ROUNDS"); do
    if ((round % 2)); then order="nginx sslpp"; else order="sslpp nginx"; fi
    for server in $order; do run_one "$workload" "$server" "$round"; done
  done
done

# --- summary ----------------------------------------------------------------------------
log ""
log "-- medians over $ROUNDS rounds"
for workload in $WORKLOADS; do
  awk -v w="$workload" '
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function verdict(x) { return sprintf("%.3f [goal >= 0.9: %s]", x, (x >= 0.9) ? "met" : "MISSED") }
    $1 == w && $2 == "nginx" { nr[++n] = $4; nc[n] = $5; nu[n] = $6 }
    $1 == w && $2 == "sslpp" { sr[++m] = $4; sc[m] = $5; su[m] = $6 }
    END {
      unit = (w == "keepalive") ? "req" : "conn"
      rn = median(nr, n); rs = median(sr, m); cn = median(nc, n); cs = median(sc, m)
      printf "%-9s nginx %9.1f %s/s, %6.1f us CPU/%s (%3.0f %% of its core);  sslpp %9.1f %s/s, %6.1f us CPU/%s (%3.0f %% of its core)\n",
             w, rn, unit, cn, unit, 100 * median(nu, n), rs, unit, cs, unit, 100 * median(su, m)
      printf "%-9s sslpp/nginx  %s/s: %s   %s per second of server CPU: %s\n", w, unit, verdict(rs / rn), unit, verdict(cn / cs)
    }' "$RESULTS"
done
log "(A server below ~100 % of its core was not the bottleneck: its rate is then the load generator's"
log " and the machine's. Per second of server CPU is the rate a saturated server core would reach.)"
