"""Database protection of the trail and of the record history (PostgreSQL; SPEC §5, issue 12).

Installed after every `migrate` (post_migrate, as the owner role that runs migrations), so a history
table added by any later migration is covered too:

* audit tables: TRUNCATE refused (statement-level trigger) on every table of the audit app; the
  trail (`audit_auditentry`) refuses DELETE and every UPDATE except the one that blanks a redacted
  entry's personal content (hashes and metadata unchanged) and the sequencer's, which chains an
  unchained entry once (sets its sequence, previous hash and hash; nothing else); checkpoint and verification rows are
  append-only; the chain head only moves forward, by exactly the entries appended after it, onto the
  hash of the last one (so it cannot be rewound to hide a cut tail).
* the trail's monthly partitions (PostgreSQL, audit.partitions): the row triggers are cloned from
  the parent onto every partition, the TRUNCATE trigger is created on each; verification checks
  them per partition too.
* history tables (django-simple-history `Historical*`): TRUNCATE, UPDATE and DELETE refused, except
  for a history row whose chained audit entry is already redacted (disposal: `audit_redact` first,
  then blank or delete the history rows), or — for the table owner or a superuser only — inside a
  transaction that says `SET LOCAL audit.redaction = 'on'` (maintenance escape hatch).

None of these triggers can be switched off with a session setting; disabling a trigger needs the
table's owner (ALTER TABLE … DISABLE TRIGGER) or a superuser (session_replication_role). The
application connects as a role that owns nothing (see `grant_app_role`, docs/operations.md), so
its own credentials cannot do either. `audit_verify` reports a missing or disabled trigger.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connections, models

logger = logging.getLogger(__name__)

ENTRY_TABLE = "audit_auditentry"
HEAD_TABLE = "audit_auditchainhead"
APPEND_ONLY_TABLES = ("audit_auditcheckpoint", "audit_auditverification")

FUNCTIONS_SQL = r"""
CREATE OR REPLACE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit protection (%): % on % is refused; the audit trail and the record history are append-only',
    TG_NAME, TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION audit_entry_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- the one update the system makes: disposal blanks the personal content, hashes stay
  IF NEW.redacted AND NEW.record_label = '' AND NEW.changes = '{}'
     AND (NEW.id, NEW.sequence, NEW.occurred_at, NEW.actor_id, NEW.actor_label, NEW.action,
          NEW.record_type, NEW.record_id, NEW.client_id, NEW.reason, NEW.ip_address, NEW.user_agent,
          NEW.history_id, NEW.history_hash, NEW.content_hash, NEW.prev_hash, NEW.hash)
     IS NOT DISTINCT FROM
         (OLD.id, OLD.sequence, OLD.occurred_at, OLD.actor_id, OLD.actor_label, OLD.action,
          OLD.record_type, OLD.record_id, OLD.client_id, OLD.reason, OLD.ip_address, OLD.user_agent,
          OLD.history_id, OLD.history_hash, OLD.content_hash, OLD.prev_hash, OLD.hash)
  THEN
    RETURN NEW;
  END IF;
  -- the sequencer chains a committed entry once (issue 18): sequence, previous hash and hash
  -- are set on a row that has none yet, beyond the chain head; nothing else changes
  IF OLD.sequence IS NULL AND OLD.prev_hash = '' AND OLD.hash = ''
     AND NEW.sequence IS NOT NULL
     AND NEW.sequence > coalesce((SELECT h.sequence FROM audit_auditchainhead h WHERE h.id = 1), 0)
     AND NEW.prev_hash ~ '^[0-9a-f]{64}$' AND NEW.hash ~ '^[0-9a-f]{64}$'
     AND (NEW.id, NEW.occurred_at, NEW.actor_id, NEW.actor_label, NEW.action, NEW.record_type,
          NEW.record_id, NEW.record_label, NEW.client_id, NEW.reason, NEW.changes, NEW.ip_address,
          NEW.user_agent, NEW.history_id, NEW.history_hash, NEW.content_hash, NEW.redacted)
     IS NOT DISTINCT FROM
         (OLD.id, OLD.occurred_at, OLD.actor_id, OLD.actor_label, OLD.action, OLD.record_type,
          OLD.record_id, OLD.record_label, OLD.client_id, OLD.reason, OLD.changes, OLD.ip_address,
          OLD.user_agent, OLD.history_id, OLD.history_hash, OLD.content_hash, OLD.redacted)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit protection (%): audit entries are append-only (only the personal content of a redacted entry may be blanked, and an unchained entry chained once)',
    TG_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  appended bigint;
  first_prev text;
  last_hash text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- a second head: let the primary key refuse it (a concurrent first append retries its read)
    IF NEW.id = 1 AND (EXISTS (SELECT 1 FROM audit_auditchainhead WHERE id = 1)
                       OR (NEW.sequence = 0 AND NEW.last_hash = repeat('0', 64)
                           AND NOT EXISTS (SELECT 1 FROM audit_auditentry
                                            WHERE sequence IS NOT NULL))) THEN
      RETURN NEW;
    END IF;
  ELSIF NEW.id = OLD.id AND NEW.sequence > OLD.sequence THEN
    SELECT count(*) INTO appended FROM audit_auditentry
     WHERE sequence > OLD.sequence AND sequence <= NEW.sequence;
    SELECT prev_hash INTO first_prev FROM audit_auditentry WHERE sequence = OLD.sequence + 1;
    SELECT hash INTO last_hash FROM audit_auditentry WHERE sequence = NEW.sequence;
    IF appended = NEW.sequence - OLD.sequence AND first_prev = OLD.last_hash
       AND last_hash = NEW.last_hash THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit protection (%): the chain head only moves forward, onto the entries appended after it',
    TG_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

