"""Step-up: sensitive changes need an authentication no older than MFA_STEP_UP_MAX_AGE seconds."""

from django.conf import settings
from django.utils import timezone
from rest_framework import status

from plinto.api_errors import ApiError


def require_recent_authentication(request):
    """Raise 403 `reauthentication_required` unless the request's session authenticated recently.

    The age comes from the session row's auth_time (set at login and by POST
    /api/v1/auth/reauthenticate), not from the access token, so a re-authentication counts at once.
    The session is the API's (`request.auth_session`) or the hosted pages' (`request.plinto_session`);
    a request with neither is refused. The hosted pages handle this error with a redirect to
    /account/reauthenticate, which refreshes the page session's auth_time.
    """
    session = getattr(request, "auth_session", None) or getattr(request, "plinto_session", None)
    max_age = settings.MFA_STEP_UP_MAX_AGE
    if session is not None and (timezone.now() - session.auth_time).total_seconds() <= max_age:
        return
    raise ApiError(
        status.HTTP_403_FORBIDDEN,
        "reauthentication_required",
        f"This change needs an authentication from the last {max_age} seconds; "
        "confirm your password or a second factor with POST /api/v1/auth/reauthenticate, then retry.",
    )
