"""Apps register their audited models here (in their AppConfig.ready), so the audit app never
imports them. Registration says how to find the client a record belongs to, which retention rule
applies and from which date, and how disposal purges the record's personal data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models.signals import pre_delete


@dataclass(frozen=True)
class AuditedModel:
    model: type[models.Model]
    client_of: Callable[[models.Model], int | None]
    retention: str | None = None  # retention record type: "client_file", "service_record", "complaint"
    retention_trigger: str | None = None  # attribute holding the date/datetime the retention clock starts
    client_field: str | None = None
    is_client: bool = False
    personal_fields: tuple[str, ...] = field(default_factory=tuple)
    purge: Callable[[models.Model], None] | None = None
    # Records matching `keep_filter` are kept permanently (e.g. destruction certificates), for
    # the reason `keep_reason`; the rest follow the rule.
    keep_filter: models.Q | None = None
    keep_reason: Any = ""  # a lazy translation: shown in the reader's language
    # The permission (a `rules` name) that allows revealing encrypted fields of this record, also
    # in the point-in-time view: the same rule as the record's own reveal.
    reveal_perm: str = ""
    # While `working_copy(obj)` is true the record is still being drafted (e.g. the lines of a
    # draft proposal): it may be replaced; its history rows keep every version. The retention
    # rule applies once the draft is submitted.
    working_copy: Callable[[models.Model], bool] | None = None

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def client_lookup(self) -> str | None:
        """The ORM lookup for the client id ("pk", "client_id", "proposal__client_id")."""
        if self.is_client:
            return "pk"
        if self.client_field:
            return self.client_field.replace(".", "__")
        return None

    @property
    def trigger_lookup(self) -> str | None:
        return self.retention_trigger.replace(".", "__") if self.retention_trigger else None

    def trigger_value(self, obj: models.Model):
        if not self.retention_trigger:
            return None
        value = obj
        for part in self.retention_trigger.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value


_REGISTRY: dict[str, AuditedModel] = {}


def _retention_guard(sender, instance, **kwargs) -> None:
    from .retention import retention_guard_delete

    retention_guard_delete(instance)


def register(
    model: type[models.Model],
    *,
    client_field: str | None = None,
    is_client: bool = False,
    retention: str | None = None,
    retention_trigger: str | None = None,
    personal_fields: Sequence[str] = (),
    purge: Callable[[models.Model], None] | None = None,
    keep_filter: models.Q | None = None,
    keep_reason: Any = "",
    reveal_perm: str = "",
    working_copy: Callable[[models.Model], bool] | None = None,
) -> None:
    """Register an audited model.

    `client_field`: dotted attribute path to the client id ("client_id", "proposal.client_id");
    `is_client`: set on the client model itself. `retention`: the retention record type and
    `retention_trigger`: the attribute whose date starts the retention clock (e.g.
    "relationship_ended_on", "completed_at", "closed_at"); empty means the clock has not started
    and the record is kept indefinitely. Disposal after retention deletes the record, unless
    `personal_fields` (fields to blank) or `purge` (a callable that anonymises the object and saves
    it) are given. A model with a retention type cannot be deleted before its retention ends.
    `keep_filter` (a Q) marks records of the model that are kept permanently, for `keep_reason`.
    A model without a retention type must be listed in `audit.registry.EXEMPT` with the reason.
    """

    def client_of(obj: models.Model) -> int | None:
        if is_client:
            return obj.pk
        if client_field:
            value = obj
            for part in client_field.split("."):
                value = getattr(value, part, None)
                if value is None:
                    return None
            return value
        return None

    label = model._meta.label_lower
    _REGISTRY[label] = AuditedModel(
        model=model,
        client_of=client_of,
        retention=retention,
        retention_trigger=retention_trigger,
        client_field=client_field,
        is_client=is_client,
        personal_fields=tuple(personal_fields),
        purge=purge,
        keep_filter=keep_filter,
        keep_reason=keep_reason,
        reveal_perm=reveal_perm,
        working_copy=working_copy,
    )
    uid = f"audit-retention-guard:{label}"
    if retention:
        pre_delete.connect(_retention_guard, sender=model, dispatch_uid=uid, weak=False)
    else:
        pre_delete.disconnect(sender=model, dispatch_uid=uid)


def unregister(model: type[models.Model]) -> AuditedModel | None:
    """Remove a registration (tests). Returns what was registered."""
    label = model._meta.label_lower
    pre_delete.disconnect(sender=model, dispatch_uid=f"audit-retention-guard:{label}")
    return _REGISTRY.pop(label, None)


def lookup(label_lower: str) -> AuditedModel | None:
    return _REGISTRY.get(label_lower)


def registered() -> dict[str, AuditedModel]:
    return dict(_REGISTRY)


def with_retention(record_type: str | None = None) -> list[AuditedModel]:
    return [
        r for r in _REGISTRY.values() if r.retention and (record_type is None or r.retention == record_type)
    ]


# --- the one place where models without a retention rule are listed, each with the reason --------
#
# Every concrete model of the project (including django-simple-history's Historical* tables and
# the third-party apps' tables) is either registered above with a retention rule and a trigger
# date, or listed here. `tests/audit/test_retention_decisions.py` fails for any model that is
# neither, and for an entry here that no longer names a model.

_REFERENCE = "reference data of the firm, no personal data of clients; kept while in use"
_CONFIG = "configuration; no personal data; kept while in use"
_HISTORY = (
    "history rows follow their record: disposal deletes or blanks them together with the record "
    "(audit.retention); the point-in-time view is rebuilt from them"
)

EXEMPT: dict[str, str] = {
    # Django and third-party infrastructure
    "admin.logentry": "admin change log of staff; the audit trail is the record of changes",
    "auth.permission": _CONFIG,
    "auth.group": _CONFIG,
    "contenttypes.contenttype": _CONFIG,
    "sessions.session": "expires with the session (SESSION_COOKIE_AGE); cleared by clearsessions",
    "advisory.apitoken": "API credential of a user (only its hash); expires within hours; a disposed "
    "client's portal login loses its tokens",
    "django_celery_beat.solarschedule": _CONFIG,
    "django_celery_beat.intervalschedule": _CONFIG,
    "django_celery_beat.clockedschedule": _CONFIG,
    "django_celery_beat.crontabschedule": _CONFIG,
    "django_celery_beat.periodictasks": _CONFIG,
    "django_celery_beat.periodictask": _CONFIG,
    "otp_totp.totpdevice": "second-factor device of a user; removed with the user's access",
    "otp_static.staticdevice": "second-factor device of a user; removed with the user's access",
    "otp_static.statictoken": "second-factor backup code; removed with the user's access",
    "axes.accessfailurelog": "sign-in security log; a disposed client's entries are deleted with the file",
    "axes.accessattempt": "sign-in lockout counter; reset on success; disposed with the client file",
    "axes.accessattemptexpiration": "expiry of a lockout counter",
    "axes.accesslog": "sign-in security log; a disposed client's entries are deleted with the file",
    # platform core
    "advisory.user": "staff accounts are kept (the trail names them); a client's portal login is "
    "anonymised when the client file is disposed of",
    "advisory.staffqualification": "staff record of the firm, not a client record; kept while employed",
    "advisory.notification": "transient message; those naming a client are deleted with the client file",
    "advisory.riskwarning": "derived state, reopened by sweeps; deleted with the client file",
    "advisory.numbersequence": _CONFIG,
    "advisory.outboxmessage": "work queue of after-commit tasks (ids only, no personal data); "
    "dispatched rows are purged after 7 days",
    "advisory.exportjob": "a staff member's export of a list (list, filters, format, row count); the "
    "audit trail holds the export and download events; a background export's file is deleted after "
    "EXPORT_FILE_DAYS days (outbox_dispatch_task)",
    "oversight.qualitytarget": _CONFIG,
    "oversight.qualityreport": "firm-level aggregate report, no personal data of clients",
    "oversight.indicatorsnapshot": "firm-level aggregate figures, no personal data of clients",
    # the audit archive itself
    "audit.auditchainhead": "the head of the append-only trail; never disposed of",
    "audit.auditentry": "the append-only trail; personal content is blanked at disposal (hashes stay)",
    "audit.retentionrule": _CONFIG,
    "audit.legalhold": "compliance record of a hold; holds no personal data beyond the client id",
    "audit.disposalbatch": "proof of disposal; kept permanently",
    "audit.disposalitem": "the tombstone of a disposed record; kept permanently",
    "audit.auditcheckpoint": "signed checkpoint of the chain head (tamper evidence); kept permanently",
    "audit.auditverification": "record of a verification run; no personal data; kept permanently",
    # know your client: lists the firm uploads are third-party data, not client records
    "clients.watchlist": "a watch list compliance maintains; kept while in use",
    "clients.watchlistupload": "the uploaded list file and who imported it; rebuilds a list as of a date",
    "clients.watchlistentry": "a name on a watch list (never edited, marked removed by a later upload)",
    # service record, staff and complaints configuration
    "clients.calendarfeed": "an advisor's calendar-feed token (hash only); deleted when revoked",
    "risk.productratingassessment": "product governance record; no client data; kept while the "
    "product is offered",
    "complaints.mailbox": _CONFIG,
    "complaints.returnvisitscript": _CONFIG,
    "complaints.digestreading": "a staff member's reading of an anonymised digest; no client data",
    "staff.trainingplan": _CONFIG,
    "staff.staffreminder": "idempotency ledger of reminders sent to staff; no client data",
    # reference data
    "clients.household": "a grouping of clients; its name is blanked when its last member is disposed of",
    "risk.product": _REFERENCE,
    "risk.questionnaire": _REFERENCE,
    "risk.questionnaireversion": _REFERENCE,
    "risk.question": _REFERENCE,
    "risk.questionoption": _REFERENCE,
    "risk.risk": "firm risk register; no personal data of clients",
    "planning.modelportfolio": _REFERENCE,
    "planning.modelportfolioweight": _REFERENCE,
    "complaints.slapolicy": _CONFIG,
    "complaints.complaintsettings": _CONFIG,
    "complaints.escalationtimer": "a derived pointer to an open ticket's next escalation time, kept by "
    "database triggers; no client data; gone once the ticket's clock stops",
    "complaints.complaintescalation": "levels, times and the staff notified; no client data; follows "
    "its complaint (kept while the anonymised ticket is kept)",
}


def is_history_model(model: type[models.Model]) -> bool:
    """A django-simple-history table: its rows follow the record (see `_HISTORY`)."""
    return hasattr(model, "instance_type") and getattr(model, "history_id", None) is not None


def retention_decision(model: type[models.Model]) -> str | None:
    """The recorded decision for a model, or None if it has none (a test fails on that)."""
    reg = _REGISTRY.get(model._meta.label_lower)
    if reg is not None and reg.retention and reg.retention_trigger:
        return f"{reg.retention} from {reg.retention_trigger}"
    if is_history_model(model):
        return _HISTORY
    return EXEMPT.get(model._meta.label_lower)
