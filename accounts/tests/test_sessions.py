"""Sessions: refresh-token rotation and reuse, the ways a session ends, and the session API."""

import threading
import time
import uuid
from datetime import timedelta

import jwt
import pytest
import time_machine
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from accounts.models import RefreshToken, Session
from accounts.services import sessions as session_service
from accounts.services.profile import deactivate_user
from accounts.tokens import keys
from audit.models import AuditEvent
from plinto.testing.fixtures import STRONG_PASSWORD, ApiClient

NEW_PASSWORD = "Quiet-Lantern-58-harbour"


@pytest.fixture(autouse=True)
def fresh_key_set():
    """Load the key set inside each test, so it never names a key that an earlier test rolled back."""
    keys.invalidate()
    yield
    keys.invalidate()


def refresh(client, refresh_token):
    return client.post("/api/v1/auth/refresh", {"refresh_token": refresh_token})


def me(access_token):
    return ApiClient().bearer(access_token).get("/api/v1/me")


def sid_of(tokens):
    return jwt.decode(tokens["access_token"], options={"verify_signature": False})["sid"]


def assert_problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code


def reuse_events():
    return AuditEvent.objects.filter(action="token.refresh_reused")


# --- T1: rotation, the reuse grace, and replay ---


def test_refresh_rotates_token(api, user, login):
    first = login(user.email)

    response = refresh(api, first["refresh_token"])

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert me(second["access_token"]).status_code == 200
    assert RefreshToken.objects.filter(rotated_at__isnull=True).count() == 1


def test_replay_after_interval_revokes_family(api, user, login):
    first = login(user.email)
    second = refresh(api, first["refresh_token"]).json()
    third = refresh(api, second["refresh_token"]).json()

    with time_machine.travel(timezone.now() + timedelta(seconds=11)):
        replay = refresh(api, first["refresh_token"])

        assert_problem(replay, 401, "token_reused")
        assert_problem(refresh(api, third["refresh_token"]), 401, "invalid_token")
        for tokens in (first, second, third):
            assert_problem(me(tokens["access_token"]), 401, "session_revoked")

    session = Session.objects.get()
    assert session.revoked_reason == "refresh_reuse"
    event = reuse_events().get()
    assert event.outcome == "failure"
    assert event.target_id == str(session.pk)
    assert first["refresh_token"] not in str(event.metadata)


@override_settings(REFRESH_TOKEN_REUSE_INTERVAL=0)
def test_replay_of_just_rotated_token_without_grace_revokes(api, user, login):
    first = login(user.email)
    second = refresh(api, first["refresh_token"]).json()

    replay = refresh(api, first["refresh_token"])

    assert_problem(replay, 401, "token_reused")
    assert_problem(refresh(api, second["refresh_token"]), 401, "invalid_token")
    assert_problem(me(second["access_token"]), 401, "session_revoked")
    assert reuse_events().count() == 1


def test_replay_within_grace_returns_same_successor(api, user, login):
    first = login(user.email)
    second = refresh(api, first["refresh_token"]).json()

    retry = refresh(api, first["refresh_token"])

    assert retry.status_code == 200
    assert retry.json()["refresh_token"] == second["refresh_token"]
    assert me(retry.json()["access_token"]).status_code == 200
    assert Session.objects.get().revoked_at is None
    assert RefreshToken.objects.count() == 2
    assert not reuse_events().exists()
    assert refresh(api, second["refresh_token"]).status_code == 200


def test_older_token_within_grace_revokes(api, user, login):
    first = login(user.email)
    second = refresh(api, first["refresh_token"]).json()
    third = refresh(api, second["refresh_token"]).json()

    replay = refresh(api, first["refresh_token"])

    assert_problem(replay, 401, "token_reused")
    assert_problem(refresh(api, third["refresh_token"]), 401, "invalid_token")
    assert_problem(me(third["access_token"]), 401, "session_revoked")
    assert Session.objects.get().revoked_reason == "refresh_reuse"
    assert reuse_events().count() == 1


def test_unknown_refresh_token_changes_nothing(api, user, login):
    tokens = login(user.email)

    response = refresh(api, "plr_" + "A" * 43)

    assert_problem(response, 401, "invalid_token")
    assert Session.objects.get().revoked_at is None
    assert RefreshToken.objects.count() == 1
    assert me(tokens["access_token"]).status_code == 200


