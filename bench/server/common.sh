# shellcheck shell=bash disable=SC2034  # sets variables for run.sh and profile.sh
# bench/server/common.sh: the setup run.sh and profile.sh share (sourced, not
# run): packages, the sslpp binary, a temporary directory removed on exit, a
# certificate, `sslpp serve --http` and nginx on free loopback ports, both
# pinned to SERVER_CPU. Every process started here is killed by PID on exit.
#
# After bench_setup: T (the temporary directory), SSLPP_PID, SSLPP_PORT,
# EVENTS (serve's event lines), NGINX_PID, NGINX_WORKER, NGINX_PORT,
# CHECK_PORT (the same nginx server with an access log), BODY_LEN, PRIO (a
# command prefix: see PRIORITY) and the helpers below.
#
# Environment:
#   SSLPP       the sslpp binary [REPO/build-rel/bin/sslpp; built if missing]
#   CONNS       concurrent connections [100]
#   SERVER_CPU  the CPU both servers are pinned to [0]
#   CLIENT_CPU  the CPU the load generator is pinned to [1]
#   PRIORITY    unset by default. A nice value (e.g. -10) runs the servers and
#               the load generator in a session of their own whose autogroup
#               gets that nice value (root only), so that other work on a
#               shared machine takes less of their two CPUs. It slows that
#               other work down while it runs.
#   KEEP_TMP=1  keep the temporary directory (configs, logs, event lines)

CONNS=${CONNS:-100}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)
SSLPP=${SSLPP:-$REPO/build-rel/bin/sslpp}

log() { printf '%s\n' "$*"; }
die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# install_missing CMD=PACKAGE...: installs (as root) the packages of the
# commands not found. Keeps dpkg from starting the system's nginx service.
install_missing() {
  local pair cmd missing=()
  for pair in "$@"; do
    cmd=${pair%%=*}
    command -v "$cmd" >/dev/null 2>&1 || [[ -x /usr/sbin/$cmd ]] || missing+=("${pair#*=}")
  done
  ((${#missing[@]})) || return 0
  ((EUID == 0)) || die "missing packages: ${missing[*]} (run as root to install them, or install them)"
  log "installing: ${missing[*]}"
  local added_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && added_policy=1
  fi
  apt-get update -qq
  # nginx-light is Debian 12's smallest nginx; where it does not exist, "nginx".
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]/nginx-light/nginx}" >/dev/null
  if ((added_policy)); then rm -f /usr/sbin/policy-rc.d; fi
}

PIDS=()          # every process started here, killed by PID on exit
NGINX_WORKER=""
T=""
bench_cleanup() {
  local pid
  for pid in "${PIDS[@]}" $NGINX_WORKER; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  # nginx's worker is the master's child: gone once the master has stopped it.
  if [[ -n $NGINX_WORKER ]] && kill -0 "$NGINX_WORKER" 2>/dev/null; then kill -9 "$NGINX_WORKER" 2>/dev/null || true; fi
  if [[ -n $T ]]; then
    if [[ ${KEEP_TMP:-0} == 1 ]]; then log "kept $T"; else rm -rf "$T"; fi
  fi
}

# forget_pid PID: a process started here has ended and been waited for;
# bench_cleanup must not signal its (possibly reused) PID.
forget_pid() {
  local pid kept=()
  for pid in "${PIDS[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done
  PIDS=("${kept[@]}")
}

free_port() {
  python3 - 2>/dev/null <<'EOF' || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}

# start_sslpp OUTFILE: `sslpp serve --http` on a free port, its stdout
# (event lines) appended to OUTFILE; sets STARTED_PID and STARTED_PORT.
start_sslpp() {
  local out=$1
  [[ $out != /dev/null ]] || die "start_sslpp needs a file to read the port from"
  # TLS 1.3 only; the cipher suites are OpenSSL's TLS 1.3 defaults with the
  # server's preference (sslpp's default): TLS_AES_256_GCM_SHA384 first.
  "${PRIO[@]}" taskset -c "$SERVER_CPU" "$SSLPP" serve --http --host 127.0.0.1 --port 0 \
    --cert "$T/leaf.pem" --key "$T/leaf.key" --min-version TLSv1.3 --max-version TLSv1.3 \
    >>"$out" 2>>"$T/sslpp.err" &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 200); do
    grep -q '^listening on' "$out" 2>/dev/null && break
    kill -0 "$STARTED_PID" 2>/dev/null || die "sslpp serve exited: $(cat "$T/sslpp.err")"
    sleep 0.05
  done
  STARTED_PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out" | tail -1)
  [[ -n $STARTED_PORT ]] || die "sslpp serve did not say where it listens"
}

