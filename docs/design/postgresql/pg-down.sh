#!/usr/bin/env bash
set -euo pipefail
dir=$1; bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
rm -rf "$dir"
