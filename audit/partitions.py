"""Monthly partitions of the audit trail (PostgreSQL; docs/audit.md "Partitioning").

On PostgreSQL `audit_auditentry` is partitioned by range of `occurred_at`: one partition per
calendar month in UTC (`audit_auditentry_y2026m11` holds 2026-11-01T00:00Z up to, not including,
2026-12-01T00:00Z) and a DEFAULT partition (`audit_auditentry_default`) that catches an entry dated
in a month that has no partition yet. SQLite keeps the plain table.

Why UTC months: `occurred_at` is stored in UTC and the chain hashes it in UTC; a partition bound is
an instant, so a month in the firm's time zone would tie every bound to a setting (and to daylight
saving wherever it applies); `audit_verify --month 2026-11` and the partition names mean the same
month whoever runs them. A firm-time date filter touches at most one more partition.

Upkeep (`partitions_ensure`, called by the migration, the daily `audit_partitions_task` and
`manage.py audit_partitions`) creates the partitions of this month and the next
AUDIT_PARTITION_MONTHS_AHEAD months, and gives every month that has entries in the DEFAULT partition
a partition of its own, moving those entries there (detach DEFAULT, create the months, attach a new
empty DEFAULT, copy the rows through the parent, drop the detached table — one transaction, no
UPDATE or DELETE of an entry, so the protection triggers stay on). The work is done by the database
function `audit_partitions_ensure`, SECURITY DEFINER and owned by the owner role that migrates: the
application role (which owns nothing and cannot create tables) may call it, and only it.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

PARENT = "audit_auditentry"
DEFAULT_PARTITION = "audit_auditentry_default"
PREFIX = "audit_auditentry_y"

# Installed by migration 0011 and after every migrate (audit.protection.install_protection).
# audit_partition_add is an internal helper (EXECUTE revoked from PUBLIC): it runs with the rights
# of the SECURITY DEFINER function that calls it.
FUNCTIONS_SQL = r"""
CREATE OR REPLACE FUNCTION audit_partition_add(month date) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
  m date := date_trunc('month', month)::date;
  name text := 'audit_auditentry_y' || to_char(m, 'YYYY') || 'm' || to_char(m, 'MM');
