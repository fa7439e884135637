"""`manage.py reset_mfa`: an administrator removes a user's factors."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.mfa.authenticators.backup_codes import generate_codes
from accounts.mfa.models import BackupCode, TOTPDevice
from accounts.models import Session
from audit.models import AuditEvent


def test_reset_mfa_removes_factors_and_ends_sessions(
    user, enroll_totp, logged_in, mailbox, mfa_login, django_capture_on_commit_callbacks
):
    enroll_totp(user)
    generate_codes(user)
    client = logged_in(user)
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("reset_mfa", "MIKE@example.org", stdout=out)

    assert "Removed totp, backup_code" in out.getvalue()
    assert not TOTPDevice.objects.exists()
    assert not BackupCode.objects.exists()
    assert client.get("/api/v1/me").status_code == 401
    event = AuditEvent.objects.get(action="mfa.reset")
    assert event.metadata == {"methods": ["totp", "backup_code"]}
    assert event.actor_display == "manage.py reset_mfa"
    assert mailbox[-1].subject == "Your two-factor methods were removed"
    assert "access_token" in mfa_login(user)


def test_reset_mfa_unknown_email_fails(db):
    with pytest.raises(CommandError, match="No account uses"):
        call_command("reset_mfa", "nobody@example.org")

    assert not AuditEvent.objects.exists()
    assert Session.objects.count() == 0
