"""Enrolling a phone number for SMS codes: E.164 parsing, the confirmation code, removal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.mfa.models import SMSDevice
from audit.models import AuditEvent

from .conftest import sms_code_in


def _age_sessions(seconds=301):
    from accounts.models import Session

    Session.objects.update(auth_time=timezone.now() - timedelta(seconds=seconds))


def test_enroll_sends_code_to_e164_number(user, logged_in, sms_outbox):
    response = logged_in(user).post("/api/v1/mfa/sms", {"phone_number": "+1 (415) 555-0123"})

    assert response.status_code == 202, response.content
    assert response.json() == {"phone_number": "+14155550123", "code_lifetime": 600}
    device = SMSDevice.objects.get(user=user)
    assert device.phone_number == "+14155550123"
    assert device.confirmed is False
    messages = sms_outbox.messages()
    assert [m["to"] for m in messages] == ["+14155550123"]
    assert "confirm this phone number" in messages[0]["body"]


def test_national_number_with_region_is_stored_as_e164(user, logged_in, sms_outbox):
    response = logged_in(user).post("/api/v1/mfa/sms", {"phone_number": "0151 23456789", "region": "de"})

    assert response.status_code == 202, response.content
    assert SMSDevice.objects.get(user=user).phone_number == "+4915123456789"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"phone_number": "0151 23456789"}, "phone_number"),
        ({"phone_number": "+1 415 555"}, "phone_number"),
        ({"phone_number": "call me maybe"}, "phone_number"),
        ({"phone_number": "+999 1234567"}, "phone_number"),
        ({"phone_number": ""}, "phone_number"),
        ({}, "phone_number"),
        ({"phone_number": "0151 23456789", "region": "XX"}, "region"),
        ({"phone_number": "+1" + "5" * 40}, "phone_number"),
    ],
)
def test_invalid_number_is_rejected_naming_the_field(user, logged_in, sms_outbox, payload, field):
    response = logged_in(user).post("/api/v1/mfa/sms", payload)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_failed"
    assert [error["field"] for error in body["errors"]] == [field]
    assert not SMSDevice.objects.exists()
    assert sms_outbox.messages() == []


def test_number_without_country_code_asks_for_region(user, logged_in, sms_outbox):
    response = logged_in(user).post("/api/v1/mfa/sms", {"phone_number": "0151 23456789"})

    message = response.json()["errors"][0]["message"]
    assert "+14155550123" in message
    assert "region" in message


def test_premium_rate_number_is_rejected(user, logged_in, sms_outbox):
    response = logged_in(user).post("/api/v1/mfa/sms", {"phone_number": "+1 900 555 0123"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "phone_number"
    assert "premium-rate" in response.json()["errors"][0]["message"]
    assert not SMSDevice.objects.exists()


def test_unverified_number_is_not_a_login_factor(api, user, logged_in, sms_outbox, login):
    logged_in(user).post("/api/v1/mfa/sms", {"phone_number": "+14155550123"})

    body = login(user.email)

    assert "access_token" in body
    assert "mfa_required" not in body


def test_confirm_activates_number_and_gives_backup_codes(user, logged_in, sms_outbox, mailbox):
    other = logged_in(user)
    client = logged_in(user)
    client.post("/api/v1/mfa/sms", {"phone_number": "+14155550123"})
    code = sms_outbox.last_code()

    response = client.post("/api/v1/mfa/sms/confirm", {"code": f"{code[:3]}-{code[3:]}"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["confirmed"] is True
    assert body["phone_number"] == "+14155550123"
    assert len(body["backup_codes"]) == 10
    assert response["Cache-Control"] == "no-store"
    device = SMSDevice.objects.get(user=user)
    assert device.confirmed is True
    assert device.code_digest == ""
    assert AuditEvent.objects.filter(action="mfa.enrolled", metadata__method="sms").count() == 1
    assert [m.subject for m in mailbox] == ["Your two-factor settings were changed"]
    assert other.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 200


def test_confirm_with_wrong_code_changes_nothing(user, logged_in, sms_outbox, mailbox):
    client = logged_in(user)
    client.post("/api/v1/mfa/sms", {"phone_number": "+14155550123"})
    wrong = "000000" if sms_outbox.last_code() != "000000" else "111111"

    response = client.post("/api/v1/mfa/sms/confirm", {"code": wrong})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"
    assert SMSDevice.objects.get(user=user).confirmed is False
    assert not AuditEvent.objects.filter(action="mfa.enrolled").exists()
    assert mailbox == []


def test_confirm_with_expired_code_is_rejected(user, logged_in, sms_outbox):
    client = logged_in(user)
    client.post("/api/v1/mfa/sms", {"phone_number": "+14155550123"})
    SMSDevice.objects.update(code_expires_at=timezone.now() - timedelta(seconds=1))

    response = client.post("/api/v1/mfa/sms/confirm", {"code": sms_outbox.last_code()})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"
    assert SMSDevice.objects.get(user=user).confirmed is False


def test_code_for_old_number_cannot_confirm_new_one(user, logged_in, sms_outbox):
    client = logged_in(user)
    client.post("/api/v1/mfa/sms", {"phone_number": "+14155550123"})
    first_code = sms_outbox.last_code()
    client.post("/api/v1/mfa/sms", {"phone_number": "+14155550199"})

    response = client.post("/api/v1/mfa/sms/confirm", {"code": first_code})

    assert response.status_code == 400
    device = SMSDevice.objects.get(user=user)
    assert device.phone_number == "+14155550199"
    assert device.confirmed is False


def test_confirm_needs_recent_authentication(user, logged_in, sms_outbox):
    client = logged_in(user)
    client.post("/api/v1/mfa/sms", {"phone_number": "+14155550123"})
    _age_sessions()

    response = client.post("/api/v1/mfa/sms/confirm", {"code": sms_outbox.last_code()})

    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_required"
    assert SMSDevice.objects.get(user=user).confirmed is False


def test_confirm_without_setup_is_refused(user, logged_in):
    response = logged_in(user).post("/api/v1/mfa/sms/confirm", {"code": "123456"})

    assert response.status_code == 409
    assert response.json()["code"] == "sms_setup_missing"


def test_enroll_refused_when_number_verified(user, logged_in, enroll_sms, sms_outbox):
    enroll_sms(user)

    response = logged_in(user).post("/api/v1/mfa/sms", {"phone_number": "+14155550199"})

    assert response.status_code == 409
    assert response.json()["code"] == "sms_already_enrolled"
    assert SMSDevice.objects.get(user=user).phone_number == "+14155550123"
    assert sms_outbox.messages() == []


def test_status_shows_number_and_verification(user, logged_in, enroll_sms):
    client = logged_in(user)
    assert client.get("/api/v1/mfa/sms").status_code == 404
    enroll_sms(user)

    response = client.get("/api/v1/mfa/sms")

    assert response.status_code == 200
    assert response.json() == {"phone_number": "+14155550123", "verified": True}
    methods = {m["method"]: m["enrolled"] for m in client.get("/api/v1/mfa").json()["methods"]}
    assert methods["sms"] is True


def test_remove_sms_ends_other_sessions(user, logged_in, enroll_sms, mailbox):
    other = logged_in(user)
    client = logged_in(user)
    enroll_sms(user)

    response = client.delete("/api/v1/mfa/sms")

    assert response.status_code == 204
    assert not SMSDevice.objects.filter(user=user).exists()
    assert other.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 200
    assert AuditEvent.objects.filter(action="mfa.removed", metadata__method="sms").count() == 1
    assert [m.subject for m in mailbox] == ["Your two-factor settings were changed"]


def test_remove_sms_needs_recent_authentication(user, logged_in, enroll_sms, mailbox):
    client = logged_in(user)
    enroll_sms(user)
    _age_sessions()

    response = client.delete("/api/v1/mfa/sms")

    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_required"
    assert SMSDevice.objects.filter(user=user, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action="mfa.removed").exists()
    assert mailbox == []


def test_confirmation_code_cannot_be_read_from_logs(user, logged_in, sms_outbox):
    from structlog.testing import capture_logs

    with capture_logs() as logs:
        logged_in(user).post("/api/v1/mfa/sms", {"phone_number": "+14155550123"})

    code = sms_outbox.last_code()
    sent = [entry for entry in logs if entry["event"] == "sms_code_sent"]
    assert len(sent) == 1
    assert sent[0]["to"] == "*********23"
    assert code not in repr(logs)
    assert "4155550123" not in repr(logs)
    assert sms_code_in(sms_outbox.messages()[0]["body"]) == code
