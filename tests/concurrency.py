"""Two writers racing on real PostgreSQL connections, in a fixed order (for race tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections, transaction


def race(holder: Callable[[], object], contender: Callable[[], object], *, hold_for: float = 0.5) -> None:
    """Run `holder` in a transaction of its own thread and keep that transaction open until
    `contender`, started in a second thread once the holder's work is done, has had `hold_for`
    seconds to reach (and wait on) what the holder locked; then commit, and let the contender
    finish. Each thread has its own database connection. Raises the first error either raised."""
    held, started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                holder()
                held.set()
                started.wait(5)
                threading.Event().wait(hold_for)
        except BaseException as exc:  # re-raised by the caller's thread below
            errors.append(exc)
        finally:
            held.set()
            connections.close_all()

    def contend() -> None:
        try:
            held.wait(5)
            started.set()
            contender()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hold), threading.Thread(target=contend)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    if errors:
        raise errors[0]
