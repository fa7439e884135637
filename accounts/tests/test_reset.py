"""Forgot-password and reset: one response for everyone, safe links, single-use short-lived tokens."""

from datetime import timedelta

import pytest
from django.test import RequestFactory

from accounts import ratelimit
from accounts.models import Session, User
from accounts.services import passwords as password_service
from accounts.tokens.email import reset_tokens
from audit.models import AuditEvent
from plinto.testing.fixtures import STRONG_PASSWORD, link_in

NEW_PASSWORD = "Fresh-Start-2025-river"
FORGOT_ACCEPTED = {"detail": "If an account uses this address, a reset link is on its way."}


def forgot(api, email, **extra):
    return api.post("/api/v1/auth/password/forgot", {"email": email}, **extra)


def reset(api, token, new_password=NEW_PASSWORD):
    return api.post("/api/v1/auth/password/reset", {"token": token, "new_password": new_password})


def reset_token_for(api, mailbox, email="mike@example.org"):
    mailbox.clear()
    assert forgot(api, email).status_code == 202
    assert len(mailbox) == 1
    return link_in(mailbox[0], "/password/reset")


def assert_token_rejected(response):
    assert response.status_code == 400
    assert response.json()["code"] == "token_invalid"
    assert response.json()["errors"][0]["field"] == "token"


def assert_password_is(user, password):
    assert User.objects.get(pk=user.pk).check_password(password)


# --- forgot-password --------------------------------------------------------------------------


def test_forgot_answers_the_same_for_known_and_unknown(api, user, mailbox):
    known = forgot(api, "mike@example.org")
    unknown = forgot(api, "nobody@example.org")

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json() == FORGOT_ACCEPTED
    assert [m.to for m in mailbox] == [["mike@example.org"]]
    assert mailbox[0].subject == "Reset your password"


def test_forgot_for_deactivated_account_sends_nothing(api, make_user, mailbox):
    make_user(email="gone@example.org", is_active=False)

    response = forgot(api, "gone@example.org")

    assert response.status_code == 202
    assert response.json() == FORGOT_ACCEPTED
    assert mailbox == []


@pytest.mark.parametrize(
    "extra",
    [
        {"HTTP_HOST": "attacker.example"},
        {"HTTP_X_FORWARDED_HOST": "attacker.example"},
        {"HTTP_X_FORWARDED_HOST": "attacker.example", "use_forwarded_host": True},
    ],
    ids=["host", "x-forwarded-host", "x-forwarded-host-trusted"],
)
def test_reset_link_uses_public_base_url(api, user, mailbox, settings, extra):
    settings.PUBLIC_BASE_URL = "https://id.example.com"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "attacker.example"]
    settings.USE_X_FORWARDED_HOST = extra.pop("use_forwarded_host", False)

    response = forgot(api, "mike@example.org", **extra)

    assert response.status_code == 202
    (message,) = mailbox
    assert link_in(message, "https://id.example.com/password/reset")
    assert "attacker.example" not in message.body


@pytest.mark.parametrize("variant", ["MIKE@example.org", "ｍｉｋｅ@ｅｘａｍｐｌｅ.org", " Mike@Example.ORG "])
def test_forgot_for_variant_mails_stored_address(api, user, mailbox, variant):
    response = forgot(api, variant)

    assert response.status_code == 202
    assert [m.to for m in mailbox] == [["mike@example.org"]]


def test_forgot_mails_only_the_matched_look_alike(api, user, make_user, mailbox):
    dotless = make_user(email="mıke@example.org")

    forgot(api, "mıke@example.org")
    forgot(api, "mike@example.org")

    assert [m.to for m in mailbox] == [["mıke@example.org"], ["mike@example.org"]]
    token = link_in(mailbox[0], "/password/reset")
    assert reset(api, token).status_code == 204
    assert_password_is(dotless, NEW_PASSWORD)
    assert_password_is(user, STRONG_PASSWORD)


def test_forgot_ignores_unverified_pending_address(api, user, mailbox):
    User.objects.filter(pk=user.pk).update(pending_email="new@example.org")

    response = forgot(api, "new@example.org")

    assert response.status_code == 202
    assert response.json() == FORGOT_ACCEPTED
    assert mailbox == []
    assert not AuditEvent.objects.filter(action="password.reset_requested").exists()


# --- reset ------------------------------------------------------------------------------------


def test_reset_sets_password_and_ends_sessions(api, user, login, mailbox):
    old_tokens = login(user.email)
    token = reset_token_for(api, mailbox)
    mailbox.clear()

    response = reset(api, token)

    assert response.status_code == 204
    assert_password_is(user, NEW_PASSWORD)
    assert not Session.objects.active().filter(user=user).exists()
    refreshed = api.post("/api/v1/auth/refresh", {"refresh_token": old_tokens["refresh_token"]})
    assert refreshed.status_code == 401
    assert [m.subject for m in mailbox] == ["Your password was changed"]
    assert AuditEvent.objects.filter(action="password.reset", target_id=str(user.pk)).count() == 1
    login(user.email, password=NEW_PASSWORD)


