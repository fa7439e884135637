"""Logging in with an SMS code: sending, binding to the login attempt, limits and isolation (case L3)."""

from datetime import timedelta

import jwt
from django.utils import timezone

from accounts.mfa.models import MfaChallenge, SMSDevice
from accounts.models import Session
from audit.models import AuditEvent

from .conftest import fresh_totp_code


def _challenge(api, token):
    return api.post("/api/v1/auth/mfa/challenge", {"mfa_token": token, "method": "sms"})


def _verify(api, token, code, method="sms"):
    return api.post("/api/v1/auth/mfa/verify", {"mfa_token": token, "method": method, "code": code})


def _wrong(code):
    return "000000" if code != "000000" else "111111"


def test_login_lists_sms_for_verified_number(user, enroll_sms, mfa_login):
    enroll_sms(user)

    body = mfa_login(user)

    assert body["mfa_required"] is True
    assert body["methods"] == ["sms"]


def test_sms_code_completes_login(api, user, enroll_sms, mfa_login, sms_outbox):
    enroll_sms(user)
    token = mfa_login(user)["mfa_token"]

    sent = _challenge(api, token)
    assert sent.status_code == 202
    messages = sms_outbox.messages()
    assert [m["to"] for m in messages] == ["+14155550123"]
    code = sms_outbox.last_code()
    response = _verify(api, token, f" {code[:3]} {code[3:]} ")

    assert response.status_code == 200, response.content
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["amr"] == ["pwd", "sms", "mfa"]
    assert Session.objects.get().amr == ["pwd", "sms", "mfa"]
    assert MfaChallenge.objects.get().sms_code_digest == ""
    assert AuditEvent.objects.filter(action="mfa.code_sent", metadata__method="sms").count() == 1


def test_only_the_digest_of_the_code_is_stored(api, user, enroll_sms, mfa_login, sms_outbox):
    enroll_sms(user)
    token = mfa_login(user)["mfa_token"]
    _challenge(api, token)

    challenge = MfaChallenge.objects.get()

    assert len(challenge.sms_code_digest) == 64
    assert sms_outbox.last_code() not in challenge.sms_code_digest


def test_sms_code_is_bound_to_its_login(api, user, enroll_sms, mfa_login, sms_outbox):
    enroll_sms(user)
    first = mfa_login(user)["mfa_token"]
    second = mfa_login(user)["mfa_token"]
    _challenge(api, first)

    response = _verify(api, second, sms_outbox.last_code())

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_code"
    assert Session.objects.count() == 0


def test_newer_sms_code_voids_the_older(api, user, enroll_sms, mfa_login, sms_outbox):
    enroll_sms(user)
    token = mfa_login(user)["mfa_token"]
    _challenge(api, token)
    older = sms_outbox.last_code()
    _challenge(api, token)
    newer = sms_outbox.last_code()

    response = _verify(api, token, older)

    assert older == newer or response.status_code == 401
    assert len(sms_outbox.messages()) == 2


def test_expired_sms_code_is_rejected(api, user, enroll_sms, mfa_login, sms_outbox):
    enroll_sms(user)
    token = mfa_login(user)["mfa_token"]
    _challenge(api, token)
    MfaChallenge.objects.update(sms_code_expires_at=timezone.now() - timedelta(seconds=1))

    response = _verify(api, token, sms_outbox.last_code())

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_code"
    assert Session.objects.count() == 0


def test_verify_before_any_code_was_sent_is_rejected(api, user, enroll_sms, mfa_login):
    enroll_sms(user)
    token = mfa_login(user)["mfa_token"]

    response = _verify(api, token, "123456")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_code"


def test_unverified_number_cannot_receive_login_code(api, user, enroll_totp, mfa_login, sms_outbox):
    enroll_totp(user)
    SMSDevice.objects.create(user=user, name="SMS", confirmed=False, phone_number="+14155550123")
    token = mfa_login(user)["mfa_token"]

    response = _challenge(api, token)

    assert response.status_code == 400
    assert response.json()["code"] == "method_unavailable"
    assert sms_outbox.messages() == []


def test_sms_cannot_reauthenticate(user, logged_in, enroll_sms):
    enroll_sms(user)

    response = logged_in(user).post("/api/v1/auth/reauthenticate", {"method": "sms", "code": "123456"})

    assert response.status_code == 400
    assert response.json()["code"] == "method_unavailable"


def test_account_sms_limit_answers_429(api, user, enroll_sms, mfa_login, sms_outbox, settings):
    settings.MFA_SMS_PER_ACCOUNT_PER_HOUR = 2
    enroll_sms(user)
    token = mfa_login(user)["mfa_token"]
    assert _challenge(api, token).status_code == 202
    assert _challenge(api, token).status_code == 202

    response = _challenge(api, token)

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert "this account" in response.json()["detail"]
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert len(sms_outbox.messages()) == 2
    assert AuditEvent.objects.filter(action="mfa.code_sent").count() == 2


def test_number_sms_limit_spans_accounts(make_user, logged_in, sms_outbox, settings):
    settings.MFA_SMS_PER_NUMBER_PER_HOUR = 2
    first, second, third = make_user(), make_user(), make_user()
    for person in (first, second):
        response = logged_in(person).post("/api/v1/mfa/sms", {"phone_number": "+14155550123"})
        assert response.status_code == 202

    response = logged_in(third).post("/api/v1/mfa/sms", {"phone_number": "+1 415-555-0123"})

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert "this phone number" in response.json()["detail"]
    assert int(response["Retry-After"]) >= 1
    assert not SMSDevice.objects.filter(user=third).exists()
    assert len(sms_outbox.messages()) == 2
    other_number = logged_in(third).post("/api/v1/mfa/sms", {"phone_number": "+14155550199"})
    assert other_number.status_code == 202


def test_wrong_sms_codes_do_not_throttle_totp(api, user, enroll_sms, enroll_totp, mfa_login, sms_outbox):
    seed = enroll_totp(user)
    enroll_sms(user)
    token = mfa_login(user)["mfa_token"]
    _challenge(api, token)
    code = sms_outbox.last_code()

    wrong = _verify(api, token, _wrong(code))
    assert wrong.status_code == 401
    throttled = _verify(api, token, code)
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "mfa_throttled"
    assert SMSDevice.objects.get().throttling_failure_count == 1
    response = _verify(api, token, fresh_totp_code(seed), method="totp")

    assert response.status_code == 200, response.content
    assert Session.objects.get().amr == ["pwd", "otp", "mfa"]


def test_sms_send_limit_does_not_block_totp(api, user, enroll_sms, enroll_totp, mfa_login, sms_outbox, settings):
    settings.MFA_SMS_PER_ACCOUNT_PER_HOUR = 1
    seed = enroll_totp(user)
    enroll_sms(user)
    token = mfa_login(user)["mfa_token"]
    _challenge(api, token)
    assert _challenge(api, token).status_code == 429

    response = _verify(api, token, fresh_totp_code(seed), method="totp")

    assert response.status_code == 200, response.content


def test_wrong_totp_codes_do_not_throttle_sms(api, user, enroll_sms, enroll_totp, mfa_login, sms_outbox):
    enroll_totp(user)
    enroll_sms(user)
    token = mfa_login(user)["mfa_token"]
    assert _verify(api, token, "abcdef", method="totp").status_code == 401
    assert _verify(api, token, "abcdef", method="totp").status_code == 429
    _challenge(api, token)

    response = _verify(api, token, sms_outbox.last_code())

    assert response.status_code == 200, response.content
