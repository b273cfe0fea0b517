#!/usr/bin/env bash
# bantin's benchmark, one command: builds the release binary, generates the dataset
# through bantin's own store code, serves it with rate limiting off, drives each
# scenario with wrk, and prints a Markdown table of throughput and latency as ratios to
# GET /healthz measured in the same run (bench/results/latest.md).
#
# Settings (env): BENCH_ARTICLES (100000), BENCH_DURATION seconds per scenario (10),
# BENCH_CONNECTIONS (32), BENCH_REUSE=1 to reuse a dataset of the same size.
# BENCH_DATABASE=postgres://… seeds (unless BENCH_REUSE=1: then it must hold the same
# dataset) and serves that PostgreSQL database, which must be empty otherwise;
# BENCH_PROCESSES=3 (PostgreSQL only) serves it with three processes behind haproxy,
# memory measured on the first.
set -euo pipefail
cd "$(dirname "$0")/.."
articles=${BENCH_ARTICLES:-100000}
duration=${BENCH_DURATION:-10}
connections=${BENCH_CONNECTIONS:-32}
postgres=${BENCH_DATABASE:-}
processes=${BENCH_PROCESSES:-1}
data=bench/data/$articles${postgres:+-pg}
mkdir -p "$data" bench/results
if [ "$processes" != 1 ] && [ -z "$postgres" ]; then
    echo "BENCH_PROCESSES needs BENCH_DATABASE=postgres://…: processes share a PostgreSQL database" >&2
    exit 2
fi

command -v wrk > /dev/null || { apt-get update -qq && apt-get install -y -qq wrk > /dev/null; }
cargo build --release --quiet --bin bantin --example bench_seed
bin=target/release/bantin

db=${postgres:-$data/bench.db}
if [ "${BENCH_REUSE:-0}" != 1 ] || { [ -z "$postgres" ] && [ ! -f "$data/bench.db" ]; }; then
    [ -z "$postgres" ] && rm -rf "$data"/bench.db*
    seed_start=$(date +%s)
    target/release/examples/bench_seed "$db" "$data" "$articles"
    echo "seeded in $(( $(date +%s) - seed_start )) s" >&2
fi
# The index is measured as it is built from scratch by the server, every run.
search="$data/bench.db.search"
rm -rf "$search" "$search"-*
dirs=(--search-dir "$search" --media-dir "$data/media")
"$bin" token revoke bench --database "$db" "${dirs[@]}" > /dev/null 2>&1 || true
token=$("$bin" token create --name bench --scope read --database "$db" "${dirs[@]}" 2> /dev/null)

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start_ns=$(date +%s%N)
pids=()
ports=()
for i in $(seq 1 "$processes"); do
    ports+=("$(free_port)")
    index=$search
    [ "$processes" != 1 ] && index="$search-$i"
    [ "$i" = 1 ] && first_index=$index
    BANTIN_RATE_LIMIT=0 BANTIN_TRUSTED_PROXIES=127.0.0.1 RUST_LOG=warn "$bin" serve --bind "127.0.0.1:${ports[-1]}" \
        --database "$db" --search-dir "$index" --media-dir "$data/media" 2> "$data/server-$i.log" &
    pids+=($!)
done
pid=${pids[0]}
haproxy_pid=
sampler=
trap 'kill -TERM "${pids[@]}" $haproxy_pid 2> /dev/null || true; wait "${pids[@]}" 2> /dev/null || true; kill $sampler 2> /dev/null || true' EXIT
for i in "${!pids[@]}"; do
    until curl -sf "http://127.0.0.1:${ports[$i]}/readyz" > /dev/null; do
        kill -0 "${pids[$i]}" 2> /dev/null || { echo "bantin exited; see $data/server-$((i + 1)).log" >&2; exit 1; }
    done
done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
port=${ports[0]}
if [ "$processes" != 1 ]; then
    command -v haproxy > /dev/null || { apt-get update -qq && apt-get install -y -qq haproxy > /dev/null; }
    port=$(free_port)
    {
        printf 'global\n    maxconn 4096\ndefaults\n    mode http\n    timeout connect 1s\n'
        printf '    timeout client 30s\n    timeout server 30s\n    option http-keep-alive\n'
        printf 'frontend api\n    bind 127.0.0.1:%s\n    default_backend bantin\n' "$port"
        printf 'backend bantin\n    balance roundrobin\n'
        for p in "${ports[@]}"; do printf '    server s%s 127.0.0.1:%s\n' "$p" "$p"; done
    } > "$data/haproxy.cfg"
    haproxy -db -f "$data/haproxy.cfg" 2> "$data/haproxy.log" &
    haproxy_pid=$!
    until curl -sf "http://127.0.0.1:$port/healthz" > /dev/null; do sleep 0.1; done
fi
base="http://127.0.0.1:$port"
# Private (RssAnon) and mapped-file (RssFile: index pages) memory, sampled every
# 100 ms for the whole run; the kernel keeps a peak only for their sum.
( while kill -0 "$pid" 2> /dev/null; do
    awk '/RssAnon|RssFile/ {printf "%s %s ", $1, $2} END {print ""}' "/proc/$pid/status" 2> /dev/null || true
    sleep 0.1
  done ) > "$data/rss.txt" &
sampler=$!
# A dataset seeded without an index (or BENCH_REINDEX=1) has it built now, while the
# server already serves: measure how long until search is ready.
until curl -sf "$base/readyz" | grep -q '"search":"ready"'; do
    kill -0 "$pid" 2> /dev/null || { echo "bantin exited; see $data/server-1.log" >&2; exit 1; }
    sleep 0.2
