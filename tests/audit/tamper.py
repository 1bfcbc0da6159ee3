"""What an attacker with database superuser rights can do: switch every ordinary trigger off for
the session (session_replication_role needs a superuser; the application role cannot)."""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def triggers_off():
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("SET session_replication_role = DEFAULT")
