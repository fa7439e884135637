"""Fuzz the public authentication endpoints: any body gets a 2xx or a 4xx problem, never a 500."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Session, User
from plinto.testing.fixtures import STRONG_PASSWORD

pytestmark = pytest.mark.slow

ENDPOINTS = {
    "/api/v1/auth/register": ["email", "password", "display_name"],
    "/api/v1/auth/login": ["email", "password"],
    "/api/v1/auth/password/forgot": ["email"],
    "/api/v1/auth/password/reset": ["token", "new_password"],
    "/api/v1/auth/verify-email": ["token"],
    "/api/v1/auth/verify-email/resend": ["email"],
}

HUGE = st.sampled_from(["A" * 1_000_000, "Aa1!" * 300, "é" * 5000, "\u202e" * 3000, "\ufdfa" * 1024, "@" * 100_000])
# Values near the edges of what the endpoints accept, so the fuzz reaches services, not only
# the serializers.
EDGES = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\ud800",
        "mike@example.org",
        "ｍｉｋｅ@example.org",
        "mıke@example.org",
        "a@" + "ß" * 40 + ".de",
        "a@" + ("ß" * 30 + ".") * 8 + "de",
        "a@[::1]",
        "@",
        "a@b",
        STRONG_PASSWORD,
        "bWlrZQ.secret",
        "YWJj.x",
        "MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw.x-y",
        "..",
    ]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=8,
)
FIELD_VALUES = EDGES | st.text(max_size=300) | HUGE | JSON_VALUES


def field_bodies(fields):
    """Objects with the endpoint's own field names, so the fuzz reaches field validation and services."""
    every_field = st.fixed_dictionaries({name: FIELD_VALUES for name in fields})
    some_fields = st.fixed_dictionaries({}, optional={name: FIELD_VALUES for name in fields})
    return (every_field | some_fields).map(lambda body: json.dumps(body).encode())


RAW_BODIES = st.sampled_from(
    [
        b"",
        b"{",
        b"null",
        b"[]",
        b'"text"',
        b"NaN",
        b'{"email": NaN}',
        b"\xff\xfe\x00",
        b'{"email": "\\ud800"}',
        b"[" * 50_000,
        b'{"a":' * 5_000,
        b'{"password": "' + b"x" * 3_000_000 + b'"}',
    ]
)


def bodies(fields):
    other = JSON_VALUES.map(lambda value: json.dumps(value).encode()) | RAW_BODIES | st.binary(max_size=200)
    # Two of every three bodies are objects with the endpoint's fields.
    return st.one_of(field_bodies(fields), field_bodies(fields), other)


def check(api, path, body, content_type="application/json"):
    users = User.objects.count()
    sessions = Session.objects.count()

    response = api.generic("POST", path, data=body, content_type=content_type)

    assert response.status_code < 500, response.content[:500]
    if response.status_code < 400:
        return  # A body can be valid by chance, such as a login with the right password.
    assert response["Content-Type"] == "application/problem+json", response.content[:500]
    problem = response.json()
    assert problem["status"] == response.status_code
    assert problem["code"]
    assert problem["detail"]
    assert User.objects.count() == users
    assert Session.objects.count() == sessions


@pytest.fixture
def fuzz_client(api, settings, user):
    settings.RATE_LIMIT_ENABLED = False
    return api


@pytest.mark.parametrize("path", ENDPOINTS)
def test_fuzz_bodies(fuzz_client, path):
    @settings(
        max_examples=100,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=bodies(ENDPOINTS[path]))
    def run(body):
        check(fuzz_client, path, body)

    run()


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_non_json_content_types_are_rejected(fuzz_client, path, content_type):
    check(fuzz_client, path, b"email=mike%40example.org&password=x", content_type=content_type)
