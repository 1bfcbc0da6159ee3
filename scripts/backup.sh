#!/usr/bin/env bash
# Back up the database (pg_dump custom format) and the media files (archived PDFs, uploads).
# Usage: DATABASE_URL=postgres://user@host:5432/advisory MEDIA_ROOT=/srv/advisory/media scripts/backup.sh /backups
# Encryption keys (SECRET_KEY, SALT_KEY, LOOKUP_HASH_KEY) are NOT in the backup: keep them apart.
set -euo pipefail
dest="${1:?usage: backup.sh DEST_DIR}"
: "${DATABASE_URL:?set DATABASE_URL}"
media="${MEDIA_ROOT:-var/media}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$dest"
pg_dump -Fc --no-owner -d "$DATABASE_URL" -f "$dest/advisory-$stamp.dump"
tar -C "$(dirname "$media")" -czf "$dest/media-$stamp.tar.gz" "$(basename "$media")"
(cd "$dest" && sha256sum "advisory-$stamp.dump" "media-$stamp.tar.gz" > "SHA256SUMS-$stamp")
echo "backup written: $dest/advisory-$stamp.dump, $dest/media-$stamp.tar.gz"
