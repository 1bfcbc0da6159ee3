"""The audit trail partitioned by month on PostgreSQL (docs/audit.md "Partitioning").

Converts `audit_auditentry`, with its rows, into a table PARTITIONED BY RANGE (occurred_at): one
partition per UTC month from the first entry's month to AUDIT_PARTITION_MONTHS_AHEAD months ahead,
plus a DEFAULT partition. In one transaction, under an ACCESS EXCLUSIVE lock: rename the old table
and its identity sequence, create the partitioned table like it (same columns, defaults and a new
identity continuing where the old one stopped), copy the rows through the parent, drop the old table,
then recreate every index (the unique constraint on `sequence` becomes a plain index: a unique
index on a partitioned table must contain the partition key), the triggers and the privileges the
old table had (table and column grants), and ANALYZE. The primary key becomes (id, occurred_at);
the Django model keeps `id`. Nothing references the trail by foreign key (checked: the migration
refuses to run if something does).

SQLite keeps the plain table: only the model state changes (sequence: unique → indexed).
The reverse operation converts back to a plain table with UNIQUE (sequence).
"""

from django.conf import settings
from django.db import migrations, models

TABLE = "audit_auditentry"
OLD = "audit_auditentry_old"
SEQUENCE_UNIQUE = "audit_auditentry_sequence_key"


def _months(first, last):
    from audit.partitions import next_month

    out, month = [], first
    while month <= last:
        out.append(month)
        month = next_month(month)
    return out


def _snapshot(cur, table):
    """Index definitions (but the primary key and the unique constraint on sequence), trigger
    definitions and privileges (table and column level) of `table`, to be replayed on the new one."""
    cur.execute(
        "SELECT count(*) FROM pg_constraint WHERE confrelid = %s::regclass AND contype = 'f'", [table]
    )
    if cur.fetchone()[0]:
        raise RuntimeError(f"{table} is referenced by a foreign key: partitioning would break it")
    cur.execute(
        """SELECT ci.relname, pg_get_indexdef(i.indexrelid), i.indisprimary, i.indisunique,
                  array(SELECT a.attname FROM unnest(i.indkey) k JOIN pg_attribute a
                         ON a.attrelid = i.indrelid AND a.attnum = k)
             FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
            WHERE i.indrelid = %s::regclass ORDER BY ci.relname""",
        [table],
    )
    indexes = []
    for name, definition, primary, unique, columns in cur.fetchall():
        if primary or (unique and list(columns) == ["sequence"]):
            continue
        if unique and "occurred_at" not in columns:
            raise RuntimeError(f"unique index {name} on {table} lacks the partition key")
        indexes.append(definition.replace(" ON ONLY public.", " ON public."))
    cur.execute(
        "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE t.tgrelid = %s::regclass"
        " AND NOT t.tgisinternal AND t.tgparentid = 0 ORDER BY t.tgname",
        [table],
    )
    triggers = [row[0] for row in cur.fetchall()]
    cur.execute(
        """SELECT coalesce(r.rolname, 'PUBLIC'), x.privilege_type
             FROM pg_class c, aclexplode(c.relacl) x LEFT JOIN pg_roles r ON r.oid = x.grantee
            WHERE c.oid = %s::regclass AND x.grantee <> c.relowner""",
        [table],
    )
    grants = cur.fetchall()
    cur.execute(
        """SELECT a.attname, coalesce(r.rolname, 'PUBLIC'), x.privilege_type
             FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid, aclexplode(a.attacl) x
             LEFT JOIN pg_roles r ON r.oid = x.grantee
            WHERE c.oid = %s::regclass AND a.attacl IS NOT NULL AND x.grantee <> c.relowner""",
        [table],
    )
    column_grants = cur.fetchall()
    cur.execute(
        """SELECT coalesce(r.rolname, 'PUBLIC'), x.privilege_type
             FROM pg_class c, aclexplode(c.relacl) x LEFT JOIN pg_roles r ON r.oid = x.grantee
            WHERE c.oid = pg_get_serial_sequence(%s, 'id')::regclass AND x.grantee <> c.relowner""",
        [table],
    )
    sequence_grants = cur.fetchall()
    return indexes, triggers, grants, column_grants, sequence_grants


def _role(name):
    return "PUBLIC" if name == "PUBLIC" else f'"{name}"'


def _replay(cur, snapshot):
    indexes, triggers, grants, column_grants, sequence_grants = snapshot
    for sql in indexes:
        cur.execute(sql)
    for sql in triggers:
        cur.execute(sql)
    for role, privilege in grants:
        cur.execute(f"GRANT {privilege} ON {TABLE} TO {_role(role)}")
    for column, role, privilege in column_grants:
        cur.execute(f'GRANT {privilege} ("{column}") ON {TABLE} TO {_role(role)}')
    cur.execute(f"SELECT pg_get_serial_sequence('{TABLE}', 'id')")
    sequence = cur.fetchone()[0]
    for role, privilege in sequence_grants:
        cur.execute(f"GRANT {privilege} ON SEQUENCE {sequence} TO {_role(role)}")