-- The sequencer (audit/sequencer.py, issue 18): chain up to max_rows committed, unchained entries
-- in id order under the chain head's row lock, in the caller's transaction. Returns how many, or
-- -1 when another sequencer holds the head and wait is false. The hash is the one verification
-- recomputes (audit/verification.py _PG_ENTRY_CHECKS) and audit.services._chain_digest computes.
CREATE OR REPLACE FUNCTION audit_chain_pending(max_rows integer, wait boolean) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  head_seq bigint;
  head_hash text;
  digest text;
  n integer := 0;
  r record;
  ids bigint[] := '{}';
  whens timestamptz[] := '{}';
  seqs bigint[] := '{}';
  prevs text[] := '{}';
  hashes text[] := '{}';
  changed integer;
BEGIN
  IF wait THEN
    SELECT h.sequence, h.last_hash INTO head_seq, head_hash FROM audit_auditchainhead h WHERE h.id = 1 FOR UPDATE;
  ELSE
    SELECT h.sequence, h.last_hash INTO head_seq, head_hash
      FROM audit_auditchainhead h WHERE h.id = 1 FOR UPDATE SKIP LOCKED;
    IF head_seq IS NULL AND EXISTS (SELECT 1 FROM audit_auditchainhead WHERE id = 1) THEN
      RETURN -1;
    END IF;
  END IF;
  IF head_seq IS NULL THEN
    INSERT INTO audit_auditchainhead (id, sequence, last_hash) VALUES (1, 0, repeat('0', 64))
      ON CONFLICT (id) DO NOTHING;
    SELECT h.sequence, h.last_hash INTO head_seq, head_hash FROM audit_auditchainhead h WHERE h.id = 1 FOR UPDATE;
  END IF;
  -- a statement after the lock: its snapshot holds everything the previous holder chained
  FOR r IN SELECT e.id, e.occurred_at, e.actor_id, e.actor_label, e.action, e.record_type, e.record_id,
                  e.client_id, e.reason, e.ip_address, e.user_agent, e.history_id, e.content_hash,
                  e.history_hash
             FROM audit_auditentry e WHERE e.sequence IS NULL ORDER BY e.id LIMIT max_rows LOOP
    head_seq := head_seq + 1;
    digest := encode(sha256(convert_to(concat_ws(chr(31),
                head_hash, head_seq::text,
                to_char(r.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
                coalesce(r.actor_id::text, ''), r.actor_label, r.action, r.record_type, r.record_id,
                coalesce(r.client_id::text, ''), r.reason, coalesce(host(r.ip_address), ''), r.user_agent,
                coalesce(r.history_id::text, ''), r.content_hash)
                || CASE WHEN r.history_hash = '' THEN '' ELSE chr(31) || r.history_hash END, 'UTF8')), 'hex');
    ids := ids || r.id;
    whens := whens || r.occurred_at;
    seqs := seqs || head_seq;
    prevs := prevs || head_hash;
    hashes := hashes || digest;
    head_hash := digest;
    n := n + 1;
  END LOOP;
  IF n > 0 THEN
    -- one UPDATE for the whole batch (one per entry cost twice as much: the statement overhead
    -- of each, on top of the same row and index writes); the trigger still checks every row
    UPDATE audit_auditentry e SET sequence = v.seq, prev_hash = v.prev, hash = v.digest
      FROM unnest(ids, whens, seqs, prevs, hashes) AS v(id, at, seq, prev, digest)
     -- occurred_at: the partition key, so each row is found through its month's primary key
     WHERE e.id = v.id AND e.occurred_at = v.at AND e.sequence IS NULL;
    GET DIAGNOSTICS changed = ROW_COUNT;
    IF changed <> n THEN
      RAISE EXCEPTION 'audit sequencer: % of % entries were already chained', n - changed, n;
    END IF;
    UPDATE audit_auditchainhead SET sequence = head_seq, last_hash = head_hash WHERE id = 1;
  END IF;
  RETURN n;
END $$;

CREATE OR REPLACE FUNCTION audit_history_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (coalesce(current_setting('audit.redaction', true), '') = 'on'
      AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER'))
     OR EXISTS (SELECT 1 FROM audit_auditentry e
                 WHERE e.record_type = TG_ARGV[0]
                   AND e.record_id = (to_jsonb(OLD) ->> TG_ARGV[1])
                   AND e.history_id = OLD.history_id
                   AND e.redacted) THEN
    IF TG_OP = 'DELETE' THEN
      RETURN OLD;
    END IF;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit protection (%): % of history row % of % is refused (redact its audit entries first)',
    TG_NAME, TG_OP, OLD.history_id, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
"""


@dataclass(frozen=True)
class HistoryTable:
    table: str
    label: str  # record type of the chained entries: the tracked model's label_lower
    pk_column: str
    model: type[models.Model]


def history_tables() -> list[HistoryTable]:
    """Every django-simple-history table of the project, with the record type its entries carry."""
    from simple_history.models import HistoricalChanges

    found = []
    for model in apps.get_models():
        if _is_m2m_history(model):
            continue  # protected through its parent row: m2m_history_tables()
        if issubclass(model, HistoricalChanges) and hasattr(model, "instance_type") and model._meta.managed:
            tracked = model.instance_type
            found.append(
                HistoryTable(
                    table=model._meta.db_table,
                    label=tracked._meta.label_lower,
                    pk_column=tracked._meta.pk.column,
                    model=model,
                )
            )
    return sorted(found, key=lambda h: h.table)


def _is_m2m_history(model: type[models.Model]) -> bool:
    return any(f.name == "m2m_history_id" for f in model._meta.concrete_fields)


def m2m_history_tables() -> list[HistoryTable]:
    """The many-to-many history tables (simple-history `m2m_fields`): each row belongs to one
    history row of the parent record (`history_id`), so it is guarded by the parent's entries —
    record type of the parent, record id from the column that points to the parent record."""
    found = []
    for model in apps.get_models():
        if not (_is_m2m_history(model) and model._meta.managed):
            continue
        parent = model._meta.get_field("history").related_model.instance_type
        column = next(
            f.column
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is parent and f.name != "history"
        )
        found.append(
            HistoryTable(
                table=model._meta.db_table, label=parent._meta.label_lower, pk_column=column, model=model
            )
        )
    return sorted(found, key=lambda h: h.table)


def history_digest_sql(table: str, alias: str = "h") -> str:
    """SQL for the SHA-256 of one history row (issue 12), sealed in its audit entry when the row is
    written and recomputed by verification: `column=value` pairs in column-name order, joined by
    U+001F; a NULL column is left out (so adding a nullable column to a model later leaves older
    rows' digests unchanged); dates and times in UTC ISO form whatever the session's DateStyle.
    Plain text casts: three times cheaper than a JSON rendering of the row (bench/audit_bench.py)."""
    return _digest_sql(table, alias)


@functools.cache
def _digest_sql(table: str, alias: str) -> str:
    by_table = {h.table: h.model for h in history_tables()}
    model = by_table[table]
    parts = []
    for f in sorted(model._meta.concrete_fields, key=lambda f: f.column):
        col = f'{alias}."{f.column}"'
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            value = f"""to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')"""
        elif kind == "DateField":
            value = f"to_char({col}, 'YYYY-MM-DD')"
        elif kind == "DurationField":
            value = f"extract(epoch FROM {col})::text"
        else:
            value = f"{col}::text"
        parts.append(f"'{f.column}=' || {value}")
    return f"encode(sha256(convert_to(concat_ws(chr(31), {', '.join(parts)}), 'UTF8')), 'hex')"


def audit_tables() -> list[str]:
    return sorted(m._meta.db_table for m in apps.get_app_config("audit").get_models() if m._meta.managed)


def expected_triggers(partitions: list[str] | None = None) -> list[tuple[str, str]]:
    """(table, trigger name) of every protection trigger; verification checks they exist and are on.
    `partitions`: the monthly partitions of the trail (PostgreSQL, audit.partitions): each has the
    row triggers cloned from the parent and a TRUNCATE trigger of its own."""
    out = [(t, "audit_protect_truncate") for t in audit_tables()]
    out += [
        (ENTRY_TABLE, "audit_protect_update"),
        (ENTRY_TABLE, "audit_protect_delete"),
        (HEAD_TABLE, "audit_protect_head"),
        (HEAD_TABLE, "audit_protect_delete"),
    ]
    for table in partitions or []:
        out += [
            (table, "audit_protect_truncate"),
            (table, "audit_protect_update"),
            (table, "audit_protect_delete"),
        ]
    for table in APPEND_ONLY_TABLES:
        out.append((table, "audit_protect_change"))
    for h in history_tables() + m2m_history_tables():
        out += [(h.table, "audit_protect_truncate"), (h.table, "audit_protect_change")]
    return sorted(set(out))


def _trigger(name: str, table: str, when: str, level: str, function: str) -> str:
    return (
        f'CREATE OR REPLACE TRIGGER {name} {when} ON "{table}" FOR EACH {level} EXECUTE FUNCTION {function}'
    )


def protection_statements(partitions: list[str] | None = None, existing: set[str] | None = None) -> list[str]:
    """The functions and every protection trigger. `existing` (the tables of the database): a
    history table not in it is left out — an app migrated back (`migrate <app> zero`) or not yet
    migrated has no table to protect, and no row can be written to it."""
    from .partitions import FUNCTIONS_SQL as PARTITION_FUNCTIONS_SQL

    stmts = [FUNCTIONS_SQL, PARTITION_FUNCTIONS_SQL]
    # a partition of the trail: the row triggers are cloned from the parent, not TRUNCATE's
    for table in [*audit_tables(), *(partitions or [])]:
        stmts.append(
            _trigger("audit_protect_truncate", table, "BEFORE TRUNCATE", "STATEMENT", "audit_refuse()")
        )
    stmts += [
        _trigger("audit_protect_update", ENTRY_TABLE, "BEFORE UPDATE", "ROW", "audit_entry_guard()"),
        _trigger("audit_protect_delete", ENTRY_TABLE, "BEFORE DELETE", "ROW", "audit_refuse()"),
        _trigger("audit_protect_head", HEAD_TABLE, "BEFORE INSERT OR UPDATE", "ROW", "audit_head_guard()"),
        _trigger("audit_protect_delete", HEAD_TABLE, "BEFORE DELETE", "ROW", "audit_refuse()"),
    ]
    for table in APPEND_ONLY_TABLES:
        stmts.append(
            _trigger("audit_protect_change", table, "BEFORE UPDATE OR DELETE", "ROW", "audit_refuse()")
        )
    for h in history_tables() + m2m_history_tables():
        if existing is not None and h.table not in existing:
            continue
        stmts.append(
            _trigger("audit_protect_truncate", h.table, "BEFORE TRUNCATE", "STATEMENT", "audit_refuse()")
        )
        stmts.append(
            _trigger(
                "audit_protect_change",
                h.table,
                "BEFORE UPDATE OR DELETE",
                "ROW",
                f"audit_history_guard('{h.label}', '{h.pk_column}')",
            )
        )
    return stmts


def install_protection(*, using: str = "default") -> int:
    """Create or replace every protection trigger (idempotent). PostgreSQL only; returns how many."""
    conn = connections[using]
    if conn.vendor != "postgresql":
        return 0
    from .partitions import partition_tables

    with conn.cursor() as cur:
        existing = set(conn.introspection.table_names(cur))
        stmts = protection_statements(partition_tables(using=using), existing)
        for sql in stmts:
            cur.execute(sql)
    return len(stmts) - 2


def missing_triggers(*, using: str = "default") -> list[tuple[str, str]]:
    """Protection triggers that are absent or disabled (ALTER TABLE … DISABLE TRIGGER)."""
    conn = connections[using]
    if conn.vendor != "postgresql":
        return []
    with conn.cursor() as cur:
        cur.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname LIKE 'audit_protect_%%' AND t.tgenabled <> 'D'"
            " AND c.relnamespace = 'public'::regnamespace"
        )
        present = set(cur.fetchall())
    from .partitions import partition_tables

    return [pair for pair in expected_triggers(partition_tables(using=using)) if pair not in present]


# --- least privilege ------------------------------------------------------------------------------


def app_role(using: str = "default") -> str:
    """The role the application connects as, when it differs from the owner that migrates:
    DATABASE_APP_ROLE (set by `migrate` from the `default` user when it runs as the owner), or the
    user of the `default` alias when a `migrate` alias is configured."""
    explicit = getattr(settings, "DATABASE_APP_ROLE", "")
    dbs = settings.DATABASES
    owner = dbs.get("migrate", {}).get("USER")
    if explicit and explicit != owner:
        return explicit
    if owner and owner != dbs["default"].get("USER"):
        return dbs["default"].get("USER") or ""
    return ""


def grant_statements(role: str, partitions: list[str] | None = None) -> list[str]:
    """The application role may read and write the business tables, but on the audit tables only
    SELECT and INSERT (plus the guarded head advance and redaction blanking), on the history tables
    SELECT, INSERT and the trigger-guarded UPDATE/DELETE of disposal; never TRUNCATE, never owns.
    The trail's monthly partitions: SELECT and INSERT only (the application writes through the
    parent table); partitions created later by the upkeep function get no grant at all. It may run
    the partition upkeep (`audit_partitions_ensure`, SECURITY DEFINER), nothing else of it."""
    r = f'"{role}"'
    stmts = [
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {r}",
    ]
    for table in audit_tables():
        if table in (ENTRY_TABLE, HEAD_TABLE, *APPEND_ONLY_TABLES):
            stmts.append(f'REVOKE UPDATE, DELETE ON "{table}" FROM {r}')
    stmts.append(f'GRANT UPDATE (record_label, changes, redacted) ON "{ENTRY_TABLE}" TO {r}')
    stmts.append(f'GRANT UPDATE (sequence, prev_hash, hash) ON "{ENTRY_TABLE}" TO {r}')  # the sequencer
    stmts.append(f'GRANT UPDATE (sequence, last_hash) ON "{HEAD_TABLE}" TO {r}')
    for table in partitions or []:
        stmts.append(f'REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON "{table}" FROM {r}')
    if partitions:
        stmts.append(f"GRANT EXECUTE ON FUNCTION audit_partitions_ensure(integer) TO {r}")
    return stmts


def grant_app_role(*, role: str, using: str = "default") -> None:
    conn = connections[using]
    if conn.vendor != "postgresql" or not role:
        return
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cur.fetchone() is None:
            logger.warning("database role %s does not exist; no grants made", role)
            return
        from .partitions import partition_tables

        for sql in grant_statements(role, partition_tables(using=using)):
            cur.execute(sql)


def on_post_migrate(sender, using: str = "default", **kwargs) -> None:
    """post_migrate receiver (audit app): protection triggers, then the application role's grants."""
    if connections[using].vendor != "postgresql":
        return
    install_protection(using=using)
    role = app_role(using)
    if role:
        grant_app_role(role=role, using=using)
