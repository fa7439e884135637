"""Fixtures for the passkey tests: relying party settings, a logged-in client, a registered passkey."""

import pytest

from plinto.testing.fixtures import ApiClient

from .authenticator import SoftAuthenticator

RP_ID = "plinto.test"
ORIGIN = "https://plinto.test"


@pytest.fixture(autouse=True)
def _relying_party(settings):
    settings.PASSKEY_RP_ID = RP_ID
    settings.PASSKEY_ORIGINS = [ORIGIN]
    settings.PASSKEY_REQUIRE_USER_VERIFICATION = True
    settings.PASSKEY_ALLOWED_AAGUIDS = []
    settings.PASSKEY_ATTESTATION_ROOT_CERTS = ""


@pytest.fixture
def authenticator():
    return SoftAuthenticator()


@pytest.fixture
def signed_in(db, login):
    """Return a new API client logged in as `user` with a fresh access token."""

    def make(user):
        client = ApiClient()
        tokens = login(user.email, client=client)
        return client.bearer(tokens["access_token"])

    return make


@pytest.fixture
def client(user, signed_in):
    return signed_in(user)


@pytest.fixture
def register(authenticator):
    """Register a passkey through the API with `authenticator` (or another one) and return the response."""

    def do_register(client, *, with_authenticator=None, name="Laptop", **spoil):
        device = with_authenticator or authenticator
        options = client.post("/api/v1/passkeys/register/options").json()["public_key"]
        credential = device.create(options, origin=spoil.pop("origin", ORIGIN), **spoil)
        return client.post("/api/v1/passkeys/register", {"credential": credential, "name": name})

    return do_register


@pytest.fixture
def passkey(client, register):
    response = register(client)
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def anonymous(db):
    return ApiClient()


def authenticate_options(api):
    response = api.post("/api/v1/passkeys/authenticate/options")
    assert response.status_code == 200, response.content
    return response.json()["public_key"]
