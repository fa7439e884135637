"""Malformed password reset tokens get a 400 that names the field, never a 500."""

import pytest

from plinto.testing.fixtures import STRONG_PASSWORD

NEW_PASSWORD = "Another-Horse-77-staple"


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "0",
        "bm90LWEtdXVpZA.secret",  # The user id part decodes to "not-a-uuid".
        "__4.secret",  # The user id part decodes to bytes that are not UTF-8.
        "%%%.secret",
    ],
)
def test_malformed_reset_token_rejected(api, user, mailbox, token):
    response = api.post("/api/v1/auth/password/reset", {"token": token, "new_password": NEW_PASSWORD})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] in ("token_invalid", "validation_failed")
    assert body["errors"][0]["field"] == "token"
    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)
    assert mailbox == []
