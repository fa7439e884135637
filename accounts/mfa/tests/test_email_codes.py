"""Email codes: six digits, mailed by a Celery task, bound to the login attempt that asked."""

import re
from datetime import timedelta

from django.utils import timezone

from accounts.mfa.models import EmailDevice, MfaChallenge
from accounts.models import Session


def _code_in(message):
    match = re.search(r"login code is (\d{6})\.", message.body)
    assert match, message.body
    return match.group(1)


def _enable(user, logged_in):
    response = logged_in(user).post("/api/v1/mfa/email")
    assert response.status_code == 201, response.content


def test_enable_email_codes(user, logged_in, mailbox):
    _enable(user, logged_in)

    assert EmailDevice.objects.get(user=user).confirmed is True
    assert [m.subject for m in mailbox] == ["Your two-factor settings were changed"]


def test_email_code_completes_login(api, user, logged_in, mfa_login, mailbox):
    _enable(user, logged_in)
    body = mfa_login(user)
    assert body["methods"] == ["email"]
    mailbox.clear()

    sent = api.post("/api/v1/auth/mfa/challenge", {"mfa_token": body["mfa_token"], "method": "email"})
    assert sent.status_code == 202
    assert mailbox[0].to == [user.email]
    response = api.post(
        "/api/v1/auth/mfa/verify", {"mfa_token": body["mfa_token"], "method": "email", "code": _code_in(mailbox[0])}
    )

    assert response.status_code == 200, response.content
    assert Session.objects.count() == 2  # the one logged_in started, and this login


def test_email_code_is_bound_to_its_login(api, user, logged_in, mfa_login, mailbox):
    _enable(user, logged_in)
    first = mfa_login(user)["mfa_token"]
    second = mfa_login(user)["mfa_token"]
    mailbox.clear()
    api.post("/api/v1/auth/mfa/challenge", {"mfa_token": first, "method": "email"})

    response = api.post(
        "/api/v1/auth/mfa/verify", {"mfa_token": second, "method": "email", "code": _code_in(mailbox[0])}
    )

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_code"
    assert Session.objects.count() == 1  # only the session logged_in started


def test_expired_email_code_is_refused(api, user, logged_in, mfa_login, mailbox):
    _enable(user, logged_in)
    token = mfa_login(user)["mfa_token"]
    mailbox.clear()
    api.post("/api/v1/auth/mfa/challenge", {"mfa_token": token, "method": "email"})
    MfaChallenge.objects.update(email_code_expires_at=timezone.now() - timedelta(seconds=1))

    response = api.post(
        "/api/v1/auth/mfa/verify", {"mfa_token": token, "method": "email", "code": _code_in(mailbox[0])}
    )

    assert response.status_code == 401
    assert Session.objects.count() == 1


def test_totp_needs_no_sent_code(api, user, enroll_totp, mfa_login, mailbox):
    enroll_totp(user)
    token = mfa_login(user)["mfa_token"]

    response = api.post("/api/v1/auth/mfa/challenge", {"mfa_token": token, "method": "totp"})

    assert response.status_code == 400
    assert response.json()["code"] == "challenge_not_needed"
    assert mailbox == []
