from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import key_generate


class Command(BaseCommand):
    help = (
        "Generate the firm's Ed25519 key pair that signs audit checkpoints (AUDIT_SIGNING_KEY_FILE, "
        "AUDIT_PUBLIC_KEY_FILE). Keep the private key outside the database and its backups."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--if-missing", action="store_true", help="Do nothing when a key already exists.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace an existing key (old checkpoints then need the old public key).",
        )

    def handle(self, *args, **options) -> None:
        try:
            private, public = key_generate(overwrite=options["force"])
        except FileExistsError:
            if options["if_missing"]:
                self.stdout.write(f"audit signing key present: {settings.AUDIT_SIGNING_KEY_FILE}")
                return
            raise CommandError(
                f"a key exists at {settings.AUDIT_SIGNING_KEY_FILE}; use --force to replace it"
            ) from None
        self.stdout.write(self.style.SUCCESS(f"private key: {private}\npublic key:  {public}"))
