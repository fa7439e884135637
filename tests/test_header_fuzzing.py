"""Generated Authorization headers against a live server: every one is rejected with a clean 401.

Schemathesis sets a valid bearer token on each operation, so the header itself is fuzzed here.
"""

import base64
import json

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from .live_api import REQUEST_TIMEOUT

pytestmark = pytest.mark.slow

# Characters an HTTP client can put into a header value: Latin-1 without control characters.
_HEADER_CHARACTERS = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
_HEADER_TEXT = st.text(_HEADER_CHARACTERS, max_size=200)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
# Values a JWT header could carry, so generated tokens also reach the checks after parsing.
_JWT_HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "alg": st.sampled_from(["none", "HS256", "RS256", "ES256"]) | st.text(max_size=8),
        "typ": st.sampled_from(["at+jwt", "JWT"]) | _JSON_VALUES,
        "kid": st.text(max_size=40) | _JSON_VALUES,
        "jku": st.just("https://keys.example/jwks.json"),
    },
)
REJECTION_CODES = {"not_authenticated", "authentication_failed", "invalid_token"}


def _segment(value):
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@st.composite
def _jwt_shaped_tokens(draw):
    header = _segment(draw(_JWT_HEADERS))
    claims = _segment(draw(st.dictionaries(st.sampled_from(["sub", "sid", "exp", "aud", "iss"]), _JSON_VALUES)))
    signature = draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", max_size=40))
    return f"{header}.{claims}.{signature}"


_AUTHORIZATION_VALUES = (
    _HEADER_TEXT
    | _HEADER_TEXT.map(lambda text: f"Bearer {text}")
    | _jwt_shaped_tokens().map(lambda token: f"Bearer {token}")
).filter(lambda value: value == value.strip())


@settings(max_examples=150, deadline=None, database=None)
@given(authorization=_AUTHORIZATION_VALUES)
def test_random_authorization_rejected(fuzz_server, authorization):
    response = requests.get(
        fuzz_server.url("/api/v1/me"), headers={"Authorization": authorization}, timeout=REQUEST_TIMEOUT
    )

    assert response.status_code == 401, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] in REJECTION_CODES
