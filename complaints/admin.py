from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from advisory.history import audited_save

from . import services
from .models import (
    Complaint,
    ComplaintEscalation,
    ComplaintEvent,
    ComplaintSettings,
    ConductDigest,
    InboundEmail,
    Mailbox,
    OutboundSMS,
    RectificationMeasure,
    SatisfactionSurvey,
    SLAPolicy,
    ViolationCase,
    ViolationSanction,
)


@admin.register(SLAPolicy)
class SLAPolicyAdmin(SimpleHistoryAdmin):
    list_display = (
        "name", "is_default", "ack_business_hours", "ack_time_basis", "resolution_time_basis", "urgent_days", "high_days", "normal_days", "low_days",
        "warning_percent", "compliance_percent", "autoclose_days",
    )  # fmt: skip

    def save_model(self, request, obj, form, change) -> None:
        audited_save(obj, actor=request.user, reason="SLA policy edited in admin")
        if change:
            # Open tickets under this policy get new deadlines; their pause time is kept.
            services.sla_policy_apply(policy=obj, actor=request.user)


@admin.register(ComplaintSettings)
class ComplaintSettingsAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "assign_to_advisor", "complaints_team_user")

    def save_model(self, request, obj, form, change) -> None:
        audited_save(obj, actor=request.user, reason="complaint routing edited in admin")


class EventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "kind",
        "from_state",
        "to_state",
        "actor",
        "note",
        "is_internal",
        "created_at",
    )

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("note"))
    def note(self, obj: ComplaintEvent) -> str:
        return obj.body_text  # a system text in the reader's language, a person's words as written


class EscalationInline(admin.TabularInline):
    model = ComplaintEscalation
    extra = 0
    can_delete = False
    readonly_fields = ("level", "threshold_at", "escalated_at", "recipients", "notified")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(SimpleHistoryAdmin):
    """Read-mostly: state, deadlines and escalations change only through the services."""

    list_display = (
        "number",
        "client",
        "state",
        "priority",
        "channel",
        "category",
        "assignee",
        "received_at",
        "resolve_due_at",
    )
    list_filter = ("state", "priority", "channel", "category", "resolution_breached")
    search_fields = ("number", "subject", "client__name")
    list_select_related = ("client", "assignee")
    raw_id_fields = ("client", "assignee", "filed_by")
    readonly_fields = tuple(
        f.name
        for f in Complaint._meta.concrete_fields
        if f.name not in ("subject", "description", "category")
    )
    inlines = [EventInline, EscalationInline]

    def save_model(self, request, obj, form, change) -> None:
        audited_save(obj, actor=request.user, reason="complaint edited in admin")


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(SimpleHistoryAdmin):
    list_display = ("trigger", "complaint", "client", "sent_at", "answered_at", "answered_via", "csat", "nps")
    list_filter = ("trigger", "answered_via")
    readonly_fields = (
        "complaint", "client", "trigger", "source_ref", "sent_at", "answered_at", "answered_via", "csat", "nps",
        "comment",
    )  # fmt: skip
    exclude = ("token_nonce",)


class MeasureInline(admin.TabularInline):
    model = RectificationMeasure
    extra = 0
    raw_id_fields = ("owner",)


class SanctionInline(admin.TabularInline):
    model = ViolationSanction
    extra = 0
    raw_id_fields = ("decided_by", "restriction")
    readonly_fields = ("restriction", "decided_by", "decided_at")


@admin.register(ViolationCase)
class ViolationCaseAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "complaint", "staff_member", "stage", "accountability_action", "opened_at")
    list_filter = ("stage", "accountability_action")
    raw_id_fields = ("complaint", "client", "staff_member", "opened_by")
    readonly_fields = ("stage", "opened_at", "closed_at")
    inlines = [MeasureInline, SanctionInline]

    def save_model(self, request, obj, form, change) -> None:
        audited_save(obj, actor=request.user, reason="violation case edited in admin")


class MailboxForm(forms.ModelForm):
    """The password is write-only: leave it empty to keep the stored one."""

    password = forms.CharField(
        label=_("password"), required=False, widget=forms.PasswordInput(render_value=False)
    )

    class Meta:
        model = Mailbox
        fields = (
            "name",
            "host",
            "port",
            "security",
            "username",
            "password",
            "folder",
            "reply_address",
            "is_active",
        )

    def clean_password(self) -> str:
        value = self.cleaned_data.get("password") or ""
        if not value and not (self.instance and self.instance.pk):
            raise forms.ValidationError(_("Enter the mailbox password."))
        return value or self.instance.password


@admin.register(Mailbox)
class MailboxAdmin(SimpleHistoryAdmin):
    form = MailboxForm
    list_display = (
        "name",
        "username",
        "host",
        "port",
        "security",
        "is_active",
        "last_polled_at",
        "last_error",
    )
    readonly_fields = ("uid_validity", "last_uid", "last_polled_at", "last_error")

    def save_model(self, request, obj, form, change) -> None:
        audited_save(obj, actor=request.user, reason="complaints mailbox configured in admin")


@admin.register(InboundEmail)
class InboundEmailAdmin(SimpleHistoryAdmin):
    """Read-only: messages are handled on the intake screens, with who and why."""

    list_display = ("received_at", "mailbox", "status", "ticket_number", "complaint")
    list_filter = ("status", "mailbox")
    search_fields = ("ticket_number",)
    exclude = ("from_address", "from_name", "subject", "body")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboundSMS)
class OutboundSMSAdmin(SimpleHistoryAdmin):
    """Read-only: acknowledgements by SMS, their status, attempts and the gateway's answer. The
    number and the text are encrypted and shown on the complaint page, not here."""

    list_display = ("created_at", "complaint", "kind", "status", "attempts", "segments", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("complaint__number",)
    exclude = ("to_number", "text")
    readonly_fields = ("complaint", "kind", "language", "segments", "status", "attempts", "error",
                       "provider_id", "created_at", "sent_at")  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ConductDigest)
class ConductDigestAdmin(SimpleHistoryAdmin):
    list_display = ("period_start", "period_end", "published_at")
    readonly_fields = ("period_start", "period_end", "published_at", "cases")


# Return visits, scripts and suggestions (complaints/feedback_admin.py).
from . import feedback_admin  # noqa: E402, F401
