"""Fixtures for MFA tests: users with factors, logged-in clients, TOTP codes and SMS outboxes."""

import base64
import json
import re
import secrets
import time

import pytest
from django.test import RequestFactory
from django_otp.oath import TOTP

from accounts.mfa.crypto import encrypt_secret
from accounts.mfa.models import SMSDevice, TOTPDevice
from accounts.services.sessions import start_session
from plinto.testing.fixtures import ApiClient

from .fake_sms_provider import FakeSMSProvider


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


SMS_CODE = re.compile(r"\b(\d{6})\b")


def sms_code_in(body):
    """Return the six-digit code in an SMS body."""
    match = SMS_CODE.search(body)
    assert match, body
    return match.group(1)


class SMSOutbox:
    """The messages the file backend wrote, oldest first."""

    def __init__(self, folder):
        self.folder = folder

    def messages(self):
        if not self.folder.exists():
            return []
        return [json.loads(path.read_text()) for path in sorted(self.folder.glob("*.json"))]

    def last_code(self):
        messages = self.messages()
        assert messages, "no SMS was written"
        return sms_code_in(messages[-1]["body"])


@pytest.fixture
def sms_outbox(settings, tmp_path):
    """Send SMS through the file backend into a folder of this test and return its reader."""
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    return SMSOutbox(tmp_path / "sms")


@pytest.fixture
def sms_provider(settings):
    """Start a fake Twilio-compatible provider on 127.0.0.1 and point the http backend at it."""
    provider = FakeSMSProvider().start()
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_BASE_URL = provider.base_url
    settings.SMS_HTTP_ACCOUNT_SID = "AC0123456789abcdef"
    settings.SMS_HTTP_AUTH_TOKEN = "test-auth-token"
    settings.SMS_FROM_NUMBER = "+15005550006"
    settings.SMS_HTTP_TIMEOUT = 0.5
    yield provider
    provider.stop()


@pytest.fixture
def enroll_sms():
    """Give a user a verified SMS number and return the device."""

    def enroll(user, phone_number="+14155550123"):
        return SMSDevice.objects.create(user=user, name="SMS", confirmed=True, phone_number=phone_number)

    return enroll
