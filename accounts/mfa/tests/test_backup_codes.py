"""Backup codes: shown once, stored as digests, single use, regenerable; per-device throttling (L3)."""

import pytest

from accounts.mfa.authenticators.backup_codes import generate_codes
from accounts.mfa.models import BackupCode
from accounts.models import Session
from audit.models import AuditEvent

from .conftest import fresh_totp_code


def _verify(api, token, code, method="backup_code"):
    return api.post("/api/v1/auth/mfa/verify", {"mfa_token": token, "method": method, "code": code})


@pytest.fixture
def user_with_codes(user, enroll_totp):
    seed = enroll_totp(user)
    return user, seed, generate_codes(user)


def test_regenerate_shows_ten_codes_stored_as_digests(user, logged_in, enroll_totp, mailbox):
    client = logged_in(user)
    enroll_totp(user)

    response = client.post("/api/v1/mfa/backup-codes")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    codes = response.json()["codes"]
    assert len(set(codes)) == 10
    stored = set(BackupCode.objects.values_list("digest", flat=True))
    assert not stored & {c.replace("-", "") for c in codes}
    assert AuditEvent.objects.filter(action="mfa.regenerated").count() == 1
    assert [m.subject for m in mailbox] == ["Your two-factor settings were changed"]


def test_regenerate_needs_a_factor(user, logged_in):
    response = logged_in(user).post("/api/v1/mfa/backup-codes")

    assert response.status_code == 409
    assert response.json()["code"] == "no_factor"
    assert BackupCode.objects.count() == 0


def test_backup_code_logs_in_once(api, user_with_codes, mfa_login):
    user, _, codes = user_with_codes

    first = _verify(api, mfa_login(user)["mfa_token"], codes[0])
    second = _verify(api, mfa_login(user)["mfa_token"], codes[0])

    assert first.status_code == 200
    assert first.json()["backup_codes_remaining"] == 9
    assert second.status_code == 401
    assert second.json()["code"] == "invalid_code"
    assert Session.objects.count() == 1


@pytest.mark.parametrize("typed", ["lower", "no_dash", "spaces"])
def test_backup_code_accepts_any_case_and_separators(api, user_with_codes, mfa_login, typed):
    user, _, codes = user_with_codes
    code = codes[0]
    variants = {"lower": code.lower(), "no_dash": code.replace("-", ""), "spaces": " ".join(code.replace("-", ""))}

    response = _verify(api, mfa_login(user)["mfa_token"], variants[typed])

    assert response.status_code == 200


def test_regenerate_voids_old_codes(api, user_with_codes, mfa_login):
    user, _, old = user_with_codes
    generate_codes(user)

    response = _verify(api, mfa_login(user)["mfa_token"], old[1])

    assert response.status_code == 401
    assert Session.objects.count() == 0


def test_few_remaining_codes_warn(api, user_with_codes, mfa_login, logged_in, mailbox, settings):
    user, _, codes = user_with_codes
    for code in codes[:8]:
        assert _verify(api, mfa_login(user)["mfa_token"], code).status_code == 200

    status = logged_in(user).get("/api/v1/mfa/backup-codes").json()

    assert status == {"enrolled": True, "remaining": 2, "warning": True}
    assert mailbox[-1].subject == "You are running out of backup codes"
    assert "Only 2 unused backup codes remain" in mailbox[-1].body


def test_backup_codes_alone_do_not_require_mfa(api, user, mfa_login):
    generate_codes(user)

    assert "access_token" in mfa_login(user)


def test_removing_last_factor_removes_backup_codes(user_with_codes, logged_in):
    user, _, _ = user_with_codes

    response = logged_in(user).delete("/api/v1/mfa/totp")

    assert response.status_code == 204
    assert BackupCode.objects.count() == 0


def test_failed_totp_does_not_lock_backup_codes(api, user_with_codes, mfa_login):
    # Case L3, one direction: the TOTP device is throttled, the backup codes are not.
    user, seed, codes = user_with_codes
    token = mfa_login(user)["mfa_token"]
    assert _verify(api, token, "000000", method="totp").status_code == 401
    assert _verify(api, token, fresh_totp_code(seed), method="totp").status_code == 429

    response = _verify(api, token, codes[0])

    assert response.status_code == 200


def test_failed_backup_code_does_not_lock_totp(api, user_with_codes, mfa_login):
    # Case L3, the other direction.
    user, seed, _ = user_with_codes
    token = mfa_login(user)["mfa_token"]
    assert _verify(api, token, "AAAAA-AAAAA").status_code == 401
    assert _verify(api, token, "BBBBB-BBBBB").status_code == 429

    response = _verify(api, token, fresh_totp_code(seed), method="totp")

    assert response.status_code == 200
