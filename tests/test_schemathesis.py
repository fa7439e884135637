"""Generated requests for every operation of the live OpenAPI schema, checked against that schema.

Each operation gets valid and invalid inputs. A response must not be a 5xx, and a response with a
documented status must have a documented media type and match its documented schema. Operations
that need a bearer token get one from a real account, which logs in again whenever a generated
request ends its session.
"""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import DataGenerationMethod, GenerationConfig
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from plinto.testing.fixtures import STRONG_PASSWORD

from .live_api import REQUEST_TIMEOUT, register_verified_user

pytestmark = pytest.mark.slow

FUZZ_ACCOUNT = "fuzz@example.org"
# Examples per operation, valid and invalid inputs together. The whole run took 20 to 35 seconds on
# a shared two-core machine.
MAX_EXAMPLES = 25


class BearerToken:
    """An access token of the fuzz account, renewed by a new login after its session ends."""

    def __init__(self, server):
        self.server = server
        self.access_token = None

    def headers(self):
        if self.access_token is None:
            response = requests.post(
                self.server.url("/api/v1/auth/login"),
                json={"email": FUZZ_ACCOUNT, "password": STRONG_PASSWORD},
                timeout=REQUEST_TIMEOUT,
            )
            assert response.status_code == 200, response.text
            self.access_token = response.json()["access_token"]
        return {"Authorization": f"Bearer {self.access_token}"}

    def forget_if_ended(self, response):
        # A 204 may come from a logout that ended this session, and a 401 means that the session
        # has ended. In both cases the next operation needs a new login.
        if response.status_code in (204, 401):
            self.access_token = None


@pytest.fixture(scope="session")
def fuzz_schema(fuzz_server):
    return schemathesis.from_uri(
        fuzz_server.url("/api/v1/schema"),
        base_url=fuzz_server.base_url,
        data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
        # The test sets the bearer token. Generated Authorization headers would also bring negative
        # cases with random extra headers, and gunicorn's HTTP parser rejects those with its own
        # HTML 400 page before the request reaches Plinto.
        generation_config=GenerationConfig(with_security_parameters=False),
    )


@pytest.fixture(scope="session")
def bearer_token(fuzz_server):
    register_verified_user(fuzz_server, FUZZ_ACCOUNT)
    return BearerToken(fuzz_server)


schema = schemathesis.from_pytest_fixture("fuzz_schema")


def _needs_bearer_token(case):
    requirements = case.operation.definition.raw.get("security", [])
    return any("bearerAuth" in requirement for requirement in requirements)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_api_operation(case, bearer_token):
    headers = bearer_token.headers() if _needs_bearer_token(case) else None

    response = case.call_and_validate(
        headers=headers,
        checks=(not_a_server_error, response_schema_conformance, content_type_conformance),
        timeout=REQUEST_TIMEOUT,
    )

    if headers:
        bearer_token.forget_if_ended(response)
