"""The second step of a login: the mfa_token, its challenge row, and the verification that ends it."""

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import status

from audit.services import record
from plinto.api_errors import ApiError

from .. import ratelimit
from ..login_pipeline import complete_login
from . import policy, registry
from .crypto import code_digest
from .models import MfaChallenge

MFA_AMR = "mfa"


def _json_safe(context):
    """Keep the context values a JSON column can store; UUIDs become strings."""
    safe = {}
    for key, value in context.items():
        if isinstance(value, uuid.UUID):
            safe[key] = str(value)
        elif value is None or isinstance(value, str | int | float | bool):
            safe[key] = value
    return safe


def _open_challenge(request, user, amr, context, *, enrollment_required):
    token = secrets.token_urlsafe(32)
    challenge = MfaChallenge.objects.create(
        token_digest=code_digest(token),
        user=user,
        first_amr=list(amr),
        context=_json_safe(context),
        enrollment_required=enrollment_required,
        expires_at=timezone.now() + timedelta(seconds=settings.MFA_CHALLENGE_LIFETIME),
    )
    record(
        "mfa.challenged",
        actor=user,
        target=challenge,
        request=request,
        metadata={"first_amr": list(amr), "enrollment_required": enrollment_required},
    )
    return token


def require_second_factor(request, user, amr, context):
    """Login completion check: ask for a second factor, or for enrollment when a policy needs one.

    A login whose amr already contains `mfa` passed this step (or a first factor that is
    multi-factor by itself) and completes.
    """
    if MFA_AMR in amr:
        return None
    if registry.has_factor(user):
        token = _open_challenge(request, user, amr, context, enrollment_required=False)
        return {"mfa_required": True, "mfa_token": token, "methods": registry.enrolled_methods(user)}
    if policy.is_required(user, context):
        token = _open_challenge(request, user, amr, context, enrollment_required=True)
        return {
            "mfa_required": True,
            "mfa_token": token,
            "methods": [],
            "enrollment_required": True,
            "enrollment_methods": registry.login_enrollment_methods(),
        }
    return None


def _invalid_token():
    return ApiError(
        status.HTTP_401_UNAUTHORIZED,
        "mfa_token_invalid",
        "The mfa_token is invalid, used or expired; log in again.",
        field="mfa_token",
    )


def find_open_challenge(mfa_token, *, lock=False):
    """Return the open challenge of `mfa_token` with its user, or raise 401 `mfa_token_invalid`."""
    rows = MfaChallenge.objects.select_related("user")
    if lock:
        rows = rows.select_for_update(of=("self",))
    challenge = rows.filter(token_digest=code_digest(mfa_token)).first()
    if challenge is None or not challenge.is_open or not challenge.user.is_active:
        raise _invalid_token()
    return challenge


def _method_for(challenge, method):
    """Return the authenticator this challenge may use for `method`, or raise 400."""
    authenticator = registry.get(method)
    user = challenge.user
    if challenge.enrollment_required:
        usable = authenticator is not None and authenticator.enrollable_at_login
        allowed = registry.login_enrollment_methods()
    else:
        usable = authenticator is not None and authenticator.is_enrolled(user)
        allowed = registry.enrolled_methods(user)
    if not usable:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "method_unavailable",
            f"The method {method!r} cannot be used for this login; use one of: {', '.join(allowed) or 'none'}.",
            field="method",
        )
    return authenticator


def rejected_code_error(outcome, *, invalid_status=status.HTTP_401_UNAUTHORIZED):
    """Build the API error for a rejected Outcome.

    A wrong code is 401 during login. Logged-in requests pass 400, because their token is valid.
    """
    if outcome.reason == "throttled":
        return ApiError(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "mfa_throttled",
            f"Too many wrong codes for this method; retry in {outcome.retry_after} seconds or use another method.",
            headers={"Retry-After": str(outcome.retry_after)},
        )
    if isinstance(outcome.error, ApiError):
        return outcome.error
    return ApiError(invalid_status, "invalid_code", "The code is incorrect, expired or already used.", field="code")


