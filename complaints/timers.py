"""The escalation timers (`EscalationTimer`): kept by database triggers on the tickets table.

Why a table of its own: the sweep used to find due tickets through a partial index on
`Complaint.next_escalation_at`. Every sweep moves that column, so PostgreSQL could never update a
ticket in place: each escalated ticket wrote a new row version and one entry in each of the
table's nine indexes. With the timer in a narrow table, the ticket's own update changes no indexed
column — PostgreSQL updates it in place (HOT) when the page has room, hence the tickets table's
fillfactor of 90 — and the timer row, two indexes, moves instead. Measured on the sweep's 1,000
tickets (docs/benchmarks/complaints.md): 666 updated in place, about 5,000 index entries instead of
9,000 and 12 % less WAL; the whole sweep call did not get measurably faster (within the machine's
noise), the trigger taking back most of what the tickets' update saved.

Why triggers: the timer must never be late. A trigger sees every write — a service's `save()`, a
bulk update, the sweep's SQL, an import — so no code path can forget it. PostgreSQL: one
statement-level trigger per event over the statement's transition table (a sweep of 1,000 tickets
runs it once, set-based: one MERGE). SQLite: row triggers. Both are dropped and created again after every
`migrate` (SQLite drops a table's triggers whenever a migration rebuilds the table).

The sweep still re-checks `next_escalation_at` and the state on the ticket it locks, so a timer is
only ever a pointer to look, never the rule.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from .models import CLOCK_RUNNING_STATES, Complaint, EscalationTimer


def _names() -> dict[str, str]:
    return {
        "tickets": Complaint._meta.db_table,
        "timers": EscalationTimer._meta.db_table,
        "id": Complaint._meta.pk.column,
        "next": Complaint._meta.get_field("next_escalation_at").column,
        "state": Complaint._meta.get_field("state").column,
        "ticket": EscalationTimer._meta.get_field("complaint").column,
        "due": EscalationTimer._meta.get_field("due_at").column,
        "running": ", ".join(f"'{s}'" for s in CLOCK_RUNNING_STATES),  # fixed choice values
    }


def postgresql_statements(*, merge: bool = True) -> list[str]:
    """The trigger function and its two triggers. With `merge` (PostgreSQL 15 and later) the
    function is one MERGE over the changed rows: about 10 ms for the sweep's 1,000 tickets, against
    15–19 ms for the three statements (delete, update, insert) it runs on older servers."""
    n = _names()

    def running(row: str) -> str:  # the clock runs and a threshold is ahead
        return f"{row}{n['next']} IS NOT NULL AND {row}{n['state']} IN ({n['running']})"

    # names from the models, states from fixed choices: no outside input in this SQL
    if merge:
        body = f"""
    MERGE INTO {n["timers"]} AS t
    USING (SELECT {n["id"]} AS id, {n["next"]} AS next, ({running("")}) AS running FROM changed) AS n
       ON t.{n["ticket"]} = n.id
     WHEN MATCHED AND NOT n.running THEN DELETE
     WHEN MATCHED AND t.{n["due"]} <> n.next THEN UPDATE SET {n["due"]} = n.next
     WHEN NOT MATCHED AND n.running THEN INSERT ({n["ticket"]}, {n["due"]}) VALUES (n.id, n.next);"""  # noqa: S608
    else:
        body = f"""
    DELETE FROM {n["timers"]} AS t USING changed AS n
     WHERE t.{n["ticket"]} = n.{n["id"]} AND NOT ({running("n.")});
    UPDATE {n["timers"]} AS t SET {n["due"]} = n.{n["next"]} FROM changed AS n
     WHERE t.{n["ticket"]} = n.{n["id"]} AND {running("n.")} AND t.{n["due"]} <> n.{n["next"]};
    INSERT INTO {n["timers"]} ({n["ticket"]}, {n["due"]})
    SELECT n.{n["id"]}, n.{n["next"]} FROM changed AS n
     WHERE {running("n.")}
       AND NOT EXISTS (SELECT 1 FROM {n["timers"]} AS t WHERE t.{n["ticket"]} = n.{n["id"]})
    ON CONFLICT ({n["ticket"]}) DO UPDATE SET {n["due"]} = EXCLUDED.{n["due"]};"""  # noqa: S608
    function = f"""
CREATE OR REPLACE FUNCTION complaints_escalation_timer_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{body}
    RETURN NULL;
END
$$"""
    statements = [function]
    for event in ("INSERT", "UPDATE"):
        trigger = f"complaints_escalation_timer_{event.lower()}"
        statements += [
            f"DROP TRIGGER IF EXISTS {trigger} ON {n['tickets']}",
            f"CREATE TRIGGER {trigger} AFTER {event} ON {n['tickets']} REFERENCING NEW TABLE AS changed"
            " FOR EACH STATEMENT EXECUTE FUNCTION complaints_escalation_timer_sync()",
        ]
    return statements


def sqlite_statements() -> list[str]:
    n = _names()
    running = f"NEW.{n['next']} IS NOT NULL AND NEW.{n['state']} IN ({n['running']})"
    upsert = (
        f"INSERT INTO {n['timers']} ({n['ticket']}, {n['due']}) SELECT NEW.{n['id']}, NEW.{n['next']}"  # noqa: S608
        f" WHERE {running} ON CONFLICT ({n['ticket']}) DO UPDATE SET {n['due']} = excluded.{n['due']};"
    )
    delete = f"DELETE FROM {n['timers']} WHERE {n['ticket']} = NEW.{n['id']} AND NOT ({running});"  # noqa: S608
    return [
        "DROP TRIGGER IF EXISTS complaints_escalation_timer_insert",
        f"CREATE TRIGGER complaints_escalation_timer_insert AFTER INSERT ON {n['tickets']} BEGIN {upsert} END",
        "DROP TRIGGER IF EXISTS complaints_escalation_timer_update",
        f"CREATE TRIGGER complaints_escalation_timer_update AFTER UPDATE ON {n['tickets']} BEGIN {delete} {upsert} END",
    ]


def install_timer_triggers(*, using: str = "default", merge: bool | None = None) -> None:
    """`merge` None: MERGE where the server has it (PostgreSQL 15+); tests pass False to check the
    older servers' body on this one."""
    conn = connections[using]
    if conn.vendor == "postgresql":
        conn.ensure_connection()
        statements = postgresql_statements(merge=conn.pg_version >= 150000 if merge is None else merge)
    elif conn.vendor == "sqlite":
        statements = sqlite_statements()
    else:  # pragma: no cover - the project runs on PostgreSQL and SQLite only
        raise ImproperlyConfigured(f"The escalation timers need PostgreSQL or SQLite, not {conn.vendor}.")
    with conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


def on_post_migrate(sender, using: str = "default", **kwargs) -> None:
    """post_migrate receiver (complaints app): (re)install the triggers once the tables exist."""
    tables = connections[using].introspection.table_names()
    if Complaint._meta.db_table in tables and EscalationTimer._meta.db_table in tables:
        install_timer_triggers(using=using)
