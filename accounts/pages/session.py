"""The link between a browser's Django session and the Plinto session its login created.

A page login stores the Plinto session id in the Django session. The middleware checks that id
on every request, so a Plinto session revoked anywhere (logout in another browser, a password
change, deactivation, an admin) logs the browser out on its next page load.
"""

from datetime import timedelta
from functools import wraps

from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.utils import timezone

from ..models import Session
from ..services.sessions import RevokeReason, revoke_session

SESSION_KEY = "plinto_session_id"
# A login that passed the password and waits for a second factor: its mfa_token and `next`.
PENDING_LOGIN_KEY = "plinto_pending_login"

# The backend Django uses to load the logged-in user on later requests. The credentials were
# already checked by the login services, not by a Django backend.
_USER_LOADING_BACKEND = "django.contrib.auth.backends.ModelBackend"

# `last_used_at` is written at most this often per session, so a page load is not always a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class PlintoSessionMiddleware:
    """Set `request.plinto_session` to the live Plinto session of this browser, or None.

    A Django session that names an ended Plinto session is logged out. A Django session without
    a Plinto session id (such as one made by the /admin/ login) is left as it is, but the pages
    that need a Plinto session treat it as logged out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.plinto_session = None
        session_id = request.session.get(SESSION_KEY)
        if session_id is not None:
            session = _live_session(session_id, request.user)
            if session is None:
                django_logout(request)
            else:
                request.plinto_session = session
                _touch(session)
        return self.get_response(request)


def _live_session(session_id, user):
    if not user.is_authenticated or not user.is_active:
        return None
    try:
        session = Session.objects.filter(pk=session_id, user_id=user.pk).first()
    except ValidationError:
        return None  # Not a UUID, so it names no session.
    if session is None or not session.is_active:
        return None
    return session


def _touch(session):
    now = timezone.now()
    if now - session.last_used_at < LAST_USED_RESOLUTION:
        return
    Session.objects.filter(pk=session.pk).update(last_used_at=now)
    session.last_used_at = now


def plinto_login_required(view):
    """Redirect to the login page unless the request has a live Plinto session."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.plinto_session is None:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def start_page_session(request, user, session):
    """Log `user` into Django for the Plinto session `session` their login created.

    django.contrib.auth.login rotates the session key, which prevents session fixation. A
    Plinto session that this browser held before is revoked, so it does not stay live unseen.
    """
    end_plinto_session(request, reason=RevokeReason.LOGOUT)
    # Named, so adding another backend later does not make login() ask which one to record.
    django_login(request, user, backend=_USER_LOADING_BACKEND)
    request.session[SESSION_KEY] = str(session.pk)
    request.plinto_session = session


def end_plinto_session(request, *, reason):
    """Revoke this browser's Plinto session, if it is still live."""
    if request.plinto_session is not None:
        revoke_session(request.plinto_session, reason=reason, request=request)
        request.plinto_session = None


def end_page_session(request, *, reason=RevokeReason.LOGOUT):
    """Revoke this browser's Plinto session and log it out of Django."""
    end_plinto_session(request, reason=reason)
    django_logout(request)


def store_pending_login(request, mfa_token, next_url):
    """Keep a login that waits for a second factor in the server-side session of this browser.

    The mfa_token never reaches the page, so it cannot leak through the URL, the Referer header
    or the HTML. The session key is rotated first, so a session id planted in the browser before
    the password step does not also carry the pending login.
    """
    request.session.cycle_key()
    request.session[PENDING_LOGIN_KEY] = {"mfa_token": mfa_token, "next": next_url}


def pending_login(request):
    """Return the pending login of this browser as {"mfa_token", "next"}, or None."""
    pending = request.session.get(PENDING_LOGIN_KEY)
    if not isinstance(pending, dict) or not pending.get("mfa_token"):
        return None
    return pending


def clear_pending_login(request):
    request.session.pop(PENDING_LOGIN_KEY, None)
