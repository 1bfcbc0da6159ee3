import time

from django.core.management.base import BaseCommand

from audit.sequencer import pending_count, sequencer_run


class Command(BaseCommand):
    help = (
        "Chain committed audit entries that are still unchained (the sequencer, docs/audit.md "
        "'Chaining after commit'). Safe to run at any time and next to other sequencers."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--loop", action="store_true", help="Keep running (a dedicated sequencer process)."
        )
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between rounds with --loop.")
        parser.add_argument("--batch", type=int, default=5000, help="Entries per transaction.")
        parser.add_argument(
            "--hold",
            type=float,
            default=0.0,
            help="Keep each batch's lock this long before committing (crash drills).",
        )

    def handle(self, *args, **options) -> None:
        using = options["database"]
        while True:
            count = sequencer_run(using=using, wait=True, limit=options["batch"], hold=options["hold"])
            self.stdout.write(f"chained {count}; pending {pending_count(using=using)}", ending="\n")
            self.stdout.flush()
            if not options["loop"]:
                return
            time.sleep(options["interval"])
