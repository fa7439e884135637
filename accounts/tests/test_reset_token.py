"""Reset tokens whose user id part is malformed are rejected, never a server error."""

import pytest

from accounts.tokens.email import read_reset_token
from plinto.testing.fixtures import STRONG_PASSWORD


@pytest.mark.parametrize("token", [".", "MTIz.secret", "bm90LWEtdXVpZA.secret", "%%%.secret", ""])
def test_malformed_reset_token_names_no_user(db, token):
    assert read_reset_token(token) is None


def test_api_reset_with_malformed_token(api, user, mailbox):
    response = api.post("/api/v1/auth/password/reset", {"token": "MTIz.secret", "new_password": "New-Strong-55-phrase"})

    assert response.status_code == 400
    assert response.json()["code"] == "token_invalid"
    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)
    assert mailbox == []