done
# Every process builds its own index: timed until the last is ready.
for p in "${ports[@]}"; do until curl -sf "http://127.0.0.1:$p/readyz" | grep -q '"search":"ready"'; do sleep 0.2; done; done
index_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
index_bytes=$(du -sb "$first_index" | cut -f1)

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
load() { # mode url token connections seconds: one wrk run, its RESULT line
    BENCH_MODE=$1 BENCH_TOKEN=$3 BENCH_SLUGS="$data/slugs.txt" BENCH_IDS="$data/ids.txt" BENCH_CATEGORY="$category" \
        BENCH_QUERIES="$data/queries.txt" wrk -t1 -c"$4" -d"$5s" -s bench/scenario.lua "$2" | grep '^RESULT'
}
settle() { # until the server is idle: work queued by the last scenario (slow answers
    # still being computed, views still being flushed) must not land on the next one
    local deadline=$(( $(date +%s) + 60 )) t
    while [ "$(date +%s)" -lt "$deadline" ]; do
        t=$(curl -s -o /dev/null -w '%{time_total}' "$base/readyz")
        awk -v t="$t" 'BEGIN { exit !(t < 0.02) }' && return 0
        sleep 0.2
    done
    echo "the server did not settle within 60 s" >&2
}
run() { # name mode url [token]
    settle
    local line
    line=$(load "$2" "$3" "${4:-}" "$connections" "$duration")
    echo "$1 $line rss_mb=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")" | tee -a "$results" >&2
}
category=$(cat "$data/category.txt")
run healthz path "$base/healthz"
run article_by_slug slug "$base"
run article_by_slug_token slug "$base" "$token"
run list_page_1 path "$base/api/v1/articles"
# The same page with the fields a list screen shows (issue 18): bytes and throughput.
sparse_fields="id,slug,title,published_at"
run list_page_1_fields path "$base/api/v1/articles?fields=$sparse_fields"
list_bytes=$(curl -s "$base/api/v1/articles" | wc -c)
sparse_bytes=$(curl -s "$base/api/v1/articles?fields=$sparse_fields" | wc -c)
list_gzip=$(curl -s -H 'Accept-Encoding: gzip' "$base/api/v1/articles" | wc -c)
sparse_gzip=$(curl -s -H 'Accept-Encoding: gzip' "$base/api/v1/articles?fields=$sparse_fields" | wc -c)
run list_by_category path "$base/api/v1/articles?category=$category"
run cursor_page_1 path "$base/api/v1/articles?cursor=" "$token"
run cursor_depth_50k path "$base/api/v1/articles?cursor=$deep" "$token"
run post_view view "$base"
run post_view_2 view "$base"
run post_view_3 view "$base"
# Anonymous article and list reads while views flow (each flush used to outdate
# every cached answer).
settle
load view "$base" "" 16 $((duration + 2)) > "$data/background_views.txt" &
viewing=$!
sleep 1
run mixed mixed "$base"
wait $viewing
echo "views_in_background $(cat "$data/background_views.txt") rss_mb=0" | tee -a "$results" >&2
run popular_week path "$base/api/v1/articles/popular?window=week"
run search search "$base"
run search_uncached search "$base" "$token"
run suggest suggest "$base" "$token"
# Uncached article reads (read token) again, while 8 connections search.
settle
load search "$base" "$token" 8 $((duration + 2)) > "$data/background_search.txt" &
searching=$!
sleep 1
run reads_during_search slug "$base" "$token"
wait $searching
echo "search_in_background $(cat "$data/background_search.txt") rss_mb=0" | tee -a "$results" >&2
# Anonymous article reads while `bantin backup` snapshots the database (issue 13;
# SQLite only: PostgreSQL is backed up with its own tools).
if [ -z "$postgres" ]; then
    settle
    rm -rf "$data/backup"
    "$bin" backup "$data/backup" --database "$db" 2> "$data/backup.log" &
    backing=$!
    run reads_during_backup slug "$base"
    wait $backing
    rm -rf "$data/backup"
fi

rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
kill "$sampler" 2> /dev/null || true
anon_kb=$(awk '{for (i = 1; i < NF; i++) if ($i == "RssAnon:" && $(i + 1) > m) m = $(i + 1)} END {print m + 0}' "$data/rss.txt")
file_kb=$(awk '{for (i = 1; i < NF; i++) if ($i == "RssFile:" && $(i + 1) > m) m = $(i + 1)} END {print m + 0}' "$data/rss.txt")
if [ -n "$postgres" ]; then
    psql=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -1)/psql
    db_bytes=$("$psql" "$postgres" -Atc 'SELECT pg_database_size(current_database())' 2> /dev/null || echo 0)
else
    db_bytes=$(du -cb "$db" "$db"-* 2> /dev/null | tail -1 | cut -f1)
fi
python3 bench/report.py "$results" "$ready_ms" "$rss_kb" "$db_bytes" "$articles" "$duration" "$connections" \
    "$anon_kb" "$file_kb" "$index_ms" "$index_bytes" "$list_bytes $sparse_bytes $list_gzip $sparse_gzip" | tee bench/results/latest.md
if [ -n "$postgres" ]; then
    echo
    echo "Database: PostgreSQL ($("$psql" "$postgres" -Atc 'SHOW server_version' 2> /dev/null)), $processes process(es)$([ "$processes" != 1 ] && echo " behind haproxy, memory of the first")."
else
    echo
    echo "\`reads_during_backup\`: \`bantin backup\` (VACUUM INTO, then integrity check) started with the"
    echo "scenario's ${duration} s of reads; its own report: $(tail -1 "$data/backup.log")"
fi | tee -a bench/results/latest.md
