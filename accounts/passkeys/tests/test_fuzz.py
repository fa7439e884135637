"""Untrusted credentials never cause a 500: random JSON and random bytes in every field."""

import pytest
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import Session
from accounts.passkeys.models import Passkey

from .authenticator import b64url
from .conftest import ORIGIN, authenticate_options

pytestmark = pytest.mark.slow

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=10,
)
_field = _json | st.binary(max_size=200).map(b64url)


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    # Hypothesis sends many requests within one test, which the per-minute limits would stop.
    settings.RATE_LIMIT_ENABLED = False


_fuzz = hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_fuzz
@given(credential=_json)
def test_random_json_credential_rejected(anonymous, credential):
    response = anonymous.post("/api/v1/passkeys/authenticate", {"credential": credential}, format="json")

    assert response.status_code == 400
    assert Session.objects.count() == 0


@_fuzz
@given(field=st.sampled_from(["clientDataJSON", "authenticatorData", "signature", "userHandle"]), value=_field)
def test_spoiled_assertion_field_rejected(anonymous, authenticator, passkey, field, value):
    # An assertion may leave the user handle out, so null there is valid rather than spoiled.
    assume(not (field == "userHandle" and value is None))
    sessions = Session.objects.count()
    credential = authenticator.get(authenticate_options(anonymous), origin=ORIGIN)
    credential["response"][field] = value

    response = anonymous.post("/api/v1/passkeys/authenticate", {"credential": credential}, format="json")

    assert response.status_code in (400, 401), response.content
    assert Session.objects.count() == sessions


@_fuzz
@given(field=st.sampled_from(["clientDataJSON", "attestationObject", "transports"]), value=_field)
def test_spoiled_registration_field_rejected(client, authenticator, field, value):
    # A spoiled `transports` may still register; clearing keeps the account under its passkey limit.
    Passkey.objects.all().delete()
    options = client.post("/api/v1/passkeys/register/options").json()["public_key"]
    credential = authenticator.create(options, origin=ORIGIN)
    credential["response"][field] = value

    response = client.post("/api/v1/passkeys/register", {"credential": credential}, format="json")

    assert response.status_code in (201, 400, 401), response.content
    if response.status_code != 201:
        assert Passkey.objects.filter(credential_id=credential["id"]).count() == 0
