#!/usr/bin/env bash
# Back up minyi's PostgreSQL databases into OUT_DIR: the data (MINYI_DATABASE_URL) and, when it is on
# PostgreSQL, the job queue (MINYI_JOBS_URL), each with pg_dump's custom format, plus their checksums.
# The queue is dumped first: every task in it refers to messages already in the later data dump, and a
# message stored after the queue dump is analysed by the workers' catch-up after a restore (docs/jobs.md).
# Usage: deploy/backup.sh OUT_DIR   (restore with deploy/restore.sh OUT_DIR; tested in tests/deploy/)
set -euo pipefail
OUT=${1:?usage: deploy/backup.sh OUT_DIR}
: "${MINYI_DATABASE_URL:?set MINYI_DATABASE_URL (and MINYI_JOBS_URL) as for minyi itself}"
libpq() { printf '%s' "$1" | sed -E 's#^postgres(ql)?\+[a-z0-9]+://#postgresql://#'; }
mkdir -p "$OUT"
if [[ "${MINYI_JOBS_URL:-}" == postgres* ]]; then
  pg_dump --format=custom --no-owner --file="$OUT/minyi_jobs.dump" "$(libpq "$MINYI_JOBS_URL")"
fi
pg_dump --format=custom --no-owner --file="$OUT/minyi.dump" "$(libpq "$MINYI_DATABASE_URL")"
(cd "$OUT" && sha256sum ./*.dump > SHA256SUMS)
echo "backup written to $OUT"
