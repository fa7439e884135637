"""Changing the email address: current password, verification of the new address, notice to the old."""

import pytest

from accounts.models import User
from audit.models import AuditEvent
from plinto.testing.fixtures import STRONG_PASSWORD, link_in


@pytest.fixture
def signed_in(api, user, login):
    api.bearer(login(user.email)["access_token"])
    return api


def change_email(api, email, password=STRONG_PASSWORD, **fields):
    body = {"email": email, **fields}
    if password is not None:
        body["current_password"] = password
    return api.patch("/api/v1/me", body)


def verify(api, message):
    return api.post("/api/v1/auth/verify-email", {"token": link_in(message, "/verify-email")})


def mail_to(mailbox, address):
    (message,) = [m for m in mailbox if m.to == [address]]
    return message


def assert_unchanged(user):
    stored = User.objects.get(pk=user.pk)
    assert stored.email == "mike@example.org"
    assert stored.pending_email == ""
    assert stored.email_verified is True


def test_change_needs_current_password(signed_in, user, mailbox):
    response = change_email(signed_in, "mike@new.example", password=None)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "current_password"
    assert_unchanged(user)
    assert mailbox == []


def test_change_with_wrong_password_changes_nothing(signed_in, user, mailbox):
    response = change_email(signed_in, "mike@new.example", password="Wrong-Password-42!", display_name="Mallory")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_password"
    assert response.json()["errors"][0]["field"] == "current_password"
    assert_unchanged(user)
    assert User.objects.get(pk=user.pk).display_name == ""
    assert mailbox == []
    assert AuditEvent.objects.filter(action="user.email_change_failed").count() == 1


def test_change_mails_new_and_old_address(signed_in, user, mailbox):
    response = change_email(signed_in, "mike@new.example")

    assert response.status_code == 200
    assert response.json()["email"] == "mike@example.org"
    assert response.json()["pending_email"] == "mike@new.example"
    assert sorted(m.to[0] for m in mailbox) == ["mike@example.org", "mike@new.example"]
    assert mail_to(mailbox, "mike@new.example").subject == "Confirm your new email address"
    notice = mail_to(mailbox, "mike@example.org")
    assert notice.subject == "Your email address is being changed"
    assert "mike@new.example" in notice.body
    assert "/verify-email" not in notice.body


def test_email_changes_only_after_verification(api, signed_in, user, mailbox):
    change_email(signed_in, "mike@new.example")
    api.credentials()

    # Before verification the old address still logs in and the new one does not.
    assert api.post("/api/v1/auth/login", {"email": "mike@new.example", "password": STRONG_PASSWORD}).status_code == 401
    assert User.objects.get(pk=user.pk).email == "mike@example.org"

    verification = mail_to(mailbox, "mike@new.example")
    mailbox.clear()
    response = verify(api, verification)

    assert response.status_code == 200
    stored = User.objects.get(pk=user.pk)
    assert stored.email == "mike@new.example"
    assert stored.pending_email == ""
    assert stored.email_verified is True
    assert [(m.to, m.subject) for m in mailbox] == [(["mike@example.org"], "Your email address was changed")]
    assert api.post("/api/v1/auth/login", {"email": "mike@new.example", "password": STRONG_PASSWORD}).status_code == 200
    assert api.post("/api/v1/auth/login", {"email": "mike@example.org", "password": STRONG_PASSWORD}).status_code == 401
    assert AuditEvent.objects.filter(action="user.email_changed", target_id=str(user.pk)).count() == 1


def test_stale_link_fails_after_another_change(api, signed_in, user, mailbox):
    change_email(signed_in, "first@new.example")
    first = mail_to(mailbox, "first@new.example")
    change_email(signed_in, "second@new.example")
    second = mail_to(mailbox, "second@new.example")

    response = verify(api, first)

    assert response.status_code == 400
    assert response.json()["code"] == "token_invalid"
    stored = User.objects.get(pk=user.pk)
    assert stored.email == "mike@example.org"
    assert stored.pending_email == "second@new.example"
    assert verify(api, second).status_code == 200
    assert User.objects.get(pk=user.pk).email == "second@new.example"


def test_link_for_previous_address_fails_after_change(api, signed_in, user, mailbox):
    change_email(signed_in, "first@new.example")
    assert verify(api, mail_to(mailbox, "first@new.example")).status_code == 200
    mailbox.clear()
    signed_in.patch("/api/v1/me", {"email": "mike@example.org", "current_password": STRONG_PASSWORD})
    back = mail_to(mailbox, "mike@example.org")
    signed_in.patch("/api/v1/me", {"email": "other@new.example", "current_password": STRONG_PASSWORD})

    response = verify(api, back)

    assert response.status_code == 400
    assert User.objects.get(pk=user.pk).email == "first@new.example"


def test_change_to_taken_address_is_rejected(signed_in, user, make_user, mailbox):
    make_user(email="taken@example.org")

    response = change_email(signed_in, "TAKEN@example.org")

    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    assert response.json()["errors"][0]["field"] == "email"
    assert_unchanged(user)
    assert mailbox == []


def test_address_taken_before_verification_is_rejected(api, signed_in, user, make_user, mailbox):
    change_email(signed_in, "mike@new.example")
    make_user(email="Mike@New.example")

    response = verify(api, mail_to(mailbox, "mike@new.example"))

    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    stored = User.objects.get(pk=user.pk)
    assert stored.email == "mike@example.org"
    assert stored.pending_email == "mike@new.example"


def test_change_to_own_address_is_rejected(signed_in, user, mailbox):
    response = change_email(signed_in, "MIKE@example.org")

    assert response.status_code == 400
    assert response.json()["code"] == "email_unchanged"
    assert_unchanged(user)
    assert mailbox == []


def test_change_stores_nfkc_address(signed_in, user, mailbox):
    response = change_email(signed_in, "ｍｉｋｅ@ｎｅｗ.example")

    assert response.status_code == 200
    assert User.objects.get(pk=user.pk).pending_email == "mike@new.example"
    assert mail_to(mailbox, "mike@new.example")


def test_display_name_and_email_change_together(signed_in, user, mailbox):
    response = change_email(signed_in, "mike@new.example", display_name="Mike")

    assert response.status_code == 200
    stored = User.objects.get(pk=user.pk)
    assert stored.display_name == "Mike"
    assert stored.pending_email == "mike@new.example"
