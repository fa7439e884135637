"""manage.py commands: reset_password, rotate_signing_key, cleanup_expired and createsuperuser."""

import io
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.management.commands.reset_password import generate_password
from accounts.models import RefreshToken, Session, SigningKey, User
from accounts.passwords.validators import ComplexityValidator
from accounts.tokens import keys
from accounts.tokens.refresh import hash_token, new_refresh_token
from audit.models import AuditEvent
from plinto.testing.fixtures import STRONG_PASSWORD, page_login

BASE_DIR = Path(__file__).resolve().parents[2]
NEW_PASSWORD = "Lantern-Orbit-58-quartz!"


class Terminal(io.StringIO):
    """Standard input that reports itself as a terminal, as it is when an operator runs a command."""

    def isatty(self):
        return True


def typed(*answers):
    """Return a stand-in for getpass.getpass or input that returns `answers` in order."""
    remaining = list(answers)

    def answer(prompt=""):
        assert remaining, f"unexpected prompt: {prompt!r}"
        return remaining.pop(0)

    return answer


def run(*args, **options):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(*args, stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


def actions():
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# reset_password


def test_reset_password_generate(api, user, login, mailbox, django_capture_on_commit_callbacks):
    tokens = [login(user.email), login(user.email)]
    last_event_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    with django_capture_on_commit_callbacks(execute=True):
        output, _ = run("reset_password", "MIKE@Example.org", "--generate")

    generated = re.search(r"Generated password \(shown only now\): (\S+)", output).group(1)
    assert output.count(generated) == 1
    user.refresh_from_db()
    assert user.check_password(generated)
    assert not user.check_password(STRONG_PASSWORD)
    assert set(Session.objects.filter(user=user).values_list("revoked_reason", flat=True)) == {"password_reset"}
    assert api.bearer(tokens[0]["access_token"]).get("/api/v1/me").status_code == 401
    assert [message.subject for message in mailbox] == ["Your password was changed"]

    recorded = {event.action: event for event in AuditEvent.objects.filter(id__gt=last_event_id)}
    assert set(recorded) == {"session.revoked_all", "password.reset"}
    for event in recorded.values():
        assert (event.actor_type, event.actor_id) == ("system", "reset_password")
    assert recorded["password.reset"].target_id == str(user.pk)
    assert recorded["password.reset"].metadata == {"via": "command", "sessions_ended": 2}
    assert generated not in str(recorded["password.reset"].metadata)


def test_generated_passwords_pass_policy():
    passwords = [generate_password() for _ in range(50)]

    assert len(set(passwords)) == 50
    for password in passwords:
        assert len(password) == 24
        ComplexityValidator(min_length=12).validate(password)


def test_reset_password_prompts_twice(user, monkeypatch):
    monkeypatch.setattr("getpass.getpass", typed(NEW_PASSWORD, NEW_PASSWORD))

    output, _ = run("reset_password", user.email, stdin=Terminal())

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert NEW_PASSWORD not in output
    assert f"Password of user {user.pk} reset" in output


def test_reset_password_reprompts_after_mistakes(user, monkeypatch):
    monkeypatch.setattr(
        "getpass.getpass", typed(NEW_PASSWORD, "Different-42-pass!", "short", "short", NEW_PASSWORD, NEW_PASSWORD)
    )

    _, errors = run("reset_password", user.email, stdin=Terminal())

    assert "do not match" in errors
    assert "at least 12 characters" in errors
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_reset_password_stops_after_three_tries(user, login, monkeypatch):
    login(user.email)
    monkeypatch.setattr("getpass.getpass", typed(*["password123"] * 6))

    with pytest.raises(CommandError, match="No valid password after 3 attempts"):
        run("reset_password", user.email, stdin=Terminal())

    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)
    assert Session.objects.active().filter(user=user).count() == 1
    assert "password.reset" not in actions()


@pytest.mark.parametrize("extra", [[], ["--no-input"]])
def test_reset_password_needs_terminal_or_generate(user, extra):
    stdin = io.StringIO() if not extra else Terminal()

    with pytest.raises(CommandError, match="pass --generate"):
        run("reset_password", user.email, *extra, stdin=stdin)

    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)


def test_reset_password_unknown_email(user):
    with pytest.raises(CommandError, match="No user has the email address 'nobody@example.org'") as error:
        run("reset_password", "nobody@example.org", "--generate")

    assert error.value.returncode == 1
    assert actions() == []


