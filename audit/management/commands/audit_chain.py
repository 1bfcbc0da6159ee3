import logging
import os
import signal
import time

from django.core.management.base import BaseCommand

from audit.sequencer import chain_mode, listen, pending_count, sequencer_run


class Command(BaseCommand):
    help = (
        "Chain committed audit entries that are still unchained (the sequencer, docs/audit.md "
        "'Chaining after commit'). Safe to run at any time and next to other sequencers. "
        "--listen runs the dedicated sequencer process of AUDIT_CHAIN_MODE=listener."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--loop", action="store_true", help="Keep running, chaining every --interval seconds."
        )
        parser.add_argument(
            "--listen",
            action="store_true",
            help=(
                "Keep running, woken by the writers' NOTIFY (AUDIT_CHAIN_MODE=listener; PostgreSQL), "
                "and chaining at least every --interval seconds. Exits at once where the chain is "
                "written inline (SQLite)."
            ),
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between rounds (default 1, or 5 with --listen).",
        )
        parser.add_argument("--batch", type=int, default=5000, help="Entries per transaction.")
        parser.add_argument(
            "--hold",
            type=float,
            default=0.0,
            help="Keep each batch's lock this long before committing (crash drills).",
        )

    def handle(self, *args, **options) -> None:
        using = options["database"]
        if options["listen"]:
            self._listen(using, options)
            return
        interval = options["interval"] if options["interval"] is not None else 1.0
        while True:
            count = sequencer_run(using=using, wait=True, limit=options["batch"], hold=options["hold"])
            self.stdout.write(f"chained {count}; pending {pending_count(using=using)}", ending="\n")
            self.stdout.flush()
            if not options["loop"]:
                return
            time.sleep(interval)

    def _listen(self, using: str, options: dict) -> None:
        mode = chain_mode(using)
        if mode in ("inline", "off"):
            self.stdout.write(f"audit sequencer not needed: the chain mode here is {mode}")
            return
        stop = {"now": False}

        def request_stop(signum, frame) -> None:  # finish the round in progress, then leave
            stop["now"] = True

        # a signal also writes a byte to this pipe, which ends the wait for a notification at once
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_write, False)
        signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        logging.getLogger("audit.sequencer").info("audit sequencer starting (chain mode %s)", mode)
        self.stdout.write(f"audit sequencer listening (chain mode {mode}); Ctrl-C stops it")
        self.stdout.flush()
        interval = options["interval"] if options["interval"] is not None else 5.0
        listen(
            using=using,
            interval=interval,
            limit=options["batch"],
            should_stop=lambda: stop["now"],
            wake_fd=wake_read,
            hold=options["hold"],
        )
        self.stdout.write("audit sequencer stopped")