write_nginx_conf() {  # PORT CHECK_PORT BODY
  cat >"$T/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $T/nginx.pid;
error_log $T/nginx.error.log warn;
events { worker_connections 4096; }
http {
  client_body_temp_path $T/nginx-client-body;
  proxy_temp_path $T/nginx-proxy;
  fastcgi_temp_path $T/nginx-fastcgi;
  uwsgi_temp_path $T/nginx-uwsgi;
  scgi_temp_path $T/nginx-scgi;
  access_log off;
  keepalive_timeout 300s;             # sslpp serve's idle timeout
  keepalive_requests 1000000000;      # sslpp serve has no per-connection cap
  ssl_certificate $T/leaf.pem;
  ssl_certificate_key $T/leaf.key;
  ssl_protocols TLSv1.3;
  ssl_conf_command Ciphersuites TLS_AES_256_GCM_SHA384;
  # Session tickets: nginx's default (on: OpenSSL's two per handshake), as sslpp serve.
  log_format check "\$connection \$connection_requests \$ssl_session_reused \$ssl_protocol \$ssl_cipher \$ssl_curve";
  server {
    listen 127.0.0.1:$1 ssl;
    location / {
      default_type "text/html; charset=utf-8";
      add_header Cache-Control no-store;
      return 200 "$3";
    }
  }
  # The same server with an access log, for the checks.
  server {
    listen 127.0.0.1:$2 ssl;
    access_log $T/nginx.check.log check;
    location / {
      default_type "text/html; charset=utf-8";
      add_header Cache-Control no-store;
      return 200 "$3";
    }
  }
}
EOF
}

# server_cpu_ns PID...: the CPU time those processes have used, in ns.
server_cpu_ns() {
  local ns=0 pid
  for pid in "$@"; do ns=$((ns + $(cut -d' ' -f1 "/proc/$pid/schedstat"))); done
  echo "$ns"
}

bench_setup() {
  install_missing nginx=nginx-light wrk=wrk ab=apache2-utils curl=curl openssl=openssl taskset=util-linux "$@"
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
  if [[ ! -x $SSLPP ]]; then
    log "building $SSLPP (Release)"
    cmake -S "$REPO" -B "$REPO/build-rel" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSSLPP_BUILD_TESTS=OFF \
      -DSSLPP_BUILD_BENCH=OFF -DSSLPP_BUILD_EXAMPLES=OFF >/dev/null
    nice cmake --build "$REPO/build-rel" --target sslpp_cli >/dev/null
  fi
  PRIO=()
  if [[ -n ${PRIORITY:-} ]]; then
    ((EUID == 0)) || die "PRIORITY needs root"
    # setsid: a session (so an autogroup) of their own; the PID stays the
    # command's (setsid forks only when it leads its process group).
    # shellcheck disable=SC2016  # expanded by the inner bash
    PRIO=(setsid bash -c 'echo "$0" >"/proc/$$/autogroup" 2>/dev/null || true; exec "$@"' "$PRIORITY")
  fi

  T=$(mktemp -d "${TMPDIR:-/tmp}/sslpp-bench-server.XXXXXX")
  chmod 755 "$T"   # nginx's worker may run as another user
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM

  # Certificate: an ECDSA P-256 CA and a leaf for localhost and 127.0.0.1.
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout "$T/ca.key" -out "$T/ca.pem" -subj "/CN=sslpp bench CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/leaf.key" -out "$T/leaf.csr" -subj "/CN=localhost" 2>/dev/null
  printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature' \
    'extendedKeyUsage=serverAuth' 'subjectAltName=DNS:localhost,IP:127.0.0.1' >"$T/leaf.ext"
  openssl x509 -req -in "$T/leaf.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
    -extfile "$T/leaf.ext" -out "$T/leaf.pem" 2>/dev/null
  chmod 644 "$T"/*.pem "$T"/*.key

  # sslpp serve. Its event lines (one per handshake and per request) go to
  # a file: counting them checks each run's handshakes.
  EVENTS=$T/sslpp.events
  start_sslpp "$EVENTS"
  SSLPP_PID=$STARTED_PID
  SSLPP_PORT=$STARTED_PORT

  # The response nginx must match: sslpp's page as ab receives it (no ALPN,
  # no SNI, "request 1 on this connection"). nginx returns a body of that
  # length, of 'x's.
  ab -q -n 1 -c 1 "https://127.0.0.1:$SSLPP_PORT/" >"$T/probe.ab" 2>&1 || die "ab probe failed: $(cat "$T/probe.ab")"
  BODY_LEN=$(awk '/^Document Length:/ {print $3}' "$T/probe.ab")
  [[ $BODY_LEN =~ ^[0-9]+$ ]] || die "could not read sslpp's response length"
  local body
  body=$(head -c "$BODY_LEN" /dev/zero | tr '\0' 'x')

  # nginx, one worker, on free ports (tried again if a port is taken meanwhile).
  NGINX_PID=""
  for _ in 1 2 3 4 5; do
    NGINX_PORT=$(free_port)
    CHECK_PORT=$(free_port)
    [[ $NGINX_PORT != "$CHECK_PORT" && $NGINX_PORT != "$SSLPP_PORT" && $CHECK_PORT != "$SSLPP_PORT" ]] || continue
    write_nginx_conf "$NGINX_PORT" "$CHECK_PORT" "$body"
    "${PRIO[@]}" taskset -c "$SERVER_CPU" "$NGINX" -p "$T/" -c "$T/nginx.conf" -e "$T/nginx.error.log" \
      >"$T/nginx.out" 2>&1 &
    NGINX_PID=$!
    PIDS+=("$NGINX_PID")
    NGINX_WORKER=""
    for _ in $(seq 200); do
      kill -0 "$NGINX_PID" 2>/dev/null || break
      NGINX_WORKER=$(awk '{print $1}' "/proc/$NGINX_PID/task/$NGINX_PID/children" 2>/dev/null || true)
      [[ -n $NGINX_WORKER ]] && curl -sk -o /dev/null "https://127.0.0.1:$NGINX_PORT/" && break
      sleep 0.05
    done
    kill -0 "$NGINX_PID" 2>/dev/null && [[ -n $NGINX_WORKER ]] && break
    wait "$NGINX_PID" 2>/dev/null || true
    forget_pid "$NGINX_PID"
    NGINX_PID=""
  done
  [[ -n $NGINX_PID ]] || die "nginx did not start: $(tail -3 "$T/nginx.error.log" "$T/nginx.out" 2>/dev/null)"
}

print_setup() {
  log "sslpp:   $("$SSLPP" --version) [$SSLPP, commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')]"
  log "nginx:   $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $("$NGINX" -V 2>&1 | grep -o 'running with OpenSSL [^)]*' || true) (Debian $(dpkg-query -W -f='${Package} ${Version}' nginx-light 2>/dev/null || dpkg-query -W -f='${Package} ${Version}' nginx-core 2>/dev/null || echo '?'))"
  log "wrk:     $(wrk -v 2>&1 | head -1 | awk '{print $2}'); ab: $(ab -V | head -1 | sed 's/This is //; s/, Version/ version/; s/ <.*//'), apache2-utils $(dpkg-query -W -f='${Version}' apache2-utils 2>/dev/null || echo '?')"
  log "OpenSSL: $(openssl version) (libssl3 $(dpkg-query -W -f='${Version}' libssl3 2>/dev/null || echo '?'))"
  log "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  log "pinning: servers on CPU $SERVER_CPU (sslpp pid $SSLPP_PID; nginx master $NGINX_PID, worker $NGINX_WORKER), load generator on CPU $CLIENT_CPU${PRIORITY:+; autogroup nice $PRIORITY}"
  log "ports:   nginx 127.0.0.1:$NGINX_PORT (its check server :$CHECK_PORT), sslpp serve 127.0.0.1:$SSLPP_PORT"
  # What each server sends (headers and body) and the TLS each negotiates.
  local s port tls
  for s in nginx sslpp; do
    port=$NGINX_PORT; [[ $s == sslpp ]] && port=$SSLPP_PORT
    curl -sk --cacert "$T/ca.pem" -D "$T/$s.headers" -o "$T/$s.body" "https://127.0.0.1:$port/"
    tls=$(openssl s_client -connect "127.0.0.1:$port" -CAfile "$T/ca.pem" -verify_hostname localhost -brief \
          </dev/null 2>&1 | awk -F': ' '/^Protocol version|^Ciphersuite|^Signature type|^Server Temp Key|^Verification:/ {printf "%s%s", sep, $2; sep=", "}')
    log "$(printf '%-6s' "$s") response: $(wc -c <"$T/$s.headers") B headers + $(wc -c <"$T/$s.body") B body (curl); TLS: $tls"
  done
}

