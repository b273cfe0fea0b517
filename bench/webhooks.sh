#!/usr/bin/env bash
# Webhook benchmark (issue 15): a write's latency with no subscription, with one whose
# receiver answers at once, and with one whose receiver accepts connections and never
# answers. Writes are `POST /api/v1/tags`, one at a time over one keep-alive
# connection (bench/webhooks.py). Target: a receiver that never answers does not slow
# writes (same latency as with no subscription). Results: bench/results/webhooks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
writes=${BENCH_WRITES:-500}
mkdir -p bench/results
cargo build --release --quiet --bin bantin
work=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
bin=target/release/bantin
writer=$("$bin" token create --name bench --scope editor --database "$work/bench.db" 2>/dev/null)
admin=$("$bin" token create --name bench-admin --scope admin --database "$work/bench.db" 2>/dev/null)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BANTIN_RATE_LIMIT=0 BANTIN_WEBHOOK_ALLOW_PRIVATE=1 RUST_LOG=warn \
    "$bin" serve --bind "127.0.0.1:$port" --database "$work/bench.db" &
pid=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break
    sleep 0.1
done
python3 bench/webhooks.py "$port" "$writer" "$admin" "$writes" | tee bench/results/webhooks.md