def test_reset_verifies_the_address(api, make_user, mailbox):
    user = make_user(email="new@example.org", email_verified=False)
    token = reset_token_for(api, mailbox, "new@example.org")

    assert reset(api, token).status_code == 204
    assert User.objects.get(pk=user.pk).email_verified is True


def test_reset_with_weak_password_changes_nothing(api, user, mailbox):
    token = reset_token_for(api, mailbox)
    mailbox.clear()

    response = reset(api, token, new_password="weak")

    assert response.status_code == 400
    assert response.json()["code"] == "password_too_weak"
    assert response.json()["errors"][0]["field"] == "new_password"
    assert_password_is(user, STRONG_PASSWORD)
    assert mailbox == []
    assert reset(api, token).status_code == 204  # The token was not spent.


@pytest.mark.parametrize("token", ["", "nonsense", "YWJj.secret", "Zm9v", ".", "..", "MTIz" * 200])
def test_reset_rejects_malformed_token(api, user, token):
    response = reset(api, token)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "token"
    assert_password_is(user, STRONG_PASSWORD)


def test_reset_rejects_deactivated_account(api, user, mailbox):
    token = reset_token_for(api, mailbox)
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert_token_rejected(reset(api, token))
    assert_password_is(user, STRONG_PASSWORD)


def test_reset_clears_login_delay(api, user, mailbox):
    for _ in range(10):
        ratelimit.record_login_failure(user.email)  # The next login now waits 32 seconds.
    assert api.post("/api/v1/auth/login", {"email": user.email, "password": STRONG_PASSWORD}).status_code == 429
    token = reset_token_for(api, mailbox)

    assert reset(api, token).status_code == 204

    assert ratelimit.login_failure_count(user.email) == 0
    assert api.post("/api/v1/auth/login", {"email": user.email, "password": NEW_PASSWORD}).status_code == 200


# --- reset tokens are single use and short lived ----------------------------------------------


def test_reset_token_works_once(api, user, mailbox):
    token = reset_token_for(api, mailbox)
    assert reset(api, token).status_code == 204

    assert_token_rejected(reset(api, token, new_password="Second-Try-2025-lake"))
    assert_password_is(user, NEW_PASSWORD)


def travel(monkeypatch, delta):
    """Move the reset-token clock by `delta` from now."""
    now = reset_tokens._now()
    monkeypatch.setattr(reset_tokens, "_now", lambda: now + delta)


def test_reset_token_valid_within_the_hour(api, user, mailbox, monkeypatch):
    token = reset_token_for(api, mailbox)
    travel(monkeypatch, timedelta(minutes=59))

    assert reset(api, token).status_code == 204


def test_reset_token_expires_after_one_hour(api, user, mailbox, monkeypatch):
    token = reset_token_for(api, mailbox)
    travel(monkeypatch, timedelta(hours=1, seconds=1))

    assert_token_rejected(reset(api, token))
    assert_password_is(user, STRONG_PASSWORD)


def test_reset_token_dies_when_password_changes(api, user, login, mailbox):
    token = reset_token_for(api, mailbox)
    api.bearer(login(user.email)["access_token"])
    changed = api.post(
        "/api/v1/auth/password/change", {"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 204

    assert_token_rejected(reset(api, token, new_password="Second-Try-2025-lake"))
    assert_password_is(user, NEW_PASSWORD)


def test_reset_token_dies_when_email_changes(api, user, login, mailbox):
    token = reset_token_for(api, mailbox)
    api.bearer(login(user.email)["access_token"])
    mailbox.clear()
    api.patch("/api/v1/me", {"email": "mike@new.example", "current_password": STRONG_PASSWORD})
    verification = next(m for m in mailbox if m.to == ["mike@new.example"])
    assert api.post("/api/v1/auth/verify-email", {"token": link_in(verification, "/verify-email")}).status_code == 200

    assert_token_rejected(reset(api, token))
    assert_password_is(user, STRONG_PASSWORD)


def test_reset_token_second_racer_is_rejected(api, user, mailbox, monkeypatch):
    # Given a request that has passed the first token check, and another request with the same
    # token that completes while the first is still checking the new password
    token = reset_token_for(api, mailbox)
    validate = password_service.validate_new_password
    racer = []

    def validate_while_other_request_finishes(*args, **kwargs):
        validate(*args, **kwargs)
        if not racer:
            racer.append("started")
            request = RequestFactory().post("/api/v1/auth/password/reset")
            racer.append(password_service.reset_password(request, token, "Second-Try-2025-lake"))

    monkeypatch.setattr(password_service, "validate_new_password", validate_while_other_request_finishes)

    # When the first request goes on to write
    response = reset(api, token)

    # Then the check under the row lock finds the token spent, and only the other reset counts
    assert racer[1].pk == user.pk
    assert_token_rejected(response)
    assert_password_is(user, "Second-Try-2025-lake")
    assert AuditEvent.objects.filter(action="password.reset").count() == 1
