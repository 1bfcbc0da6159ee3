import time

from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_verify_and_record


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain: prints 'intact' or the first broken entry (exit code 1)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default="default", help="Database alias to verify.")

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        if options["database"] == "default":
            result = audit_verify_and_record(actor=None)
        else:
            from audit.services import audit_verify

            result = audit_verify(using=options["database"])
        elapsed = time.perf_counter() - started
        if result.intact:
            self.stdout.write(self.style.SUCCESS(f"{result} ({elapsed:.2f} s)"))
            return
        raise CommandError(str(result))
