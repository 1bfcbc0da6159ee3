from django.core.management.base import BaseCommand, CommandError

from audit.partitions import parse_month
from audit.services import audit_verify_and_record


class Command(BaseCommand):
    help = (
        "Verify the audit trail: hash chain, chain head, signed checkpoints, history rows and the "
        "protection triggers. Incremental from the last good checkpoint unless --full. Prints "
        "'intact' or the first problem (exit code 1)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default="default", help="Database alias to verify.")
        parser.add_argument(
            "--full",
            action="store_true",
            help="Recompute every entry from the first (default: from the last good signed checkpoint).",
        )
        parser.add_argument(
            "--incremental", action="store_true", help="Force an incremental run (the default)."
        )
        parser.add_argument(
            "--month",
            help="Verify one month only (YYYY-MM, UTC: one partition), linked to the entry before it.",
        )

    def handle(self, *args, **options) -> None:
        month = None
        if options["month"]:
            try:
                month = parse_month(options["month"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        result = audit_verify_and_record(
            actor=None, full=options["full"], month=month, using=options["database"]
        )
        if month is not None:
            kind = f"month {result.month}"
        elif result.kind == "full":
            kind = "full"
        else:
            kind = f"incremental from {result.start_checkpoint}"
        if result.intact:
            self.stdout.write(self.style.SUCCESS(f"{result} [{kind}] ({result.seconds:.2f} s)"))
            return
        raise CommandError(f"{result} [{kind}]")