@pytest.mark.slow
def test_reset_password_unknown_email_exits_1(tmp_path):
    # manage.py in a process of its own, on a fresh SQLite database, as an operator runs it.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "plinto.settings",
        "PLINTO_VAR_DIR": str(tmp_path / "var"),
    }
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    migrated = subprocess.run([*manage, "migrate", "--noinput"], env=env, capture_output=True, text=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr

    completed = subprocess.run(
        [*manage, "reset_password", "nobody@example.org", "--generate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert completed.returncode == 1
    assert "No user has the email address 'nobody@example.org'. Nothing was changed." in completed.stderr
    assert completed.stdout == ""


# rotate_signing_key


@pytest.fixture
def fresh_key_set():
    """Drop the process's cached key set, which may hold a key of another test's rolled-back rows."""
    keys.invalidate()
    yield
    keys.invalidate()


def _kid(access_token):
    return jwt.get_unverified_header(access_token)["kid"]


def test_rotate_signing_key(api, client, user, login, fresh_key_set, django_capture_on_commit_callbacks):
    before = login(user.email)
    old_kid = _kid(before["access_token"])

    # The rotation drops this process's cached key set when its transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        output, _ = run("rotate_signing_key")

    new_kid = re.search(r"New signing key: (\S+)", output).group(1)
    assert new_kid != old_kid
    old_key = SigningKey.objects.get(kid=old_kid)
    assert old_key.retired_at is not None
    assert old_key.verify_until > timezone.now() + timedelta(minutes=15)
    assert f"Key {old_kid} no longer signs" in output
    assert {key["kid"] for key in client.get("/.well-known/jwks.json").json()["keys"]} == {old_kid, new_kid}
    assert api.bearer(before["access_token"]).get("/api/v1/me").status_code == 200
    api.credentials()
    assert _kid(login(user.email)["access_token"]) == new_kid
    event = AuditEvent.objects.get(action="signing_key.rotated")
    assert (event.actor_type, event.actor_id) == ("system", "rotate_signing_key")
    assert new_kid in event.target_display


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"JWT_ALGORITHM": "HS256", "JWT_SECRET_KEY": "h" * 48}, "JWT_SECRET_KEY"),
        ({"JWT_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----"}, "JWT_PRIVATE_KEY"),
    ],
)
def test_rotate_refuses_configured_keys(db, settings, overrides, message):
    for name, value in overrides.items():
        setattr(settings, name, value)

    with pytest.raises(CommandError, match=message):
        run("rotate_signing_key")

    assert SigningKey.objects.count() == 0
    assert actions() == []


# cleanup_expired


def _session(user, *, expires_in, revoked_days_ago=None, refresh_tokens=1):
    now = timezone.now()
    session = Session.objects.create(
        user=user,
        expires_at=now + timedelta(seconds=expires_in),
        revoked_at=None if revoked_days_ago is None else now - timedelta(days=revoked_days_ago),
        revoked_reason="" if revoked_days_ago is None else "logout",
    )
    for _ in range(refresh_tokens):
        RefreshToken.objects.create(session=session, token_hash=hash_token(new_refresh_token()))
    return session


@pytest.fixture
def cleanup_rows(user, fresh_key_set):
    week = 7 * 24 * 3600
    rows = {
        "active": _session(user, expires_in=week, refresh_tokens=2),
        "expired": _session(user, expires_in=-60, refresh_tokens=3),
        "revoked_long_ago": _session(user, expires_in=week, revoked_days_ago=40),
        "revoked_recently": _session(user, expires_in=week, revoked_days_ago=5),
    }
    current, retired, past = keys.generate_signing_key(), keys.generate_signing_key(), keys.generate_signing_key()
    now = timezone.now()
    SigningKey.objects.filter(pk=retired.pk).update(retired_at=now, verify_until=now + timedelta(minutes=5))
    SigningKey.objects.filter(pk=past.pk).update(
        retired_at=now - timedelta(hours=1), verify_until=now - timedelta(minutes=1)
    )
    rows.update(current_key=current, retired_key=retired, past_key=past)
    return rows


def test_cleanup_dry_run_deletes_nothing(cleanup_rows):
    output, _ = run("cleanup_expired", "--dry-run")

    assert output.strip() == "Would delete 2 session(s), 4 refresh token(s) and 1 signing key(s)."
    assert Session.objects.count() == 4
    assert RefreshToken.objects.count() == 7
    assert SigningKey.objects.count() == 3
    assert "maintenance.cleanup" not in actions()


