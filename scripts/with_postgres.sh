#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server on loopback: installs Debian's postgresql when
# missing, starts a private cluster in a temporary folder, exports MINYI_TEST_DATABASE_URL, cleans up.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
DIR=$(mktemp -d)
PORT=${MINYI_PG_PORT:-55432}
AS=""; [ "$(id -u)" = 0 ] && AS="runuser -u postgres --" && chown postgres "$DIR"
$AS "$BIN/initdb" -D "$DIR/data" -A trust -U minyi >/dev/null
$AS "$BIN/pg_ctl" -D "$DIR/data" -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" -l "$DIR/log" -w start >/dev/null
trap '$AS "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null; rm -rf "$DIR"' EXIT
"$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U minyi minyi_test
export MINYI_TEST_DATABASE_URL="postgresql+psycopg://minyi@127.0.0.1:$PORT/minyi_test"
"$@"
