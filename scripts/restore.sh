#!/usr/bin/env bash
# Restore a backup into a NEW database and prove the audit chain still verifies.
# Usage: scripts/restore.sh /backups/advisory-STAMP.dump postgres://user@host:5432/advisory_restored [media.tar.gz MEDIA_PARENT]
set -euo pipefail
dump="${1:?usage: restore.sh DUMP TARGET_DATABASE_URL [MEDIA_TAR MEDIA_PARENT]}"
target="${2:?usage: restore.sh DUMP TARGET_DATABASE_URL}"
dbname="${target##*/}"
server="${target%/*}/postgres"
psql -d "$server" -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$dbname\""
pg_restore --no-owner --exit-on-error -d "$target" "$dump"
if [[ $# -ge 4 ]]; then
  mkdir -p "$4" && tar -C "$4" -xzf "$3"
fi
DATABASE_URL="$target" .venv/bin/python manage.py audit_verify
