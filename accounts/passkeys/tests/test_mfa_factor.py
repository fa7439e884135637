"""A passkey as the second factor of a password login, through POST /api/v1/auth/mfa/*."""

import pytest

from accounts.mfa.models import MfaChallenge
from accounts.models import Session
from accounts.passkeys.models import Passkey
from audit.models import AuditEvent
from plinto.testing.fixtures import STRONG_PASSWORD, PageClient

from .authenticator import SoftAuthenticator
from .conftest import ORIGIN

LOGIN = "/api/v1/auth/login"
CHALLENGE = "/api/v1/auth/mfa/challenge"
VERIFY = "/api/v1/auth/mfa/verify"


def _password_login(api, user):
    response = api.post(LOGIN, {"email": user.email, "password": STRONG_PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()


def _options(api, mfa_token):
    response = api.post(CHALLENGE, {"mfa_token": mfa_token, "method": "passkey"})
    assert response.status_code == 200, response.content
    return response.json()["public_key"]


def _verify(api, mfa_token, credential):
    return api.post(VERIFY, {"mfa_token": mfa_token, "method": "passkey", "credential": credential})


@pytest.fixture
def pending(anonymous, passkey, user):
    """A password login of `user`, who has one passkey, waiting for the second factor."""
    return _password_login(anonymous, user)


def test_password_login_asks_for_passkey(pending):
    assert pending["mfa_required"] is True
    assert pending["methods"] == ["passkey"]
    assert "access_token" not in pending


def test_challenge_lists_users_passkeys(anonymous, pending):
    options = _options(anonymous, pending["mfa_token"])

    assert [c["id"] for c in options["allowCredentials"]] == [Passkey.objects.get().credential_id]


def test_passkey_completes_login(anonymous, authenticator, pending):
    sessions_before = Session.objects.count()
    options = _options(anonymous, pending["mfa_token"])

    response = _verify(anonymous, pending["mfa_token"], authenticator.get(options, origin=ORIGIN))

    assert response.status_code == 200, response.content
    assert "access_token" in response.json()
    assert Session.objects.count() == sessions_before + 1
    assert Session.objects.latest("created_at").amr == ["pwd", "hwk", "mfa"]
    assert Passkey.objects.get().sign_count == 1
    assert MfaChallenge.objects.get().consumed_at is not None


def test_other_users_credential_rejected(anonymous, make_user, signed_in, register, pending):
    other_device = SoftAuthenticator()
    assert register(signed_in(make_user()), with_authenticator=other_device).status_code == 201
    sessions_before = Session.objects.count()
    options = _options(anonymous, pending["mfa_token"])

    response = _verify(anonymous, pending["mfa_token"], other_device.get(options, origin=ORIGIN))

    assert response.status_code == 401
    assert response.json()["code"] == "passkey_not_found"
    assert Session.objects.count() == sessions_before
    assert list(Passkey.objects.values_list("sign_count", flat=True)) == [0, 0]
    assert MfaChallenge.objects.get(consumed_at__isnull=True).failed_attempts == 1


def test_counter_regression_rejected_and_audited(anonymous, authenticator, pending):
    Passkey.objects.update(sign_count=7)
    sessions_before = Session.objects.count()
    options = _options(anonymous, pending["mfa_token"])

    response = _verify(anonymous, pending["mfa_token"], authenticator.get(options, origin=ORIGIN, sign_count=3))

    assert response.status_code == 401
    assert response.json()["code"] == "counter_regression"
    assert Session.objects.count() == sessions_before
    assert Passkey.objects.get().sign_count == 7
    assert AuditEvent.objects.filter(action="passkey.counter_regression").count() == 1
    assert AuditEvent.objects.filter(action="mfa.failed").count() == 1


def test_assertion_single_use(anonymous, authenticator, pending, user):
    options = _options(anonymous, pending["mfa_token"])
    credential = authenticator.get(options, origin=ORIGIN)
    assert _verify(anonymous, pending["mfa_token"], credential).status_code == 200
    second = _password_login(anonymous, user)

    response = _verify(anonymous, second["mfa_token"], credential)

    assert response.status_code == 400
    assert response.json()["code"] == "challenge_invalid"


def test_options_of_other_login_rejected(anonymous, authenticator, pending, user):
    other = _password_login(anonymous, user)
    options = _options(anonymous, other["mfa_token"])

    response = _verify(anonymous, pending["mfa_token"], authenticator.get(options, origin=ORIGIN))

    assert response.status_code == 400
    assert response.json()["code"] == "challenge_invalid"
    assert Passkey.objects.get().sign_count == 0


def test_attempts_limited_per_mfa_token(anonymous, authenticator, pending, settings):
    settings.MFA_CHALLENGE_MAX_ATTEMPTS = 2
    for _ in range(2):
        options = _options(anonymous, pending["mfa_token"])
        spoiled = authenticator.get(options, origin="https://evil.test")
        assert _verify(anonymous, pending["mfa_token"], spoiled).status_code == 400

    response = anonymous.post(CHALLENGE, {"mfa_token": pending["mfa_token"], "method": "passkey"})

    assert response.status_code == 401
    assert response.json()["code"] == "mfa_token_invalid"
    assert MfaChallenge.objects.get().failed_attempts == 2


def test_verify_without_credential_rejected(anonymous, pending):
    response = anonymous.post(VERIFY, {"mfa_token": pending["mfa_token"], "method": "passkey"})

    assert response.status_code == 400
    assert "credential" in str(response.json())
    assert MfaChallenge.objects.get().failed_attempts == 0


def test_code_method_still_needs_code(anonymous, pending):
    response = anonymous.post(VERIFY, {"mfa_token": pending["mfa_token"], "method": "totp"})

    assert response.status_code == 400
    assert "code" in str(response.json())


def test_passwordless_with_verification_skips_mfa(anonymous, authenticator, passkey):
    options = anonymous.post("/api/v1/passkeys/authenticate/options").json()["public_key"]

    response = anonymous.post(
        "/api/v1/passkeys/authenticate", {"credential": authenticator.get(options, origin=ORIGIN)}
    )

    assert response.status_code == 200
    assert "access_token" in response.json()


def test_passwordless_without_verification_asks_factor(anonymous, authenticator, passkey, settings):
    settings.PASSKEY_REQUIRE_USER_VERIFICATION = False
    authenticator.user_verified = False
    options = anonymous.post("/api/v1/passkeys/authenticate/options").json()["public_key"]

    response = anonymous.post(
        "/api/v1/passkeys/authenticate", {"credential": authenticator.get(options, origin=ORIGIN)}
    )

    assert response.status_code == 200
    assert response.json()["mfa_required"] is True


def test_hosted_login_needs_passkey_too(passkey, user):
    browser = PageClient()
    sessions_before = Session.objects.count()

    response = browser.post("/login", {"email": user.email, "password": STRONG_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/login/mfa"
    assert Session.objects.count() == sessions_before
