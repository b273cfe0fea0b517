#!/usr/bin/env bash
# bantin's benchmark, one command: builds the release binary, generates the dataset
# through bantin's own store code, serves it with rate limiting off, drives each
# scenario with wrk, and prints a Markdown table of throughput and latency as ratios to
# GET /healthz measured in the same run (bench/results/latest.md).
#
# Settings (env): BENCH_ARTICLES (100000), BENCH_DURATION seconds per scenario (10),
# BENCH_CONNECTIONS (32), BENCH_REUSE=1 to reuse a dataset of the same size.
set -euo pipefail
cd "$(dirname "$0")/.."
articles=${BENCH_ARTICLES:-100000}
duration=${BENCH_DURATION:-10}
connections=${BENCH_CONNECTIONS:-32}
data=bench/data/$articles
mkdir -p "$data" bench/results

command -v wrk > /dev/null || { apt-get update -qq && apt-get install -y -qq wrk > /dev/null; }
cargo build --release --quiet --bin bantin --example bench_seed
bin=target/release/bantin

if [ "${BENCH_REUSE:-0}" != 1 ] || [ ! -f "$data/bench.db" ]; then
    rm -f "$data"/bench.db*
    seed_start=$(date +%s)
    target/release/examples/bench_seed "$data/bench.db" "$data" "$articles"
    echo "seeded in $(( $(date +%s) - seed_start )) s" >&2
fi
db="$data/bench.db"
"$bin" token revoke bench --database "$db" > /dev/null 2>&1 || true
token=$("$bin" token create --name bench --scope read --database "$db" 2> /dev/null)

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_ns=$(date +%s%N)
BANTIN_RATE_LIMIT=0 RUST_LOG=warn "$bin" serve --bind "127.0.0.1:$port" --database "$db" 2> "$data/server.log" &
pid=$!
trap 'kill -TERM $pid 2> /dev/null || true; wait $pid 2> /dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$port/readyz" > /dev/null; do
    kill -0 "$pid" 2> /dev/null || { echo "bantin exited; see $data/server.log" >&2; exit 1; }
done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
base="http://127.0.0.1:$port"

# The cursor 50,000 articles deep (per_page=100, 500 steps), read with a token so
# that neither page is served from the anonymous response cache.
deep=$(python3 - "$base" "$token" <<'PY'
import json, sys, urllib.request
base, token = sys.argv[1], sys.argv[2]
cursor = ""
for _ in range(500):
    req = urllib.request.Request(f"{base}/api/v1/articles?per_page=100&cursor={cursor}", headers={"Authorization": f"Bearer {token}"})
    cursor = json.load(urllib.request.urlopen(req))["meta"]["next_cursor"]
print(cursor)
PY
)

results="$data/results.txt"
: > "$results"
run() { # name mode url [token]
    local name=$1 mode=$2 url=$3 auth=${4:-}
    local line
    line=$(BENCH_MODE=$mode BENCH_TOKEN=$auth BENCH_SLUGS="$data/slugs.txt" BENCH_IDS="$data/ids.txt" \
        BENCH_QUERIES="$data/queries.txt" wrk -t1 -c"$connections" -d"${duration}s" -s bench/scenario.lua "$url" | grep '^RESULT')
    echo "$name $line rss_mb=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")" | tee -a "$results" >&2
}
category=$(cat "$data/category.txt")
run healthz path "$base/healthz"
run article_by_slug slug "$base"
run list_page_1 path "$base/api/v1/articles"
run list_by_category path "$base/api/v1/articles?category=$category"
run cursor_page_1 path "$base/api/v1/articles?cursor=" "$token"
run cursor_depth_50k path "$base/api/v1/articles?cursor=$deep" "$token"
run post_view view "$base"
run popular_week path "$base/api/v1/articles/popular?window=week"
# Last: slow searches leave work queued in the server after wrk stops.
run search search "$base"
run search_uncached search "$base" "$token"

rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
db_bytes=$(du -cb "$db"* | tail -1 | cut -f1)
python3 bench/report.py "$results" "$ready_ms" "$rss_kb" "$db_bytes" "$articles" "$duration" "$connections" | tee bench/results/latest.md
