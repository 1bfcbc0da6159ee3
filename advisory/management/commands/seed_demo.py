"""Load demo data: one person per role and realistic records in every app. Safe to run again."""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

from advisory.clock import today
from advisory.demo import DEMO_PASSWORD, DEMO_USERS

# Order matters: later apps use records of earlier ones.
DEMO_MODULES = [
    "advisory.demo",
    "clients.demo",
    "risk.demo",
    "clients.demo_kyc",
    "planning.demo",
    "complaints.demo",
    "clients.service_demo",
    "complaints.feedback_demo",
    "audit.demo",
    "advisory.oversight.demo",
    "advisory.staff.demo",
    "imports.demo",
]


class Command(BaseCommand):
    help = "Create demo users (one per role) and demo records. Idempotent."

    def handle(self, *args, **options) -> None:
        ctx: dict = {"today": today(), "stdout": self.stdout}
        for name in DEMO_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:
                    continue
                raise
            with transaction.atomic():
                module.seed(ctx)
            self.stdout.write(f"  seeded {name}")
        self.stdout.write(self.style.SUCCESS(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD})"))
        for email, name, role, _team in DEMO_USERS:
            self.stdout.write(f"  {role:<14} {email:<28} {name}")
        self.stdout.write(
            "  Workspace: http://127.0.0.1:8000/app/   Portal: http://127.0.0.1:8000/portal/   Admin: /admin/"
        )
