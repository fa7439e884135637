"""A malformed password reset token is a 400 naming the field, never a 500."""

import pytest
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import User

NEW_PASSWORD = "Fresh-Start-93-battery!"


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "MQ.abc",  # the id decodes to "1", which is not a UUID
        urlsafe_base64_encode(b"not-a-uuid") + ".abc",
        urlsafe_base64_encode(b"7d1f6a3c-2b4e-4f5a-9c8d-0e1f2a3b4c5d") + ".abc",  # a UUID of no user
        "%%%.abc",
        "a" * 512,
    ],
)
def test_reset_rejects_malformed_token(api, user, token):
    password_before = User.objects.get(pk=user.pk).password

    response = api.post("/api/v1/auth/password/reset", {"token": token, "new_password": NEW_PASSWORD})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "token"
    assert User.objects.get(pk=user.pk).password == password_before


@pytest.mark.slow
@hypothesis_settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(max_size=300))
def test_reset_token_fuzz_never_errors(api, settings, token):
    settings.RATE_LIMIT_ENABLED = False

    response = api.post("/api/v1/auth/password/reset", {"token": token, "new_password": NEW_PASSWORD})

    assert response.status_code == 400
