#!/usr/bin/env bash
# `make bench`: speed numbers, measured on this machine (release builds).
#  1. the function runtime: cold start (exec → first 2xx) and 1,000 concurrent requests
#     to a function that sleeps 1 s (target: < 2 s in total);
#  2. one day through the local platform (`nba run`), wall time, median of 5 cold runs;
#  3. scrape throughput against the replay upstream (objects/s), rate limiter off;
#  4. player name resolution: 450 names, queries issued and time;
#  5. predictions per second: 450 players x 7 systems;
#  6. the published API on loopback: requests/s and p99 for a cached document and a
#     filtered warehouse query;
#  7. peers: cold start and idle RSS of our function binary next to Google's Python
#     functions-framework hello function, by one harness (scripts/bench_peers.py);
#  8. how cost grows: phases 1-6 replayed from opening night for 1, 2, 4 and 8 weeks, then
#     the whole regular season (BENCH_SEASON=0 skips it), wall time and peak RSS, and the
#     feature store's build time per day from the execution log.
# Everything printed also goes to BENCHMARKS.md, headed by the machine it ran on.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
target="${CARGO_TARGET_DIR:-/var/cache/nba-props/target}"
report="${BENCH_REPORT:-BENCHMARKS.md}"

{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` ($(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown))."
  echo
  echo "## Machine"
  echo
  echo '```'
  echo "cpu:     $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
  echo "memory:  $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel:  $(uname -sr)"
  echo "rustc:   $(rustc --version)"
  echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at start: numbers taken on a busy machine are not comparable)"
  echo '```'
  echo
  echo "## Results"
  echo
  echo '```'
} > "$report"

benchmarks() {

cargo build --release -q -p nba-runtime --bin functions-conformance --example bench_runtime
cargo build --release -q -p nba-cli --bin nba
cargo build --release -q -p nba-raw --bin nba-raw

echo "== function runtime (release)"
FUNCTIONS_CONFORMANCE_BIN="$target/release/functions-conformance" "$target/release/examples/bench_runtime"

echo "== one day alone: nba run --date 2025-01-10 --from 2025-01-10 (release, fresh data dir each run; no history replay)"
times=()
peak_kib=0
for i in 1 2 3 4 5; do
  dir=$(mktemp -d)
  start=$(date +%s.%N)
  # Peak RSS from the kernel's accounting of the child (GNU time is not always installed).
  rss=$(python3 -c 'import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
    "$target/release/nba" --data-dir "$dir" run --date 2025-01-10 --from 2025-01-10 --dataset data/season-2024-25 --no-serve --through-games)
  end=$(date +%s.%N)
  (( rss > peak_kib )) && peak_kib=$rss
  times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')")
  rm -rf "$dir"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "day run wall time: median %.3f s (min %.3f, max %.3f, n=%d)\n", a[int((NR+1)/2)], a[1], a[NR], NR}'
echo "day run peak RSS: $((peak_kib / 1024)) MiB"


echo "== scrape throughput against the replay upstream (release, rate limiter off, 400 scrapes, 8 in flight)"
dir=$(mktemp -d)
"$target/release/nba" --data-dir "$dir" bench-scrape --date 2025-01-10 --requests 400 --concurrency 8
rm -rf "$dir"

echo "== player name resolution: 450 names (one slate's props) against the season registry, one batched query"
"$target/release/nba" bench-resolve --names 450

echo "== predictions: 450 players x 7 systems (both tree models trained first), one core"
"$target/release/nba" bench-predict --players 450

echo "== published API on loopback (release): 250-player slate, 4,000 requests per route, 16 in flight, gzip accepted"
"$target/release/nba" bench-api --requests 4000 --concurrency 16 --players 250

echo "== peers: cold start (spawn -> first 2xx) and idle RSS (1 s after, process tree), 5 runs each"
venv=/var/cache/nba-props/venv-bench
if [ ! -x "$venv/bin/functions-framework" ]; then
  python3 -m venv "$venv" && "$venv/bin/pip" install -q "functions-framework==3.10.2"
fi
python3 scripts/bench_peers.py "$target/release/functions-conformance" "$venv" 5 "$target/release/nba-raw"

echo "== how cost grows: phases 1-6 from opening night (2024-10-22) through the games of the last day (release, fresh data dir)"
printf '%-26s %6s %10s %10s %10s\n' "range" "days" "wall s" "s/day" "peak MiB"
opening=2024-10-22
last_dir=""
replay() {  # $1 label, $2 last date
  local dir; dir=$(mktemp -d)
  local start end rss days
  start=$(date +%s.%N)
  rss=$(python3 -c 'import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
    "$target/release/nba" --data-dir "$dir" run --date "$2" --dataset data/season-2024-25 --no-serve --through-games)
  end=$(date +%s.%N)
  days=$("$target/release/nba" --data-dir "$dir" query --json \
    "SELECT count(DISTINCT game_date) AS n FROM nba_raw.nbac_schedule WHERE game_date BETWEEN DATE '$opening' AND DATE '$2' AND season_type = 'Regular Season'" \
    | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["n"])')
  awk -v l="$1" -v d="$days" -v a="$start" -v b="$end" -v r="$rss" \
    'BEGIN { printf "%-26s %6d %10.1f %10.2f %10d\n", l, d, b - a, (b - a) / d, r / 1024 }'
  [ -n "$last_dir" ] && rm -rf "$last_dir"
  last_dir=$dir
}
for weeks in 1 2 4 8; do
  replay "$weeks week(s)" "$(date -d "$opening + $((weeks * 7 - 1)) days" +%F)"
  if [ "$weeks" = 4 ]; then
    echo "   feature store (precompute, one run per game day) over those 4 weeks:"
    "$target/release/nba" --data-dir "$last_dir" query \
      "SELECT count(*) AS runs, round(median(duration_ms)) AS p50_ms, max(duration_ms) AS max_ms, round(avg(rows_written)) AS avg_rows_written FROM nba_orchestration.processor_execution_log WHERE function_name = 'precompute' AND status = 'success'" | sed 's/^/   /'
  fi
done
if [ "${BENCH_SEASON:-1}" != 0 ]; then
  replay "season (to 2025-04-13)" 2025-04-13
fi
rm -rf "$last_dir"
}

benchmarks 2>&1 | tee -a "$report"
echo '```' >> "$report"
echo "report written to $report"