def test_cleanup_deletes_only_unusable_rows(cleanup_rows):
    output, _ = run("cleanup_expired")

    assert output.strip() == "Deleted 2 session(s), 4 refresh token(s) and 1 signing key(s)."
    remaining = set(Session.objects.values_list("pk", flat=True))
    assert remaining == {cleanup_rows["active"].pk, cleanup_rows["revoked_recently"].pk}
    assert RefreshToken.objects.count() == 3
    assert set(SigningKey.objects.values_list("pk", flat=True)) == {
        cleanup_rows["current_key"].pk,
        cleanup_rows["retired_key"].pk,
    }
    event = AuditEvent.objects.get(action="maintenance.cleanup")
    assert event.metadata == {"sessions": 2, "refresh_rows": 4, "signing_rows": 1}
    assert (event.actor_type, event.actor_id) == ("system", "cleanup_expired")


def test_cleanup_revoked_days_option(cleanup_rows):
    run("cleanup_expired", "--revoked-days", "1")

    assert set(Session.objects.values_list("pk", flat=True)) == {cleanup_rows["active"].pk}


def test_cleanup_deletes_in_bulk_batches(user):
    for _ in range(5):
        _session(user, expires_in=-60, refresh_tokens=2)

    with CaptureQueriesContext(connection) as queries:
        run("cleanup_expired", "--batch-size", "2")

    deletes = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("DELETE")]
    session_deletes = [sql for sql in deletes if 'FROM "accounts_session"' in sql]
    token_deletes = [sql for sql in deletes if 'FROM "accounts_refreshtoken"' in sql]
    assert len(session_deletes) == 3  # batches of 2, 2 and 1 sessions
    assert len(token_deletes) == 3
    assert Session.objects.count() == 0
    assert RefreshToken.objects.count() == 0


def test_cleanup_keeps_live_session_working(api, user, login):
    tokens = login(user.email)
    _session(user, expires_in=-60)

    run("cleanup_expired")

    refreshed = api.post("/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch-size", "0"], "--batch-size must be at least 1"),
        (["--revoked-days", "-1"], "--revoked-days must be 0"),
    ],
)
def test_cleanup_rejects_bad_options(user, args, message):
    _session(user, expires_in=-60)

    with pytest.raises(CommandError, match=message):
        run("cleanup_expired", *args)

    assert Session.objects.count() == 1


# createsuperuser


def test_createsuperuser_noinput(client, db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", NEW_PASSWORD)

    output, _ = run("createsuperuser", "--noinput", "--email", "Root@Example.org")

    assert "Superuser created successfully." in output
    admin = User.objects.get(email_key="root@example.org")
    assert (admin.is_superuser, admin.is_staff, admin.email_verified) == (True, True, True)
    assert admin.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="user.created")
    assert (event.actor_type, event.actor_id, event.target_id) == ("system", "createsuperuser", str(admin.pk))

    page_login(client, admin, NEW_PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_createsuperuser_email_from_environment(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "ops@example.org")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", NEW_PASSWORD)

    run("createsuperuser", "--noinput")

    assert User.objects.get(email_key="ops@example.org").is_superuser


def test_createsuperuser_rejects_weak_password(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "password")

    with pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD is rejected"):
        run("createsuperuser", "--noinput", "--email", "root@example.org")

    assert not User.objects.exists()
    assert actions() == []


def test_createsuperuser_rejects_taken_email(user, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", NEW_PASSWORD)

    with pytest.raises(CommandError, match="already taken"):
        run("createsuperuser", "--noinput", "--email", "MIKE@example.org")

    assert User.objects.count() == 1
    assert not User.objects.get().is_superuser


def test_createsuperuser_interactive(user, monkeypatch):
    monkeypatch.setattr("builtins.input", typed("mike@EXAMPLE.org", "admin@example.org"))
    monkeypatch.setattr("getpass.getpass", typed(NEW_PASSWORD, NEW_PASSWORD))

    output, errors = run("createsuperuser", stdin=Terminal())

    assert "already taken" in errors
    assert "Superuser created successfully." in output
    admin = User.objects.get(email_key="admin@example.org")
    assert admin.is_superuser
    assert admin.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="user.created", target_id=str(admin.pk)).exists()
