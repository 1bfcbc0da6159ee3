"""Demo people: one per role, with printed credentials. Apps add records in their own demo.py."""

from __future__ import annotations

import datetime

from .models import QualificationKind, StaffQualification, User
from .roles import Role

DEMO_PASSWORD = "Demo!2026pass"

# The languages a demo text is written in, in the order of its tuple: (简体, 繁體, English).
LANGUAGES = ("zh-hans", "zh-hant", "en")


def in_client_language(texts: tuple[str, str, str], client) -> str:
    """What a demo client wrote, or what was written for them, in their preferred language."""
    language = getattr(client, "preferred_language", "") or "zh-hans"
    return texts[LANGUAGES.index(language)] if language in LANGUAGES else texts[0]


DEMO_USERS = [
    ("advisor@demo.advisory", "Li Wei", Role.ADVISOR, "Wealth Team A"),
    ("advisor2@demo.advisory", "Chen Jing", Role.ADVISOR, "Wealth Team B"),
    ("risk@demo.advisory", "Zhao Min", Role.RISK_REVIEWER, "Risk"),
    ("compliance@demo.advisory", "Sun Hui", Role.COMPLIANCE, "Compliance"),
    ("supervisor@demo.advisory", "Wang Fang", Role.SUPERVISOR, "Wealth Management"),
    ("admin@demo.advisory", "Admin User", Role.ADMINISTRATOR, "IT"),
    ("client@demo.advisory", "Zhang San 张三", Role.CLIENT, ""),
]


def seed(ctx: dict) -> None:
    users: dict[str, User] = {}
    for email, name, role, team in DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=email, defaults={"full_name": name, "role": role, "team": team}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            if role == Role.ADMINISTRATOR:
                user.is_staff = user.is_superuser = True
            user.save()
        users[role if role not in users else f"{role}2"] = user
    supervisor = users[Role.SUPERVISOR]
    User.objects.filter(role=Role.ADVISOR, supervisor__isnull=True).update(supervisor=supervisor)
    today = ctx["today"]
    for user, kind, number, years in [
        (users[Role.ADVISOR], QualificationKind.CFP, "CFP-2021-0042", 4),
        (users[Role.ADVISOR], QualificationKind.FUND, "FPL-3300-1178", 2),
        (users.get("advisor2"), QualificationKind.FUND, "FPL-3300-2291", 0),
    ]:
        if user is None:
            continue
        StaffQualification.objects.get_or_create(
            kind=kind,
            number=number,
            defaults={
                "user": user,
                "issued_on": today - datetime.timedelta(days=365 * 3),
                "expires_on": today + datetime.timedelta(days=365 * years + 40),
            },
        )
    ctx["users"] = users
    ctx["advisor"] = users[Role.ADVISOR]
    ctx["advisor2"] = users.get("advisor2")
    ctx["client_user"] = users[Role.CLIENT]