def _swap_out(cur):
    """Rename the table, its primary key and its identity sequence out of the way."""
    cur.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    cur.execute(f"SELECT pg_get_serial_sequence('{TABLE}', 'id')")
    sequence = cur.fetchone()[0]
    cur.execute(f"ALTER SEQUENCE {sequence} RENAME TO {OLD}_id_seq")
    cur.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
    cur.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT {TABLE}_pkey TO {OLD}_pkey")


def _copy_and_drop(cur):
    cur.execute(
        "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [OLD],
    )
    cols = cur.fetchone()[0]
    cur.execute(f"INSERT INTO {TABLE} ({cols}) SELECT {cols} FROM {OLD}")  # noqa: S608
    copied = cur.rowcount
    cur.execute(f"SELECT count(*) FROM {OLD}")  # noqa: S608
    if cur.fetchone()[0] != copied:
        raise RuntimeError("audit entries were not all copied")
    cur.execute(
        f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), last_value, is_called) FROM {OLD}_id_seq"  # noqa: S608
    )
    cur.execute(f"DROP TABLE {OLD}")


def _relkind(cur):
    cur.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [f"public.{TABLE}"])
    row = cur.fetchone()
    return row[0] if row else None


def partition(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor != "postgresql":
        return
    from audit.partitions import FUNCTIONS_SQL, month_start, months_ahead

    with conn.cursor() as cur:
        if _relkind(cur) != "r":
            return
        snapshot = _snapshot(cur, TABLE)
        cur.execute(f"SELECT min(occurred_at), max(occurred_at), now() FROM {TABLE}")  # noqa: S608
        first, last, now = cur.fetchone()
        _swap_out(cur)
        cur.execute(
            f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING STORAGE"
            " INCLUDING COMMENTS INCLUDING COMPRESSION) PARTITION BY RANGE (occurred_at)"
        )
        cur.execute(FUNCTIONS_SQL)
        this_month = month_start(now)
        months = _months(
            min(month_start(first), this_month) if first else this_month,
            max(month_start(last), this_month) if last else this_month,
        )
        for month in months:
            cur.execute("SELECT audit_partition_add(%s)", [month])
        cur.execute("SELECT count(*) FROM audit_partitions_ensure(%s)", [months_ahead()])
        _copy_and_drop(cur)
        cur.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, occurred_at)")
        # the chain's order within each partition (the global uniqueness of `sequence` is kept by the
        # sequencer under the head lock and the head's trigger, and checked by verification)
        name = schema_editor._create_index_name(TABLE, ["sequence"], suffix="")
        cur.execute(f'CREATE INDEX "{name}" ON {TABLE} (sequence)')
        _replay(cur, snapshot)
        cur.execute(f"ANALYZE {TABLE}")


def unpartition(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor != "postgresql":
        return
    with conn.cursor() as cur:
        if _relkind(cur) != "p":
            return
        snapshot = _snapshot(cur, TABLE)
        name = schema_editor._create_index_name(TABLE, ["sequence"], suffix="")
        snapshot[0][:] = [
            sql for sql in snapshot[0] if f'INDEX "{name}"' not in sql and f"INDEX {name} " not in sql
        ]
        _swap_out(cur)
        cur.execute(
            f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING STORAGE"
            " INCLUDING COMMENTS INCLUDING COMPRESSION)"
        )
        _copy_and_drop(cur)
        cur.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id)")
        cur.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {SEQUENCE_UNIQUE} UNIQUE (sequence)")
        _replay(cur, snapshot)
        cur.execute("DROP FUNCTION IF EXISTS audit_partitions_ensure(integer)")
        cur.execute("DROP FUNCTION IF EXISTS audit_partition_add(date)")
        cur.execute("DROP FUNCTION IF EXISTS audit_partition_add_default()")
        cur.execute(f"ANALYZE {TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0010_merge_20261130_1722"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="sequence",
                    field=models.BigIntegerField(
                        blank=True, db_index=True, null=True, verbose_name="sequence"
                    ),
                ),
            ],
            # PostgreSQL: done by `partition` below; SQLite keeps its plain table (and its stricter
            # UNIQUE constraint)
            database_operations=[],
        ),
        migrations.AlterField(
            model_name="auditverification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("full", "Full (every entry)"),
                    ("incremental", "Incremental (from the last good checkpoint)"),
                    ("month", "One month (its partition, linked to the entry before it)"),
                ],
                max_length=12,
                verbose_name="kind",
            ),
        ),
        migrations.RunPython(partition, unpartition),
    ]
