"""Schema-driven fuzzing of the whole API, in-process, as an advisor, a compliance officer and a
client: no server error and no response that disagrees with the published schema.

Bounded so it belongs in the normal suite: every operation of the published schema (none is
skipped), 5 generated requests each (fixed seed, derandomized), each sent as all three roles,
through the WSGI app in the test's own transaction. About 2 minutes on one core, about 1 minute
with `-n 2` (docs/benchmarks figures in docs/security.md).

Checks: no 5xx, documented status code, documented content type and headers, body valid against
the response schema. Not used: `negative_data_rejection` and `positive_data_acceptance`, which
judge what the API should accept rather than whether it keeps its published contract (many
operations rightly refuse schema-valid input for a business rule, with 400/403/404/409).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client as HttpClient
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from advisory.roles import Role
from tests.factories import StaffQualificationFactory, UserFactory

_raw = SchemaGenerator().get_schema(request=None, public=True)
# The test signs in with a real session; without this, schemathesis would also send made-up
# credentials for the documented security schemes and every call would be refused.
for _path_item in _raw["paths"].values():
    for _operation in _path_item.values():
        _operation.pop("security", None)
EXAMPLES = 5
# Bounded and repeatable: a fixed seed, a fixed number of examples per operation, and no coverage
# or stateful phase (each multiplies the run time; the fuzzing phase still sends negative data).
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261130,
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "generation": {"max-examples": EXAMPLES},
    }
)
schema = schemathesis.openapi.from_dict(_raw, config=CONFIG)
schema.app = get_wsgi_application()

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


ROLES = (Role.ADVISOR, Role.COMPLIANCE, Role.CLIENT)


@pytest.fixture
def sessions(db) -> dict[str, dict[str, dict[str, str]]]:
    """Signed-in session headers (cookie and CSRF token) for one user of each role."""
    # The app runs in the test's own transaction: keep Django from closing the connection at the
    # end of each request, as its test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    headers = {}
    for role in ROLES:
        user = UserFactory(role=role)
        if role == Role.ADVISOR:
            StaffQualificationFactory(user=user)
        http = HttpClient()
        http.force_login(user)
        token = "a" * 32
        headers[role] = {
            "cookies": {"sessionid": http.cookies["sessionid"].value, "csrftoken": token},
            "headers": {"X-CSRFToken": token},
        }
    yield headers
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.schemathesis
@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_schema(case, sessions):
    # Every generated request is sent as an advisor, a compliance officer and a client.
    for role in ROLES:
        response = case.call(**sessions[role])
        case.validate_response(response, checks=CHECKS)