def verify_challenge(request, mfa_token, method, code):
    """Check the second factor for `mfa_token` and finish the login; return the response body."""
    _, body = finish_challenge(request, mfa_token, method, code)
    return body


def finish_challenge(request, mfa_token, method, code):
    """Check the second factor for `mfa_token` and finish the login; return (session, body).

    The API returns the body with its tokens, and the hosted pages log the browser into the
    session. The challenge row is locked, so two requests racing with one token cannot both
    finish. Every wrong code counts against the token, and the last allowed one consumes it.
    """
    ratelimit.enforce(request, "mfa-verify")
    with transaction.atomic():
        challenge = find_open_challenge(mfa_token, lock=True)
        user = challenge.user
        authenticator = _method_for(challenge, method)
        outcome = authenticator.verify(user, code, challenge=challenge, request=request)

        if outcome.accepted:
            challenge.consumed_at = timezone.now()
            challenge.save(update_fields=["consumed_at"])
            if challenge.enrollment_required:
                from .factors import factor_changed

                factor_changed(request, user, action="enrolled", method=authenticator.method)
            record("mfa.verified", actor=user, target=challenge, request=request, metadata={"method": method})
            amr = [*challenge.first_amr, authenticator.amr, MFA_AMR]
            session, body = complete_login(request, user, amr=list(dict.fromkeys(amr)), context=dict(challenge.context))
            return session, {**body, **(outcome.details or {})}

        # A throttled request tested no code, so it does not spend one of the token's attempts.
        if outcome.reason != "throttled":
            challenge.failed_attempts += 1
            if challenge.failed_attempts >= settings.MFA_CHALLENGE_MAX_ATTEMPTS:
                challenge.consumed_at = timezone.now()
            challenge.save(update_fields=["failed_attempts", "consumed_at"])
            record(
                "mfa.failed",
                actor=user,
                target=challenge,
                request=request,
                outcome="failure",
                metadata={"method": method, "reason": outcome.reason, "attempt": challenge.failed_attempts},
            )
    # Raised after the block commits, so throttle counts and the attempt count are kept.
    raise rejected_code_error(outcome)


def send_challenge(request, mfa_token, method):
    """Send a code for a method that needs one (email, SMS) for this login attempt.

    Returns what the authenticator returned: None for a code method, the WebAuthn request
    options for a passkey.
    """
    with transaction.atomic():
        challenge = find_open_challenge(mfa_token, lock=True)
        authenticator = _method_for(challenge, method)
        if not authenticator.needs_challenge:
            raise ApiError(
                status.HTTP_400_BAD_REQUEST,
                "challenge_not_needed",
                f"The method {method!r} needs no code to be sent; verify with its code directly.",
                field="method",
            )
        ratelimit.enforce(request, f"mfa-send-{method}", account=challenge.user.email)
        result = authenticator.send_challenge(challenge.user, challenge, request=request)
        record("mfa.code_sent", actor=challenge.user, target=challenge, request=request, metadata={"method": method})
    return result


def start_login_enrollment(request, mfa_token, method):
    """Begin enrolling `method` for a login that must enroll before tokens are issued."""
    challenge = find_open_challenge(mfa_token)
    if not challenge.enrollment_required:
        raise ApiError(
            status.HTTP_409_CONFLICT,
            "enrollment_not_required",
            "This login has a second factor already; verify it with POST /api/v1/auth/mfa/verify.",
        )
    authenticator = _method_for(challenge, method)
    return authenticator.begin_enrollment(challenge.user)


def purge_expired_challenges(now=None):
    """Delete the challenges that expired before `now`; return how many rows were deleted.

    An expired challenge can no longer finish a login, so its row only takes space. Audit events
    name a challenge by id and keep that id after the row is gone.
    NOTE: nothing calls this yet. There is no `cleanup_expired` command on this branch, so a
    scheduled job or that command should call it once it exists.
    """
    deleted, _ = MfaChallenge.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
