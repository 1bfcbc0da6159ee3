import pytest

from tests.risk.factories import ClientFactory, make_version


@pytest.fixture
def version(db):
    return make_version()


@pytest.fixture
def own_client(advisor, client_user):
    """A client in `advisor`'s book with `client_user` as portal login."""
    return ClientFactory(advisor=advisor, user=client_user, name="Carol Chen")


@pytest.fixture
def other_client(colleague, outsider_user):
    return ClientFactory(advisor=colleague, user=outsider_user, name="Otto Other")
