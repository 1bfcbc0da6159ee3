#!/usr/bin/env bash
# CI: the two-role deployment end to end on the local server. Creates the roles (no passwords:
# the CI server trusts local connections), migrates a fresh database as the owner, then — as the
# application role — appends to the audit trail, signs a checkpoint and verifies; and shows that the
# application role cannot switch off or bypass the protection.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
HOST=${PGHOST:-127.0.0.1}
DB=${ROLES_CHECK_DB:-advisory_roles_check}
OWNER=advisory_owner
APP=advisory_app
SUPER=${PGSUPERUSER:-postgres}
psql -h "$HOST" -U "$SUPER" -d postgres -qc "DROP DATABASE IF EXISTS $DB"
psql -h "$HOST" -U "$SUPER" -d postgres -q -v owner=$OWNER -v app=$APP -v owner_password= -v app_password= \
  -v dbname=$DB -f scripts/db/roles.sql >/dev/null
tmp=$(mktemp -d)
export DJANGO_SETTINGS_MODULE=advisory.settings.test
export DATABASE_URL=postgres://$APP@$HOST:5432/$DB
export MIGRATE_DATABASE_URL=postgres://$OWNER@$HOST:5432/$DB
export AUDIT_SIGNING_KEY_FILE=$tmp/k.pem AUDIT_PUBLIC_KEY_FILE=$tmp/k.pub AUDIT_CHECKPOINT_DIR=$tmp/cp
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py audit_keygen -v 0 >/dev/null
"$PY" manage.py shell -c "
from audit.services import audit_log
from audit.models import AuditAction
for i in range(3):
    audit_log(actor=None, action=AuditAction.OTHER, record_type='ci.check', record_id=str(i), reason='roles check')
"
"$PY" manage.py audit_checkpoint
"$PY" manage.py audit_verify --full
# the monthly partitions (PostgreSQL): the application role runs the upkeep (a SECURITY DEFINER
# function of the owner), verifies one month, and cannot touch a partition directly
"$PY" manage.py audit_partitions --months 14 >/dev/null
"$PY" manage.py audit_verify --month "$(date -u +%Y-%m)"
PART=$(psql -h "$HOST" -U $APP -d $DB -Atc "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = 'audit_auditentry'::regclass AND c.relname = 'audit_auditentry_y' || to_char(now() AT TIME ZONE 'UTC', 'YYYY\"m\"MM')")
AHEAD=$(psql -h "$HOST" -U $APP -d $DB -Atc "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = 'audit_auditentry'::regclass ORDER BY c.relname DESC LIMIT 1 OFFSET 1")
[ -n "$PART" ] && [ -n "$AHEAD" ] || { echo "the trail is not partitioned by month" >&2; exit 1; }
for sql in "TRUNCATE audit_auditentry" "ALTER TABLE audit_auditentry DISABLE TRIGGER ALL" \
           "UPDATE audit_auditentry SET reason = 'x'" "DELETE FROM audit_auditentry" \
           "TRUNCATE $PART" "TRUNCATE $AHEAD" "TRUNCATE audit_auditentry_default" \
           "ALTER TABLE $PART DISABLE TRIGGER ALL" "UPDATE $PART SET reason = 'x'" "DELETE FROM $PART" \
           "ALTER TABLE audit_auditentry DETACH PARTITION $PART" "DROP TABLE $AHEAD" \
           "CREATE TABLE audit_auditentry_y2999m01 PARTITION OF audit_auditentry FOR VALUES FROM ('2999-01-01') TO ('2999-02-01')" \
           "SELECT audit_partition_add('2999-01-01')"; do
  if psql -h "$HOST" -U $APP -d $DB -qc "$sql" >/dev/null 2>&1; then
    echo "the application role was allowed: $sql" >&2
    exit 1
  fi
done
psql -h "$HOST" -U "$SUPER" -d postgres -qc "DROP DATABASE IF EXISTS $DB"
rm -rf "$tmp"
echo "database roles: owner migrates, application role appends and verifies, cannot tamper: ok"
