"""The main job end to end through the API: register, verify, log in, call, refresh, log out."""

from accounts.models import Session, User
from audit.models import AuditEvent
from plinto.testing.fixtures import STRONG_PASSWORD, link_in


def test_register_verify_login_refresh_logout(api, mailbox):
    response = api.post(
        "/api/v1/auth/register", {"email": "Ana@Example.org", "password": STRONG_PASSWORD, "display_name": "Ana"}
    )
    assert response.status_code == 202
    user = User.objects.get(email_key="ana@example.org")
    assert user.email_verified is False

    token = link_in(mailbox[-1], "/verify-email")
    assert mailbox[-1].to == ["Ana@Example.org"]
    response = api.post("/api/v1/auth/verify-email", {"token": token})
    assert response.status_code == 200
    assert response.json()["email_verified"] is True

    response = api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": STRONG_PASSWORD})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    tokens = response.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 900

    api.bearer(tokens["access_token"])
    me = api.get("/api/v1/me")
    assert me.status_code == 200, me.content
    assert me.json()["email"] == "Ana@Example.org"

    refreshed = api.post("/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh_token"] != tokens["refresh_token"]

    api.bearer(refreshed.json()["access_token"])
    assert api.post("/api/v1/auth/logout", {}).status_code == 204
    assert api.get("/api/v1/me").status_code == 401
    after = api.post("/api/v1/auth/refresh", {"refresh_token": refreshed.json()["refresh_token"]})
    assert after.status_code == 401
    assert Session.objects.get().revoked_reason == "logout"

    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["user.registered", "user.email_verified", "login.succeeded", "session.revoked"]


def test_login_before_verification_is_refused(api, make_user):
    make_user(email="new@example.org", email_verified=False)

    response = api.post("/api/v1/auth/login", {"email": "new@example.org", "password": STRONG_PASSWORD})

    assert response.status_code == 403
    assert response.json()["code"] == "email_not_verified"
    assert Session.objects.count() == 0
