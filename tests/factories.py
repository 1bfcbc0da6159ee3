"""Core factories: users per role. Apps keep their own factories in tests/<app>/factories.py."""

import factory

from advisory.models import StaffQualification, User
from advisory.roles import Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    role = Role.ADVISOR
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class StaffQualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffQualification

    user = factory.SubFactory(UserFactory)
    kind = "cfp"
    number = factory.Sequence(lambda n: f"CFP-{n:05d}")
    issued_on = factory.Faker("date_between", start_date="-5y", end_date="-1y")
    expires_on = factory.Faker("date_between", start_date="+1y", end_date="+3y")
