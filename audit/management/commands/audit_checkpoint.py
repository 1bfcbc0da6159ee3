from django.core.management.base import BaseCommand

from audit.checkpoints import checkpoint_create


class Command(BaseCommand):
    help = "Sign the audit chain head now and write a checkpoint file (the hourly task does the same)."

    def handle(self, *args, **options) -> None:
        row = checkpoint_create()
        self.stdout.write(row.file_name if row else "the chain head has not moved since the last checkpoint")
