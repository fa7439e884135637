"""Step-up: sensitive changes need a recent authentication; re-authentication refreshes it."""

from datetime import timedelta

import jwt
from django.utils import timezone

from accounts.mfa.authenticators.backup_codes import generate_codes
from accounts.mfa.models import TOTPDevice
from accounts.models import Session
from audit.models import AuditEvent
from plinto.testing.fixtures import STRONG_PASSWORD

from .conftest import fresh_totp_code

NEW_PASSWORD = "Another-Strong-77-passphrase"


def _age_sessions(seconds=301):
    Session.objects.update(auth_time=timezone.now() - timedelta(seconds=seconds))


def test_old_session_cannot_change_password(user, logged_in, mailbox):
    client = logged_in(user)
    _age_sessions()

    response = client.post(
        "/api/v1/auth/password/change", {"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_required"
    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)
    assert mailbox == []


def test_recent_session_can_change_password(user, logged_in):
    client = logged_in(user)

    response = client.post(
        "/api/v1/auth/password/change", {"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 204


def test_old_session_cannot_change_email(user, logged_in, mailbox):
    client = logged_in(user)
    _age_sessions()

    response = client.patch("/api/v1/me", {"email": "new@example.org", "current_password": STRONG_PASSWORD})

    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_required"
    user.refresh_from_db()
    assert user.pending_email == ""
    assert mailbox == []


def test_old_session_cannot_remove_factor(user, logged_in, enroll_totp, mailbox):
    client = logged_in(user)
    enroll_totp(user)
    _age_sessions()

    response = client.delete("/api/v1/mfa/totp")

    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_required"
    assert TOTPDevice.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(action="mfa.removed").exists()
    assert mailbox == []


def test_step_up_max_age_is_configurable(user, logged_in, enroll_totp, settings):
    settings.MFA_STEP_UP_MAX_AGE = 3600
    client = logged_in(user)
    enroll_totp(user)
    _age_sessions(seconds=1800)

    assert client.delete("/api/v1/mfa/totp").status_code == 204


def test_reauthenticate_with_password_refreshes_auth_time(user, logged_in):
    client = logged_in(user)
    _age_sessions()

    response = client.post("/api/v1/auth/reauthenticate", {"password": STRONG_PASSWORD})

    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert abs(claims["auth_time"] - timezone.now().timestamp()) < 5
    assert AuditEvent.objects.filter(action="session.reauthenticated").count() == 1
    change = client.post(
        "/api/v1/auth/password/change", {"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert change.status_code == 204


def test_reauthenticate_with_totp(user, logged_in, enroll_totp):
    client = logged_in(user)
    seed = enroll_totp(user)
    _age_sessions()

    response = client.post("/api/v1/auth/reauthenticate", {"method": "totp", "code": fresh_totp_code(seed)})

    assert response.status_code == 200, response.content
    assert client.delete("/api/v1/mfa/totp").status_code == 204


def test_reauthenticate_with_backup_code(user, logged_in, enroll_totp):
    client = logged_in(user)
    enroll_totp(user)
    codes = generate_codes(user)
    _age_sessions()

    response = client.post("/api/v1/auth/reauthenticate", {"method": "backup_code", "code": codes[0]})

    assert response.status_code == 200


def test_reauthenticate_with_wrong_password_changes_nothing(user, logged_in):
    client = logged_in(user)
    _age_sessions()
    before = Session.objects.get().auth_time

    response = client.post("/api/v1/auth/reauthenticate", {"password": "wrong-password"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_password"
    assert Session.objects.get().auth_time == before
    assert AuditEvent.objects.filter(action="session.reauthentication_failed").count() == 1


def test_reauthenticate_with_email_method_is_refused(user, logged_in):
    response = logged_in(user).post("/api/v1/auth/reauthenticate", {"method": "email", "code": "123456"})

    assert response.status_code == 400
    assert response.json()["code"] == "method_unavailable"


def test_reauthenticate_needs_password_or_method(user, logged_in):
    response = logged_in(user).post("/api/v1/auth/reauthenticate", {})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "password"


def test_reauthenticate_needs_a_login(api):
    response = api.post("/api/v1/auth/reauthenticate", {"password": STRONG_PASSWORD})

    assert response.status_code == 401
