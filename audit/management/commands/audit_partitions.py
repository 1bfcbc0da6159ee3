from django.core.management.base import BaseCommand, CommandError

from audit.partitions import default_partition_rows, is_partitioned, partition_list, partitions_ensure


class Command(BaseCommand):
    help = (
        "PostgreSQL: create the audit trail's monthly partitions for this month and the next months "
        "(AUDIT_PARTITION_MONTHS_AHEAD, or --months), and move entries found in the DEFAULT partition "
        "into partitions of their own months (docs/audit.md 'Partitioning'). Idempotent; the daily "
        "audit_partitions_task does the same. --list only lists the partitions."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default="default")
        parser.add_argument("--months", type=int, default=None, help="Months ahead of this one (UTC).")
        parser.add_argument("--list", action="store_true", help="List the partitions; change nothing.")

    def handle(self, *args, **options) -> None:
        using = options["database"]
        if not is_partitioned(using=using):
            self.stdout.write(
                "the audit trail is not partitioned here (SQLite, or before migration audit 0011)"
            )
            return
        if not options["list"]:
            if options["months"] is not None and options["months"] < 0:
                raise CommandError("--months must be 0 or more")
            for name, moved in partitions_ensure(ahead=options["months"], using=using):
                note = f" ({moved} entries moved from the DEFAULT partition)" if moved else ""
                self.stdout.write(f"created {name}{note}")
        for part in partition_list(using=using):
            rows = "?" if part.rows < 0 else f"~{part.rows}"
            self.stdout.write(f"{part.name}\t{part.month or 'DEFAULT'}\t{rows} entries")
        waiting = default_partition_rows(using=using)
        if waiting:
            self.stderr.write(
                f"{waiting} entries are in the DEFAULT partition: run without --list to move them"
            )
