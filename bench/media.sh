#!/usr/bin/env bash
# Media benchmark (issue 16): the time to upload a 12-megapixel JPEG (4000 × 3000; the
# answer comes once the original is cleaned and all four variants are made and stored),
# and the throughput of serving each variant as a ratio to GET /healthz measured in the
# same run (target: ≥ 0.5×). Uploads are sequential, each a different picture
# (bench/media_image.rs) so every one stores new files. Results: bench/results/media.md.
#
# Settings (env): BENCH_UPLOADS (5), BENCH_DURATION seconds per wrk run (10),
# BENCH_CONNECTIONS (32).
set -euo pipefail
cd "$(dirname "$0")/.."
uploads=${BENCH_UPLOADS:-5}
duration=${BENCH_DURATION:-10}
connections=${BENCH_CONNECTIONS:-32}
mkdir -p bench/results
command -v wrk > /dev/null || { apt-get update -qq && apt-get install -y -qq wrk > /dev/null; }
cargo build --release --quiet --bin bantin --example bench_media_image
bin=target/release/bantin
work=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill -TERM "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

target/release/examples/bench_media_image "$work" "$uploads"
photo_mb=$(du -cb "$work"/photo-*.jpg | tail -1 | awk -v n="$uploads" '{printf "%.1f", $1 / n / 1048576}')
writer=$("$bin" token create --name bench --scope editor --database "$work/bench.db" 2> /dev/null)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BANTIN_RATE_LIMIT=0 RUST_LOG=warn "$bin" serve --bind "127.0.0.1:$port" --database "$work/bench.db" \
    --media-dir "$work/media" 2> "$work/server.log" &
pid=$!
base="http://127.0.0.1:$port"
until curl -sf "$base/readyz" > /dev/null; do
    kill -0 "$pid" 2> /dev/null || { echo "bantin exited:" >&2; cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
done

: > "$work/upload_times.txt"
for n in $(seq 1 "$uploads"); do
    answer=$(curl -s -o "$work/upload.json" -w '%{http_code} %{time_total}' -H "Authorization: Bearer $writer" \
        -F "file=@$work/photo-$n.jpg" -F "alt=Ảnh thử hiệu năng $n" "$base/api/v1/media")
    [ "${answer%% *}" = 201 ] || { echo "upload $n answered $answer: $(cat "$work/upload.json")" >&2; exit 1; }
    echo "${answer#* }" | tee -a "$work/upload_times.txt" >&2
done
upload_rss_mb=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
# Each variant of the last upload: width, bytes, path.
python3 - "$work/upload.json" "$work/media" > "$work/variants.txt" <<'PY'
import json, os, sys
media = json.load(open(sys.argv[1]))
for v in media["variants"]:
    name = v["url"].rsplit("/", 1)[1]
    print(v["width"], v["height"], os.path.getsize(os.path.join(sys.argv[2], name)), v["url"])
PY

rate() { # url: requests per second over one wrk run
    wrk -t1 -c"$connections" -d"${duration}s" "$1" | awk '/^Requests\/sec/ {print $2}'
}
healthz=$(rate "$base/healthz")
echo "healthz $healthz req/s" >&2
: > "$work/serving.txt"
while read -r width height bytes url; do
    rps=$(rate "$base$url")
    echo "$width $height $bytes $rps" | tee -a "$work/serving.txt" >&2
done < "$work/variants.txt"
# One connection, one request at a time: the latency of a single answer, where a
# stall (such as TCP delayed ACK) shows as a floor.
latency() { # url: p50 and p99 in ms
    wrk -t1 -c1 -d"${duration}s" --latency "$1" |
        awk '$1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 } END { print p50, p99 }'
}
healthz_latency=$(latency "$base/healthz")
read -r _ _ _ smallest < "$work/variants.txt"
variant_latency=$(latency "$base$smallest")

{
    echo "# Media benchmark"
    echo
    echo "$(date -u +%Y-%m-%d), $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), release build."
    echo
    echo "## Upload of a 12-megapixel JPEG"
    echo
    echo "$uploads sequential uploads of different 4000 × 3000 JPEGs (mean $photo_mb MiB) with curl over"
    echo "loopback; each answer (201) comes after the original is re-encoded without metadata"
    echo "and the 320, 640, 1024 and 1600 px variants are made and stored."
    echo
    awk '{ s += $1; if ($1 > max) max = $1; if (min == "" || $1 < min) min = $1 }
         END { printf "| uploads | mean | min | max |\n|---|---|---|---|\n| %d | %.2f s | %.2f s | %.2f s |\n", NR, s / NR, min, max }' \
        "$work/upload_times.txt"
    echo
    echo "Each: $(paste -sd' ' "$work/upload_times.txt" | sed 's/ / s, /g') s. Server peak RSS after the uploads: $upload_rss_mb MiB."
    echo
    echo "## Serving a variant (target ≥ 0.5× /healthz)"
    echo
    echo "wrk, 1 thread, $connections connections, ${duration} s per row, same server and run."
    echo
    echo "| GET | bytes | req/s | × /healthz |"
    echo "|---|---|---|---|"
    echo "| /healthz | | $healthz | 1.00 |"
    awk -v h="$healthz" '{ printf "| variant %d × %d | %d | %s | %.2f |\n", $1, $2, $3, $4, $4 / h }' "$work/serving.txt"
    echo
    echo "One connection, one request at a time (p50, p99): /healthz $healthz_latency; the smallest"
    echo "variant $variant_latency."
} | tee bench/results/media.md
