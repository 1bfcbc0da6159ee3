"""Labels for the codes stored in a conduct digest: a code never reaches a person."""

from django import template

from advisory.roles import Role

from ..models import AccountabilityAction, Category, ViolationSeverity

register = template.Library()


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@register.filter
def category_label(value: str) -> str:
    return _label(Category, value)


@register.filter
def severity_label(value: str) -> str:
    return _label(ViolationSeverity, value)


@register.filter
def role_label(value: str) -> str:
    return _label(Role, value)


@register.filter
def sanction_label(value: str) -> str:
    return _label(AccountabilityAction, value)
