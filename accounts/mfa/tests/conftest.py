"""Fixtures for MFA tests: users with factors, logged-in clients and TOTP codes."""

import base64
import secrets
import time

import pytest
from django.test import RequestFactory
from django_otp.oath import TOTP

from accounts.mfa.crypto import encrypt_secret
from accounts.mfa.models import TOTPDevice
from accounts.services.sessions import start_session
from plinto.testing.fixtures import ApiClient


def totp_code(seed, *, at=None):
    """The code an authenticator app shows for `seed` (bytes or base32 text) at time `at`."""
    if isinstance(seed, str):
        seed = base64.b32decode(seed + "=" * (-len(seed) % 8))
    totp = TOTP(seed, step=30, digits=6)
    totp.time = at if at is not None else time.time()
    return f"{totp.token():06d}"


def fresh_totp_code(seed):
    """A code from a time step no earlier code used: the next step, accepted as one step of drift."""
    return totp_code(seed, at=time.time() + 30)


@pytest.fixture
def enroll_totp():
    """Give a user a confirmed TOTP device and return its seed."""

    def enroll(user):
        seed = secrets.token_bytes(20)
        TOTPDevice.objects.create(user=user, name="app", confirmed=True, encrypted_seed=encrypt_secret(seed))
        return seed

    return enroll


@pytest.fixture
def logged_in(db):
    """Return an API client holding the bearer token of a new session of `user`.

    The session is started directly, so this works whether or not the user has factors.
    """

    def make(user, amr=("pwd", "otp", "mfa")):
        _, tokens = start_session(RequestFactory().post("/api/v1/auth/login"), user, amr=list(amr))
        client = ApiClient()
        client.bearer(tokens["access_token"])
        client.tokens = tokens
        return client

    return make


@pytest.fixture
def mfa_login(api):
    """Post the password step and return the JSON body, which should ask for a second factor."""

    def post(user, client=None):
        from plinto.testing.fixtures import STRONG_PASSWORD

        response = (client or api).post("/api/v1/auth/login", {"email": user.email, "password": STRONG_PASSWORD})
        assert response.status_code == 200, response.content
        return response.json()

    return post
