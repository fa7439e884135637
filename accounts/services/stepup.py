"""Step-up: sensitive changes need an authentication no older than MFA_STEP_UP_MAX_AGE seconds."""

from django.conf import settings
from django.utils import timezone
from rest_framework import status

from plinto.api_errors import ApiError


def require_recent_authentication(request):
    """Raise 403 `reauthentication_required` unless the request's session authenticated recently.

    The age comes from the session row's auth_time (set at login and by POST
    /api/v1/auth/reauthenticate), not from the access token, so a re-authentication counts at once.
    NOTE: a request without an API session (`request.auth_session`) is refused; hosted pages must
    attach their session the same way before they offer these changes.
    """
    session = getattr(request, "auth_session", None)
    max_age = settings.MFA_STEP_UP_MAX_AGE
    if session is not None and (timezone.now() - session.auth_time).total_seconds() <= max_age:
        return
    raise ApiError(
        status.HTTP_403_FORBIDDEN,
        "reauthentication_required",
        f"This change needs an authentication from the last {max_age} seconds; "
        "confirm your password or a second factor with POST /api/v1/auth/reauthenticate, then retry.",
    )
