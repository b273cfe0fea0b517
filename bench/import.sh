#!/usr/bin/env bash
# Import benchmark (issue 13): generates a WordPress export of BENCH_POSTS posts
# (20,000) with bench/wxr.py, imports it into an empty database with
# `bantin import-wordpress`, and reports wall time and peak RSS
# (bench/results/import.md). Targets: < 60 s, peak RSS < 150 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
posts=${BENCH_POSTS:-20000}
data=bench/data/wxr-$posts
mkdir -p "$data" bench/results
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time > /dev/null; }
cargo build --release --quiet --bin bantin
[ -f "$data/export.xml" ] || python3 bench/wxr.py "$posts" "$data/export.xml"
rm -rf "$data"/import.db*
run() { # label: import into $data/import.db, print "seconds peak_kb"
    /usr/bin/time -f '%e %M' -o "$data/time.txt" target/release/bantin import-wordpress "$data/export.xml" \
        --database "$data/import.db" 2> "$data/$1.log"
    cat "$data/time.txt"
}
read -r first_s first_kb <<< "$(run first)"
read -r again_s again_kb <<< "$(run again)"
size_mb=$(du -m "$data/export.xml" | cut -f1)
{
    echo "WordPress import: $posts posts, export of $size_mb MB (bench/wxr.py), 2 cores."
    echo
    echo "| run | seconds | peak RSS, MB | target |"
    echo "|---|---:|---:|---|"
    echo "| into an empty database | $first_s | $((first_kb / 1024)) | < 60 s, < 150 MB |"
    echo "| again (everything unchanged) | $again_s | $((again_kb / 1024)) | |"
    echo
    echo '```'
    cat "$data/first.log"
    echo '```'
} | tee bench/results/import.md
