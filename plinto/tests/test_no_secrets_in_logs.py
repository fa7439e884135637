"""No password or token reaches a log line, on success paths and on error paths alike."""

import pytest
from django.db import connection

from plinto.testing.fixtures import STRONG_PASSWORD, ApiClient, link_in

WRONG_PASSWORD = "Wrong-Guess-77-sentinel"
WEAK_PASSWORD = "weak-sentinel"
NEW_PASSWORD = "Fresh-Start-93-sentinel!"
UNKNOWN_REFRESH_TOKEN = "plr_unknown-refresh-sentinel-0123456789"


@pytest.fixture
def sql_logged():
    """Log every SQL statement with its parameters, as DEBUG=True would."""
    connection.force_debug_cursor = True
    yield
    connection.force_debug_cursor = False


def test_auth_flows_log_no_secrets(api, user, mailbox, settings, log_output, sql_logged, monkeypatch):
    secrets = [STRONG_PASSWORD, WRONG_PASSWORD, WEAK_PASSWORD, NEW_PASSWORD, UNKNOWN_REFRESH_TOKEN]
    settings.REFRESH_TOKEN_REUSE_INTERVAL = 0

    # Given a failed and a successful login.
    failed = api.post("/api/v1/auth/login", {"email": user.email, "password": WRONG_PASSWORD})
    assert failed.status_code == 401
    first = api.post("/api/v1/auth/login", {"email": user.email, "password": STRONG_PASSWORD}).json()
    secrets += [first["access_token"], first["refresh_token"]]

    # When the tokens are used, rotated, replayed and forged.
    assert api.bearer(first["access_token"]).get("/api/v1/me").status_code == 200
    api.credentials()
    second = api.post("/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]}).json()
    secrets += [second["access_token"], second["refresh_token"]]
    assert api.post("/api/v1/auth/refresh", {"refresh_token": UNKNOWN_REFRESH_TOKEN}).status_code == 401
    replayed = api.post("/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert replayed.json()["code"] == "token_reused"
    assert api.bearer(second["access_token"]).get("/api/v1/me").status_code == 401
    api.credentials()

    # And the password is reset, first with invalid input, then for real.
    assert api.post("/api/v1/auth/password/forgot", {"email": user.email}).status_code == 202
    reset_token = link_in(mailbox[-1], "/password/reset")
    secrets.append(reset_token)
    weak = api.post("/api/v1/auth/password/reset", {"token": reset_token, "new_password": WEAK_PASSWORD})
    assert weak.status_code == 400
    malformed = api.generic(
        "POST",
        "/api/v1/auth/password/reset",
        f'{{"token": "{reset_token}", "new_password": "{NEW_PASSWORD}"',
        content_type="application/json",
    )
    assert malformed.status_code == 400
    reset = api.post("/api/v1/auth/password/reset", {"token": reset_token, "new_password": NEW_PASSWORD})
    assert reset.status_code == 204
    third = api.post("/api/v1/auth/login", {"email": user.email, "password": NEW_PASSWORD}).json()
    secrets += [third["access_token"], third["refresh_token"]]

    # And a bug turns a login into a 500, which Django logs with its traceback.
    def failing_login(*args, **kwargs):
        raise RuntimeError("login service failed")

    monkeypatch.setattr("accounts.services.login.login_with_password", failing_login)
    crashing = ApiClient(raise_request_exception=False)
    crashed = crashing.post("/api/v1/auth/login", {"email": user.email, "password": NEW_PASSWORD})
    assert crashed.status_code == 500

    # Then the logs cover every path, and no secret is in them.
    lines = log_output.lines()
    loggers = {line["logger"] for line in lines}
    assert {"django.request", "django.db.backends", "audit.services", "accounts.tasks"} <= loggers
    assert any("Internal Server Error" in line["event"] and "RuntimeError" in line["exception"] for line in lines)
    assert any(line["event"].startswith("Unauthorized") for line in lines)
    assert any(line["event"].startswith("Bad Request") for line in lines)
    for secret in secrets:
        assert secret not in log_output.text, f"a secret of {len(secret)} characters is in the logs"
