#!/usr/bin/env bash
# callgrind.sh: instructions per iteration of sslpp_bench's timed cases,
# sslpp against raw OpenSSL configured alike. Instruction counts do not
# depend on the machine's load: on the project's shared machine they are
# the figures to judge by (docs/performance.md).
#
# usage: bench/callgrind.sh [-b SSLPP_BENCH] [-o OUT_DIR] [CASE...]
#   CASE     cases to count (default: every timed case the binary lists)
#   -b PATH  the benchmark binary (default: build-bench/bench/sslpp_bench
#            beside this script's directory, or $SSLPP_BENCH)
#   -o DIR   keep the callgrind files there (for callgrind_annotate)
#
# For each case and each pair of sides it has (sslpp against raw and
# against raw_keep_buffers; sslpp_keep_buffers against raw_keep_buffers) it runs the side alone twice under callgrind, with N1 and N2
# iterations (--bench_iterations), and prints (Ir(N2) - Ir(N1)) / (N2 - N1).
# Only the benchmark loop is counted (--toggle-collect on run_counted in
# sslpp_bench_cases.hpp), and the subtraction cancels what is left of
# one-time costs in it (the first iteration's lazy fetches, the loop's own
# start and end). The ratio is raw/sslpp: the throughput sense, above 1
# when sslpp costs less.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bench=${SSLPP_BENCH:-$here/../build-bench/bench/sslpp_bench}
keep=
while getopts "b:o:h" opt; do
  case $opt in
    b) bench=$OPTARG ;;
    o) keep=$OPTARG ;;
    *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ -x "$bench" ] || { echo "callgrind.sh: no benchmark binary at $bench (build target sslpp_bench, or -b)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed" >&2; exit 1; }

if [ -n "$keep" ]; then
  mkdir -p "$keep"
  out=$keep
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi

# Every side alone, "<case>/<side>" (the default filter lists only the
# paired cases); the heap case counts bytes, not instructions.
listing=$("$bench" --benchmark_list_tests --benchmark_filter='/(sslpp|raw)(_keep_buffers)?$')
all_cases=$(printf '%s\n' "$listing" | awk -F/ 'NF == 2 && $1 != "heap_idle_pair" && !seen[$1]++ { print $1 }')
if [ $# -gt 0 ]; then
  cases=("$@")
else
  mapfile -t cases <<<"$all_cases"
fi

# counts CASE: the two iteration counts. Enough iterations that the
# difference is large against the noise of randomised steps (key
# generation and signing vary by a few thousand instructions); few enough
# that a handshake case takes a minute, not ten.
counts() {
  case $1 in
    handshake* | resume*) echo "20 40" ;;
    bulk_16384) echo "1000 2000" ;;
    writes_*) echo "200 400" ;;
    *) echo "2000 4000" ;;
  esac
}

# ir CASE SIDE N: Ir inside the benchmark loop for N iterations.
ir() {
  local f=$out/$1_$2.$3.out
  if ! nice valgrind --tool=callgrind --toggle-collect='*sslpp_bench::memory::run_counted<*' \
      --callgrind-out-file="$f" "$bench" --benchmark_filter="^$1/$2(/|\$)" --bench_iterations="$3" \
      >"$f.log" 2>&1; then
    echo "callgrind.sh: $1/$2 with $3 iterations failed; see $f.log (-o keeps it)" >&2
    return 1
  fi
  grep -E '^totals:' "$f" | awk '{ print $2 }'
}

# per_iteration CASE SIDE: Ir per iteration from the two runs.
per_iteration() {
  local n1 n2 a b
  read -r n1 n2 <<<"$(counts "$1")"
  a=$(ir "$1" "$2" "$n1")
  b=$(ir "$1" "$2" "$n2")
  echo $(((b - a) / (n2 - n1)))
}

echo "| case | sides | sslpp Ir | raw Ir | raw/sslpp |"
echo "|---|---|---:|---:|---:|"
status=0
for c in "${cases[@]}"; do
  if ! grep -qx "$c" <<<"$all_cases"; then
    echo "callgrind.sh: no case $c; the cases are:" $all_cases >&2
    status=1
    continue
  fi
  # sslpp's default against raw in each mode the case has, and the
  # keep-buffers pair; each side is counted once.
  pairs=""
  for p in sslpp:raw sslpp:raw_keep_buffers sslpp_keep_buffers:raw_keep_buffers; do
    if grep -qx "$c/${p%%:*}" <<<"$listing" && grep -qx "$c/${p##*:}" <<<"$listing"; then
      pairs="$pairs $p"
    fi
  done
  declare -A counted=()
  for p in $pairs; do
    s=${p%%:*}
    r=${p##*:}
    echo "callgrind.sh: $c $s, $r ($(counts "$c") iterations)..." >&2
    for side in "$s" "$r"; do
      if [ -z "${counted[$side]:-}" ] && ! counted[$side]=$(per_iteration "$c" "$side"); then
        counted[$side]=failed
      fi
    done
    si=${counted[$s]}
    ri=${counted[$r]}
    if [ "$si" = failed ] || [ "$ri" = failed ]; then
      status=1
      continue
    fi
    awk -v c="$c" -v s="$s" -v r="$r" -v si="$si" -v ri="$ri" \
      'BEGIN { printf "| %s | %s / %s | %d | %d | %.3f |\n", c, s, r, si, ri, ri / si }'
  done
done
exit $status
