"""The roles people have in the firm (SPEC: who uses the product)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADVISOR = "advisor", _("Advisor")
    RISK_REVIEWER = "risk_reviewer", _("Risk reviewer")
    COMPLIANCE = "compliance", _("Compliance officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    CLIENT = "client", _("Client")
    ADMINISTRATOR = "administrator", _("Administrator")


WORKSPACE_ROLES = frozenset(
    {Role.ADVISOR, Role.RISK_REVIEWER, Role.COMPLIANCE, Role.SUPERVISOR, Role.ADMINISTRATOR}
)
# Roles that see every client, read-only unless their role acts (SPEC §1).
OVERSIGHT_ROLES = frozenset({Role.RISK_REVIEWER, Role.COMPLIANCE, Role.SUPERVISOR, Role.ADMINISTRATOR})
