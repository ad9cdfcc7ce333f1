#!/usr/bin/env bash
# Restore a backup of deploy/backup.sh into the (existing, possibly empty) databases named by
# MINYI_DATABASE_URL and MINYI_JOBS_URL: checksums checked, each database replaced in one transaction.
# Stop the web and worker processes first; run `minyi migrate` afterwards when the code is newer than the backup.
# Usage: deploy/restore.sh BACKUP_DIR
set -euo pipefail
IN=${1:?usage: deploy/restore.sh BACKUP_DIR}
: "${MINYI_DATABASE_URL:?set MINYI_DATABASE_URL (and MINYI_JOBS_URL) to the databases to restore into}"
libpq() { printf '%s' "$1" | sed -E 's#^postgres(ql)?\+[a-z0-9]+://#postgresql://#'; }
(cd "$IN" && sha256sum --check --quiet SHA256SUMS)
restore() {
  pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error --dbname="$(libpq "$2")" "$1"
}
restore "$IN/minyi.dump" "$MINYI_DATABASE_URL"
if [[ -f "$IN/minyi_jobs.dump" ]]; then
  [[ "${MINYI_JOBS_URL:-}" == postgres* ]] || { echo "the backup has a queue: set MINYI_JOBS_URL" >&2; exit 1; }
  restore "$IN/minyi_jobs.dump" "$MINYI_JOBS_URL"
fi
echo "restored from $IN"
