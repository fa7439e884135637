"""TOTP enrollment and verification: setup, confirmation, drift, single use (L2), encryption."""

import base64
import time
from urllib.parse import parse_qs, urlparse

from cryptography.fernet import Fernet

from accounts.mfa.crypto import decrypt_secret
from accounts.mfa.models import TOTPDevice
from accounts.models import Session
from audit.models import AuditEvent

from .conftest import fresh_totp_code, totp_code


def _verify(api, token, code, method="totp"):
    return api.post("/api/v1/auth/mfa/verify", {"mfa_token": token, "method": method, "code": code})


def test_setup_returns_secret_uri_and_qr_code(user, logged_in):
    client = logged_in(user)

    response = client.post("/api/v1/mfa/totp")

    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    uri = urlparse(body["otpauth_uri"])
    assert uri.scheme == "otpauth"
    assert uri.netloc == "totp"
    assert parse_qs(uri.query)["secret"] == [body["secret"]]
    assert parse_qs(uri.query)["issuer"] == ["Plinto"]
    png = base64.b64decode(body["qr_code"].removeprefix("data:image/png;base64,"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert TOTPDevice.objects.get(user=user).confirmed is False


def test_seed_is_encrypted_at_rest(user, logged_in):
    secret = logged_in(user).post("/api/v1/mfa/totp").json()["secret"]

    device = TOTPDevice.objects.get(user=user)

    assert secret not in device.encrypted_seed
    assert base64.b32encode(decrypt_secret(device.encrypted_seed)).decode().rstrip("=") == secret


def test_seed_uses_configured_encryption_key(user, logged_in, settings):
    key = Fernet.generate_key()
    settings.MFA_ENCRYPTION_KEY = key.decode()

    secret = logged_in(user).post("/api/v1/mfa/totp").json()["secret"]

    stored = TOTPDevice.objects.get(user=user).encrypted_seed
    assert base64.b32encode(Fernet(key).decrypt(stored.encode())).decode().rstrip("=") == secret


def test_confirm_activates_device_and_gives_backup_codes(user, logged_in, mailbox):
    client = logged_in(user)
    secret = client.post("/api/v1/mfa/totp").json()["secret"]

    response = client.post("/api/v1/mfa/totp/confirm", {"code": totp_code(secret)})

    assert response.status_code == 200, response.content
    assert response.json()["confirmed"] is True
    assert len(response.json()["backup_codes"]) == 10
    assert TOTPDevice.objects.get(user=user).confirmed is True
    assert AuditEvent.objects.filter(action="mfa.enrolled", metadata__method="totp").count() == 1
    assert [m.subject for m in mailbox] == ["Your two-factor settings were changed"]


def test_confirm_with_wrong_code_changes_nothing(user, logged_in, mailbox):
    client = logged_in(user)
    client.post("/api/v1/mfa/totp")

    response = client.post("/api/v1/mfa/totp/confirm", {"code": "000000"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"
    assert TOTPDevice.objects.get(user=user).confirmed is False
    assert not AuditEvent.objects.filter(action="mfa.enrolled").exists()
    assert mailbox == []


def test_confirm_without_setup_is_refused(user, logged_in):
    response = logged_in(user).post("/api/v1/mfa/totp/confirm", {"code": "123456"})

    assert response.status_code == 409
    assert response.json()["code"] == "totp_setup_missing"


def test_setup_refused_when_already_enrolled(user, logged_in, enroll_totp):
    client = logged_in(user)
    enroll_totp(user)
    before = TOTPDevice.objects.get(user=user).encrypted_seed

    response = client.post("/api/v1/mfa/totp")

    assert response.status_code == 409
    assert response.json()["code"] == "totp_already_enrolled"
    assert TOTPDevice.objects.get(user=user).encrypted_seed == before


def test_confirming_code_cannot_log_in(api, user, logged_in, mfa_login):
    # Case L2: the code that confirmed enrollment is spent.
    client = logged_in(user)
    secret = client.post("/api/v1/mfa/totp").json()["secret"]
    code = totp_code(secret)
    assert client.post("/api/v1/mfa/totp/confirm", {"code": code}).status_code == 200
    sessions_before = Session.objects.count()
    token = mfa_login(user)["mfa_token"]

    response = _verify(api, token, code)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_code"
    assert Session.objects.count() == sessions_before
    assert AuditEvent.objects.filter(action="mfa.totp_reused", metadata__suspicious=True).count() == 1


def test_same_code_twice_is_refused_and_audited(api, user, enroll_totp, mfa_login, settings):
    # Case L2: one valid code used twice within its 30-second step.
    settings.MFA_THROTTLE_FACTOR = 0
    seed = enroll_totp(user)
    code = totp_code(seed)
    assert _verify(api, mfa_login(user)["mfa_token"], code).status_code == 200

    second = _verify(api, mfa_login(user)["mfa_token"], code)

    assert second.status_code == 401
    assert second.json()["code"] == "invalid_code"
    assert Session.objects.count() == 1
    event = AuditEvent.objects.get(action="mfa.totp_reused")
    assert event.outcome == "failure"
    assert event.metadata["suspicious"] is True


def test_one_step_of_drift_is_accepted(api, user, enroll_totp, mfa_login):
    seed = enroll_totp(user)

    response = _verify(api, mfa_login(user)["mfa_token"], totp_code(seed, at=time.time() - 30))

    assert response.status_code == 200


def test_two_steps_of_drift_are_refused(api, user, enroll_totp, mfa_login):
    seed = enroll_totp(user)

    response = _verify(api, mfa_login(user)["mfa_token"], totp_code(seed, at=time.time() - 90))

    assert response.status_code == 401
    assert Session.objects.count() == 0


def test_code_with_spaces_is_accepted(api, user, enroll_totp, mfa_login):
    seed = enroll_totp(user)
    code = totp_code(seed)

    response = _verify(api, mfa_login(user)["mfa_token"], f"{code[:3]} {code[3:]}")

    assert response.status_code == 200


def test_device_throttles_after_failure(api, user, enroll_totp, mfa_login):
    seed = enroll_totp(user)
    token = mfa_login(user)["mfa_token"]
    assert _verify(api, token, "000000").status_code == 401

    response = _verify(api, token, fresh_totp_code(seed))

    assert response.status_code == 429
    assert response.json()["code"] == "mfa_throttled"
    assert int(response["Retry-After"]) >= 1
    assert Session.objects.count() == 0


def test_remove_totp_ends_other_sessions(user, logged_in, enroll_totp, mailbox):
    other = logged_in(user)
    client = logged_in(user)
    enroll_totp(user)

    response = client.delete("/api/v1/mfa/totp")

    assert response.status_code == 204
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert other.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 200
    assert AuditEvent.objects.filter(action="mfa.removed", metadata__method="totp").count() == 1
    assert [m.subject for m in mailbox] == ["Your two-factor settings were changed"]


def test_remove_missing_totp_is_not_found(user, logged_in):
    response = logged_in(user).delete("/api/v1/mfa/totp")

    assert response.status_code == 404
    assert response.json()["code"] == "not_enrolled"
