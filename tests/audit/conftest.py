import pytest


@pytest.fixture
def retention_rules(django_db_blocker):
    """The default rules come from a data migration; transactional tests flush them, so tests that
    run after one put them back."""
    from audit.demo import DEFAULT_RULES
    from audit.models import RetentionRule

    for record_type, name, years, trigger in DEFAULT_RULES:
        RetentionRule.objects.get_or_create(
            record_type=record_type, defaults={"name": name, "years": years, "trigger": trigger}
        )
