from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from advisory.editing import GuardsEdits
from advisory.errors import DomainError
from advisory.widgets import QuickSelect

from .models import AuditAction, HoldScope, RetentionRule
from .selectors import EntryFilters, client_matches, record_types


class EntryFilterForm(forms.Form):
    client = forms.CharField(
        label=_("Client (name or file number)"), required=False, max_length=100,
        help_text=_("Matched against the client records in the trail."),
    )  # fmt: skip
    client_id = forms.IntegerField(label=_("Client id"), required=False, min_value=1)
    actor_id = forms.IntegerField(label=_("User id"), required=False, min_value=1)
    record_type = forms.ChoiceField(label=_("Record type"), required=False, widget=QuickSelect)
    record_id = forms.CharField(label=_("Record id"), required=False, max_length=64)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("Any"))] + list(AuditAction.choices),
        widget=QuickSelect,
    )
    date_from = forms.DateField(
        label=pgettext_lazy("date range", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, staff_choices: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [("", _("Any"))] + record_types()
        if staff_choices:  # the screen offers staff by name; the API accepts any user id
            from advisory.models import User
            from advisory.roles import WORKSPACE_ROLES

            staff = (
                User.objects.filter(role__in=WORKSPACE_ROLES)
                .order_by("full_name")
                .values_list("pk", "full_name")
            )
            self.fields["actor_id"].label = _("User")
            self.fields["actor_id"].widget = QuickSelect(choices=[("", _("Anyone"))] + list(staff))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        text = (data.get("client") or "").strip()
        if text and not data.get("client_id"):
            matches = client_matches(text)
            if not matches:
                self.add_error("client", _("No client in the trail matches “%(q)s”.") % {"q": text})
            elif len(matches) > 1:
                names = "; ".join(label for _pk, label in matches[:5])
                self.add_error(
                    "client",
                    _("%(n)s clients match: %(names)s. Type more of the name or the file number.")
                    % {"n": len(matches), "names": names},
                )
            else:
                data["client_id"] = matches[0][0]
        return data

    def to_filters(self) -> EntryFilters:
        d = self.cleaned_data
        return EntryFilters(
            client_id=d.get("client_id"),
            actor_id=d.get("actor_id"),
            record_type=d.get("record_type") or "",
            record_id=d.get("record_id") or "",
            action=d.get("action") or "",
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
        )


def filters_from_params(params) -> EntryFilters:
    """Parse filters from query parameters; bad input is a DomainError (400), never a 500."""
    form = EntryFilterForm(
        data={k: params.get(k) for k in EntryFilterForm.base_fields if params.get(k)}, staff_choices=False
    )
    if not form.is_valid():
        fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
        raise DomainError(
            _("Check the filters: %(problems)s")
            % {"problems": "; ".join(f"{k}: {v[0]}" for k, v in fields.items())},
            fields=fields,
        )
    return form.to_filters()


class AsOfForm(forms.Form):
    record_type = forms.ChoiceField(label=_("Record type"))
    record_id = forms.CharField(label=_("Record id"), max_length=64)
    at = forms.DateTimeField(
        label=_("As of"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = record_types()


class HoldForm(forms.Form):
    scope = forms.ChoiceField(label=_("Hold covers"), choices=HoldScope.choices)
    client_id = forms.IntegerField(label=_("Client id"), required=False, min_value=1)
    record_type = forms.ChoiceField(label=_("Record type"), required=False)
    record_ids = forms.CharField(
        label=_("Record ids"), required=False, help_text=_("Separated by commas or spaces.")
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [("", "—")] + record_types()

    def ids(self) -> list[str]:
        raw = self.cleaned_data.get("record_ids") or ""
        return [p for p in raw.replace(",", " ").split() if p]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RetentionRuleForm(GuardsEdits, forms.ModelForm):
    class Meta:
        model = RetentionRule
        fields = ["name", "years", "trigger", "description"]