# load WORKLOAD PORT SECONDS OUT: one run of the load generator, pinned to
# CLIENT_CPU, its output in OUT. Sets RATE, OPS, ERRORS, CLIENT_CPU_S.
load() {
  local workload=$1 port=$2 secs=$3 out=$4 tfile=$T/time.$$ cu cs
  local TIMEFORMAT='%U %S'
  if [[ $workload == keepalive ]]; then
    { time "${PRIO[@]}" taskset -c "$CLIENT_CPU" timeout $((secs + 30)) \
        wrk -t1 -c"$CONNS" -d"${secs}s" "https://127.0.0.1:$port/" >"$out" 2>&1; } 2>"$tfile"
    RATE=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    OPS=$(awk '/requests in/ {print $1}' "$out")
    ERRORS=$(awk '/Socket errors|Non-2xx/ {sub(/^ +/, ""); printf "%s; ", $0}' "$out")
  else
    # -n after -t: -t alone caps the run at 50,000 requests.
    { time "${PRIO[@]}" taskset -c "$CLIENT_CPU" timeout $((secs + 30)) \
        ab -q -c "$CONNS" -t "$secs" -n 1000000 "https://127.0.0.1:$port/" >"$out" 2>&1; } 2>"$tfile"
    RATE=$(awk '/^Requests per second:/ {print $4}' "$out")
    OPS=$(awk '/^Complete requests:/ {print $3}' "$out")
    ERRORS=$(awk '/^Failed requests:|^Non-2xx/ && $NF != 0 {printf "%s; ", $0}' "$out")
  fi
  read -r cu cs <"$tfile"
  CLIENT_CPU_S=$(awk -v u="$cu" -v s="$cs" 'BEGIN {print u + s}')
  [[ -n $RATE && -n $OPS && $OPS -gt 0 ]] || die "$workload on port $port: no result: $(tail -5 "$out")"
}
