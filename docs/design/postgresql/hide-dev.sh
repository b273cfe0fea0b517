#!/usr/bin/env bash
# Run a command with the machine's libpq/OpenSSL development files hidden (a private mount
# namespace; nothing on disk changes): headers, pkg-config files, static archives, pg_config.
# Proves a build needs no libpq-dev / libssl-dev. Usage: hide-dev.sh CMD...
set -euo pipefail
exec unshare -m -- bash -c '
set -e
empty=$(mktemp -d)
for d in /usr/include/postgresql /usr/include/openssl /usr/include/x86_64-linux-gnu/openssl; do
  [ -d "$d" ] && mount --bind "$empty" "$d"
done
for f in /usr/lib/x86_64-linux-gnu/pkgconfig/{libpq,libssl,libcrypto,openssl}.pc \
         /usr/lib/x86_64-linux-gnu/{libpq,libssl,libcrypto}.a /usr/bin/pg_config; do
  [ -e "$f" ] && mount --bind /dev/null "$f"
done
exec "$@"' hide "$@"