def test_refresh_after_session_expiry_is_refused(api, user, login):
    tokens = login(user.email)
    Session.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = refresh(api, tokens["refresh_token"])

    assert_problem(response, 401, "invalid_token")
    assert RefreshToken.objects.filter(rotated_at__isnull=False).count() == 0


# --- T2: logout and password change ---


def test_logout_ends_session(api, user, login):
    tokens = login(user.email)

    response = api.bearer(tokens["access_token"]).post("/api/v1/auth/logout", {})

    assert response.status_code == 204
    assert_problem(refresh(api, tokens["refresh_token"]), 401, "invalid_token")
    assert_problem(me(tokens["access_token"]), 401, "session_revoked")
    assert Session.objects.get().revoked_reason == "logout"


def test_logout_all_sessions_ends_every_session(user, login):
    current = login(user.email, client=ApiClient())
    other = login(user.email, client=ApiClient())

    response = ApiClient().bearer(current["access_token"]).post("/api/v1/auth/logout", {"all_sessions": True})

    assert response.status_code == 204
    for tokens in (current, other):
        assert_problem(me(tokens["access_token"]), 401, "session_revoked")
        assert_problem(refresh(ApiClient(), tokens["refresh_token"]), 401, "invalid_token")
    assert not Session.objects.active().exists()


def test_password_change_ends_other_sessions(user, login):
    current = login(user.email, client=ApiClient())
    others = [login(user.email, client=ApiClient()) for _ in range(2)]

    response = (
        ApiClient()
        .bearer(current["access_token"])
        .post(
            "/api/v1/auth/password/change",
            {"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD},
        )
    )

    assert response.status_code == 204
    for tokens in others:
        assert_problem(me(tokens["access_token"]), 401, "session_revoked")
        assert_problem(refresh(ApiClient(), tokens["refresh_token"]), 401, "invalid_token")
    assert me(current["access_token"]).status_code == 200
    assert refresh(ApiClient(), current["refresh_token"]).status_code == 200
    assert Session.objects.active().count() == 1


def test_failed_password_change_keeps_sessions(user, login):
    current = login(user.email, client=ApiClient())
    other = login(user.email, client=ApiClient())

    response = (
        ApiClient()
        .bearer(current["access_token"])
        .post(
            "/api/v1/auth/password/change",
            {"current_password": "Wrong-Guess-11-entirely", "new_password": NEW_PASSWORD},
        )
    )

    assert_problem(response, 400, "invalid_password")
    assert me(other["access_token"]).status_code == 200
    assert Session.objects.active().count() == 2
    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)


# --- T3: deactivated and deleted users ---


def test_deactivated_user_cannot_refresh_or_call(api, user, login):
    tokens = login(user.email)

    deactivate_user(user)

    assert_problem(refresh(api, tokens["refresh_token"]), 401, "invalid_token")
    response = me(tokens["access_token"])
    assert response.status_code == 401
    assert response.json()["code"] in {"user_inactive", "session_revoked"}
    assert Session.objects.get().revoked_reason == "deactivated"


def test_inactive_flag_alone_blocks_tokens(api, user, login):
    """A user switched off without the service (for example in the Django admin) is still locked out."""
    tokens = login(user.email)

    type(user).objects.filter(pk=user.pk).update(is_active=False)

    assert_problem(me(tokens["access_token"]), 401, "user_inactive")
    assert_problem(refresh(api, tokens["refresh_token"]), 401, "invalid_token")
    assert RefreshToken.objects.filter(rotated_at__isnull=False).count() == 0


def test_deleted_user_cannot_refresh_or_call(api, user, login):
    tokens = login(user.email)

    user.delete()

    assert_problem(refresh(api, tokens["refresh_token"]), 401, "invalid_token")
    assert_problem(me(tokens["access_token"]), 401, "session_revoked")
    assert not Session.objects.exists()


# --- the session API ---


def test_session_list_shows_own_active_sessions(user, make_user, login):
    current = login(user.email, client=ApiClient())
    other = login(user.email, client=ApiClient())
    ended = login(user.email, client=ApiClient())
    ApiClient().bearer(ended["access_token"]).post("/api/v1/auth/logout", {})
    stranger = make_user()
    login(stranger.email, client=ApiClient())

    response = ApiClient().bearer(current["access_token"]).get("/api/v1/sessions")

    assert response.status_code == 200
    listed = {item["id"]: item["current"] for item in response.json()}
    assert listed == {sid_of(current): True, sid_of(other): False}


