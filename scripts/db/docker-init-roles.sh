#!/bin/sh
# /docker-entrypoint-initdb.d hook of the postgres container (first start of an empty volume):
# creates the owner and application roles and the database (scripts/db/roles.sql).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner="${ADVISORY_DB_OWNER:-advisory_owner}" -v app="${ADVISORY_DB_APP:-advisory_app}" \
  -v owner_password="$ADVISORY_DB_OWNER_PASSWORD" -v app_password="$ADVISORY_DB_APP_PASSWORD" \
  -v dbname="${ADVISORY_DB_NAME:-advisory}" -f /docker-entrypoint-initdb.d/roles.sql.in
