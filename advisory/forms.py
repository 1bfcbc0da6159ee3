from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class OTPTokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code from your authenticator app (or a recovery code)"),
        max_length=16,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("What the token is for"),
        max_length=80,
        required=False,
        help_text=_("For example the name of the program or computer that will use it."),
    )


def form_add_domain_error(form: forms.Form, exc) -> None:
    """Show a refused action (advisory.errors.DomainError) on a form: each field message on its
    field when the form has one, otherwise above the form; the plain message when no field is named."""
    for field, messages in (exc.fields or {}).items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, exc.message)