def test_delete_session_ends_its_tokens(user, login):
    current = login(user.email, client=ApiClient())
    other = login(user.email, client=ApiClient())
    other_session = Session.objects.get(pk=sid_of(other))

    response = ApiClient().bearer(current["access_token"]).delete(f"/api/v1/sessions/{other_session.pk}")

    assert response.status_code == 204
    assert_problem(me(other["access_token"]), 401, "session_revoked")
    assert_problem(refresh(ApiClient(), other["refresh_token"]), 401, "invalid_token")
    assert me(current["access_token"]).status_code == 200
    other_session.refresh_from_db()
    assert other_session.revoked_reason == "user_request"
    assert AuditEvent.objects.filter(action="session.revoked", target_id=str(other_session.pk)).exists()


def test_delete_other_users_session_is_404(user, make_user, login):
    mine = login(user.email, client=ApiClient())
    stranger = make_user()
    theirs = login(stranger.email, client=ApiClient())
    their_session = Session.objects.get(user=stranger)
    events_before = AuditEvent.objects.count()

    response = ApiClient().bearer(mine["access_token"]).delete(f"/api/v1/sessions/{their_session.pk}")

    assert_problem(response, 404, "not_found")
    their_session.refresh_from_db()
    assert their_session.revoked_at is None
    assert me(theirs["access_token"]).status_code == 200
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize("session_id", ["not-a-uuid", "0b6f3c1e-5d2a-4c7e-9f10-2a3b4c5d6e7f", "1%20OR%201=1"])
def test_delete_unknown_session_is_404(user, login, session_id):
    tokens = login(user.email)

    response = ApiClient().bearer(tokens["access_token"]).delete(f"/api/v1/sessions/{session_id}")

    assert_problem(response, 404, "not_found")
    assert Session.objects.active().count() == 1


def test_session_api_needs_a_token(api, db):
    assert_problem(api.get("/api/v1/sessions"), 401, "not_authenticated")
    assert_problem(api.delete(f"/api/v1/sessions/{uuid.uuid4()}"), 401, "not_authenticated")


# --- refresh concurrency on PostgreSQL ---


def _waiting_on_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.fixture
def _audit_trigger_restored(django_db_blocker):
    yield
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_truncate")


@pytest.fixture
def committed_db(_audit_trigger_restored, transactional_db):
    """A database whose writes commit, so several threads see them; emptied by TRUNCATE afterwards.

    The audit table's trigger refuses TRUNCATE on PostgreSQL, so it is switched off for the flush
    that ends the test and switched on again by `_audit_trigger_restored`, which is set up first
    and therefore torn down last.
    """
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_truncate")


def test_concurrent_refresh_returns_one_successor(committed_db, user, login, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite ignores SELECT ... FOR UPDATE, which serializes the refreshes")
    tokens = login(user.email, client=ApiClient())

    # The first refresh holds its row lock until the main thread has seen the second one wait for
    # it, so the two requests overlap for certain rather than by luck.
    release = threading.Event()
    rotate = session_service._rotate

    def rotate_then_wait(*args, **kwargs):
        rotate(*args, **kwargs)
        release.wait(timeout=10)

    monkeypatch.setattr(session_service, "_rotate", rotate_then_wait)
    start = threading.Barrier(2)
    responses = []

    def present_token():
        try:
            start.wait(timeout=10)
            responses.append(refresh(ApiClient(), tokens["refresh_token"]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=present_token) for _ in range(2)]
    for thread in threads:
        thread.start()
    saw_waiter = False
    for _ in range(200):
        if _waiting_on_lock():
            saw_waiter = True
            break
        time.sleep(0.05)
    release.set()
    for thread in threads:
        thread.join(timeout=30)

    assert saw_waiter, "the second refresh never waited for the first one's row lock"
    assert [response.status_code for response in responses] == [200, 200]
    assert responses[0].json()["refresh_token"] == responses[1].json()["refresh_token"]
    assert Session.objects.get().revoked_at is None
    assert RefreshToken.objects.count() == 2
    assert not reuse_events().exists()
    assert refresh(ApiClient(), responses[0].json()["refresh_token"]).status_code == 200


def test_login_commit_skips_wal_wait(user):
    from django.test import RequestFactory

    from accounts.login_pipeline import complete_login

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: synchronous_commit is a PostgreSQL setting")

    # The test runs inside a transaction, as every door's call does.
    session, _ = complete_login(RequestFactory().post("/api/v1/auth/login"), user, amr=["pwd"])

    assert session is not None
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "off"
