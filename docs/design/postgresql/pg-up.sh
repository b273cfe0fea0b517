#!/usr/bin/env bash
# Start a throwaway PostgreSQL from Debian's packages: unprivileged user, temp dir, loopback port.
# Prints the URL. Stop with: pg-down.sh DIR
set -euo pipefail
port=${PGPORT_BANTIN:-55432}
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null; }
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/bantin-pg.XXXXXX)
chown postgres:postgres "$dir"; chmod 700 "$dir"
echo bantin-secret >"$dir/pw"; chown postgres "$dir/pw"
# scram-sha-256 over TCP (what a real deployment uses), trust on the private unix socket.
runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U bantin --pwfile="$dir/pw" \
  --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log"
runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
runuser -u postgres -- "$bin/createdb" -h "$dir" -p "$port" -U bantin bantin
echo "$dir"
echo "postgres://bantin:bantin-secret@127.0.0.1:$port/bantin"