BEGIN
  IF to_regclass('public.' || quote_ident(name)) IS NOT NULL THEN
    RETURN NULL;
  END IF;
  EXECUTE format('CREATE TABLE public.%I PARTITION OF public.audit_auditentry FOR VALUES FROM (%L) TO (%L)',
                 name, (m::timestamp AT TIME ZONE 'UTC'), ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
  -- row triggers are cloned from the parent; TRUNCATE of a partition needs its own trigger
  IF to_regprocedure('public.audit_refuse()') IS NOT NULL THEN
    EXECUTE format('CREATE TRIGGER audit_protect_truncate BEFORE TRUNCATE ON public.%I'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION public.audit_refuse()', name);
  END IF;
  RETURN name;
END $$;

CREATE OR REPLACE FUNCTION audit_partition_add_default() RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
  IF to_regclass('public.audit_auditentry_default') IS NOT NULL THEN
    RETURN NULL;
  END IF;
  EXECUTE 'CREATE TABLE public.audit_auditentry_default PARTITION OF public.audit_auditentry DEFAULT';
  IF to_regprocedure('public.audit_refuse()') IS NOT NULL THEN
    EXECUTE 'CREATE TRIGGER audit_protect_truncate BEFORE TRUNCATE ON public.audit_auditentry_default'
            ' FOR EACH STATEMENT EXECUTE FUNCTION public.audit_refuse()';
  END IF;
  RETURN 'audit_auditentry_default';
END $$;

-- Partitions for this month (UTC) and the next months_ahead months, and for every month that has
-- entries in the DEFAULT partition (moved into their month). Returns one row per partition
-- created: its name and how many entries were moved into it. Nothing to do: no lock taken.
CREATE OR REPLACE FUNCTION audit_partitions_ensure(months_ahead integer) RETURNS TABLE (created_partition text, moved_entries bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET lock_timeout = '10s' AS $$
DECLARE
  this_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
  wanted date[];
  stray date[];
  m date;
  created text;
  cols text;
  copied bigint;
  total bigint;
  has_rows boolean;
BEGIN
  IF (SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass('public.audit_auditentry')) IS DISTINCT FROM 'p' THEN
    RETURN;  -- not partitioned (before migration 0011)
  END IF;
  SELECT array_agg(d::date ORDER BY d) INTO wanted
    FROM generate_series(this_month, this_month + make_interval(months => greatest(months_ahead, 0)), interval '1 month') d
   WHERE to_regclass('public.audit_auditentry_y' || to_char(d, 'YYYY') || 'm' || to_char(d, 'MM')) IS NULL;
  -- (the DEFAULT and the detached tables are named in dynamic statements: they come and go)
  IF wanted IS NULL AND to_regclass('public.audit_auditentry_default') IS NOT NULL THEN
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM public.audit_auditentry_default)' INTO has_rows;
    IF NOT has_rows THEN
      RETURN;
    END IF;
  END IF;
  -- writers wait for this (milliseconds, unless entries must be moved); lock_timeout bounds the
  -- wait behind a long reader, the caller retries
  LOCK TABLE public.audit_auditentry IN ACCESS EXCLUSIVE MODE;
  IF to_regclass('public.audit_auditentry_default') IS NOT NULL THEN
    EXECUTE 'SELECT array_agg(DISTINCT date_trunc(''month'', e.occurred_at AT TIME ZONE ''UTC'')::date)'
            ' FROM public.audit_auditentry_default e' INTO stray;
  END IF;
  IF stray IS NOT NULL THEN
    -- a month cannot be created while DEFAULT holds its rows: detach DEFAULT, create the months and
    -- a new DEFAULT, copy the rows through the parent (each lands in its month), drop the old one
    EXECUTE 'ALTER TABLE public.audit_auditentry DETACH PARTITION public.audit_auditentry_default';
    EXECUTE 'ALTER TABLE public.audit_auditentry_default RENAME TO audit_auditentry_default_moving';
    FOREACH m IN ARRAY stray LOOP
      created := audit_partition_add(m);
      IF created IS NOT NULL THEN
        created_partition := created;
        EXECUTE 'SELECT count(*) FROM public.audit_auditentry_default_moving e'
                ' WHERE e.occurred_at >= $1 AND e.occurred_at < $2'
          INTO moved_entries
          USING (m::timestamp AT TIME ZONE 'UTC'), ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC');
        RETURN NEXT;
      END IF;
    END LOOP;
    PERFORM audit_partition_add_default();
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO cols
      FROM pg_attribute a WHERE a.attrelid = 'public.audit_auditentry'::regclass AND a.attnum > 0 AND NOT a.attisdropped;
    EXECUTE format('INSERT INTO public.audit_auditentry (%s) SELECT %s FROM public.audit_auditentry_default_moving', cols, cols);
    GET DIAGNOSTICS copied = ROW_COUNT;
    EXECUTE 'SELECT count(*) FROM public.audit_auditentry_default_moving' INTO total;
    IF copied <> total THEN
      RAISE EXCEPTION 'audit partitions: % of % entries moved out of the DEFAULT partition', copied, total;
    END IF;
    EXECUTE 'DROP TABLE public.audit_auditentry_default_moving';
  END IF;
  IF wanted IS NOT NULL THEN
    FOREACH m IN ARRAY wanted LOOP
      created := audit_partition_add(m);
      IF created IS NOT NULL THEN
        created_partition := created;
        moved_entries := 0;
        RETURN NEXT;
      END IF;
    END LOOP;
  END IF;
  created := audit_partition_add_default();
  IF created IS NOT NULL THEN
    created_partition := created;
    moved_entries := 0;
    RETURN NEXT;
  END IF;
END $$;

REVOKE EXECUTE ON FUNCTION audit_partition_add(date) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION audit_partition_add_default() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION audit_partitions_ensure(integer) FROM PUBLIC;
"""


@dataclass(frozen=True)
class Partition:
    name: str
    month: datetime.date | None  # None: the DEFAULT partition
    rows: int  # the planner's estimate (reltuples), -1 when never analysed

    @property
    def is_default(self) -> bool:
        return self.month is None


def month_start(value: datetime.date | datetime.datetime) -> datetime.date:
    """The first day of the UTC month of `value` (a date is taken as it is)."""
    if isinstance(value, datetime.datetime):
        value = value.astimezone(datetime.UTC).date()
    return value.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a UTC month: the bounds of its partition."""
    first = month.replace(day=1)
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(next_month(first), datetime.time.min, tzinfo=datetime.UTC)
    return start, end


def parse_month(text: str) -> datetime.date:
    """'2026-11' → 2026-11-01; ValueError otherwise."""
    try:
        year, month = text.strip().split("-")
        return datetime.date(int(year), int(month), 1)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a month (YYYY-MM): {text!r}") from exc


def partition_name(month: datetime.date) -> str:
    return f"{PREFIX}{month.year:04d}m{month.month:02d}"


def months_of(values: Iterable[datetime.datetime]) -> list[datetime.date]:
    return sorted({month_start(v) for v in values})


def is_partitioned(*, using: str = "default") -> bool:
    conn = connections[using]
    if conn.vendor != "postgresql":
        return False
    with conn.cursor() as cur:
        cur.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)", [f"public.{PARENT}"])
        row = cur.fetchone()
    return bool(row and row[0])


def partition_list(*, using: str = "default") -> list[Partition]:
    """The partitions of the trail, months in order, the DEFAULT partition last."""
    if not is_partitioned(using=using):
        return []
    with connections[using].cursor() as cur:
        cur.execute(
            "SELECT c.relname, c.reltuples::bigint FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = to_regclass(%s)",
            [f"public.{PARENT}"],
        )
        rows = cur.fetchall()
    out = []
    for name, tuples in rows:
        month = None
        if name.startswith(PREFIX):
            month = datetime.date(int(name[len(PREFIX) : len(PREFIX) + 4]), int(name[-2:]), 1)
        out.append(Partition(name=name, month=month, rows=int(tuples)))
    return sorted(out, key=lambda p: (p.month is None, p.month or datetime.date.min))


def partition_tables(*, using: str = "default") -> list[str]:
    return [p.name for p in partition_list(using=using)]


def install_functions(*, using: str = "default") -> None:
    conn = connections[using]
    if conn.vendor != "postgresql":
        return
    with conn.cursor() as cur:
        cur.execute(FUNCTIONS_SQL)


def months_ahead() -> int:
    return int(getattr(settings, "AUDIT_PARTITION_MONTHS_AHEAD", 3))


def partitions_ensure(*, ahead: int | None = None, using: str = "default") -> list[tuple[str, int]]:
    """Create the partitions of this month and the next `ahead` months (UTC), and move entries out
    of the DEFAULT partition into partitions of their own months. Idempotent. Returns
    [(partition created, entries moved into it)]. PostgreSQL only (else [])."""
    if not is_partitioned(using=using):
        return []
    ahead = months_ahead() if ahead is None else ahead
    conn = connections[using]
    with conn.cursor() as cur:
        cur.execute("SELECT created_partition, moved_entries FROM audit_partitions_ensure(%s)", [ahead])
        created = [(name, int(moved)) for name, moved in cur.fetchall()]
    for name, moved in created:
        if moved:
            logger.warning(
                "audit partitions: %s created, %s entries moved out of the DEFAULT partition", name, moved
            )
        else:
            logger.info("audit partitions: %s created", name)
    return created


def default_partition_rows(*, using: str = "default") -> int:
    """Entries waiting in the DEFAULT partition (0 after upkeep)."""
    if not is_partitioned(using=using):
        return 0
    with connections[using].cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {DEFAULT_PARTITION}")  # noqa: S608
        return int(cur.fetchone()[0])


def month_filter(rows: Iterable[tuple[int, datetime.datetime]]) -> list[tuple[datetime.date, list[int]]]:
    """Group (id, occurred_at) pairs by UTC month: a statement per month with the month's bounds
    touches one partition only (plan-time pruning)."""
    by_month: dict[datetime.date, list[int]] = {}
    for pk, occurred_at in rows:
        by_month.setdefault(month_start(occurred_at), []).append(pk)
    return sorted(by_month.items())
