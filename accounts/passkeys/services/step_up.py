"""The recent-authentication (step-up) check for sensitive passkey changes."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import status

from plinto.api_errors import ApiError


# NOTE: a local check until the shared recent-authentication check of the MFA app exists; its
# callers need no change when this body calls the shared one instead.
def require_recent_authentication(session):
    """Raise 403 `reauthentication_required` unless `session` logged in at most PASSKEY_STEP_UP_MAX_AGE ago."""
    max_age = timedelta(seconds=settings.PASSKEY_STEP_UP_MAX_AGE)
    if session is None or timezone.now() - session.auth_time > max_age:
        raise ApiError(
            status.HTTP_403_FORBIDDEN,
            "reauthentication_required",
            f"This change needs a login from the last {settings.PASSKEY_STEP_UP_MAX_AGE} seconds; log in again.",
        )
