"""Password login with rate limits, failure delays and no account enumeration."""

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from rest_framework import status

from audit.services import record
from plinto.api_errors import ApiError

from .. import ratelimit
from ..login_pipeline import complete_login
from ..models import User
from ..normalization import email_key
from ..passwords.hashing import hashing_slot

# Hashed once per process and compared against when the email is unknown, so a failed login
# costs the same hash whether or not the account exists.
_dummy_hash = None

INVALID_CREDENTIALS = "The email address or password is incorrect."


def _dummy_password_hash():
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = make_password("plinto-timing-equaliser")
    return _dummy_hash


def _verify_password(user, password):
    """Check `password`, spending one hash even when there is no user or no password."""
    with hashing_slot():
        if user is None or not user.has_usable_password():
            check_password(password or "", _dummy_password_hash())
            return False
        return user.check_password(password or "")


def authenticate_password(request, email, password):
    """Return the active user whose credentials these are, or raise the same 401 for any failure."""
    ratelimit.enforce(request, "login", account=email)
    ratelimit.check_login_delay(email)

    user = User.objects.filter(email_key=email_key(email)).first()
    # check_password upgrades a hash made by an older hasher and saves it.
    valid = _verify_password(user, password)

    if not valid or not user.is_active:
        ratelimit.record_login_failure(email)
        target = user if user is not None else ("user", "", "")
        record(
            "login.failed",
            actor=target,
            target=target,
            request=request,
            outcome="failure",
            metadata={"reason": "invalid_credentials"},
        )
        raise ApiError(status.HTTP_401_UNAUTHORIZED, "invalid_credentials", INVALID_CREDENTIALS)

    ratelimit.clear_login_failures(email)
    if not user.email_verified:
        raise ApiError(
            status.HTTP_403_FORBIDDEN,
            "email_not_verified",
            "Verify your email address first; the link is in the email sent at registration.",
        )
    return user


def login_with_password(request, email, password, organization=None):
    """Authenticate with email and password, then finish the login through the pipeline.

    `organization` (an id or slug, as the client sent it) names the organization to act in. The
    checks registered with the pipeline decide whether the user may act there.
    """
    user = authenticate_password(request, email, password)
    try:
        with transaction.atomic():
            _, body = complete_login(request, user, amr=["pwd"], context={"organization": organization})
    except ApiError as exc:
        record_refused_login(request, user, exc)
        raise
    return body


def record_refused_login(request, user, error):
    """Record a login that a completion check rejected; the check's own writes were rolled back."""
    record(
        "login.refused",
        actor=user,
        target=user,
        request=request,
        outcome="failure",
        metadata={"reason": error.code},
    )
