"""Factor management by a logged-in user, step-up re-authentication and admin recovery."""

from django.db import transaction
from django.utils import timezone
from rest_framework import status

from audit.services import record
from plinto.api_errors import ApiError

from .. import ratelimit
from ..models import Session
from ..services.stepup import require_recent_authentication
from ..tokens.access import issue_access_token
from . import registry
from .authenticators import backup_codes, sms, totp
from .challenges import rejected_code_error
from .factors import factor_changed


def factor_status(user):
    """Return each registered method with whether the user has it, and the backup-code count."""
    return {
        "methods": [
            {"method": authenticator.method, "enrolled": authenticator.is_enrolled(user)}
            for authenticator in registry.all_authenticators()
        ],
        "backup_codes": backup_codes.backup_code_status(user),
    }


def start_totp_setup(request, user):
    ratelimit.enforce(request, "mfa-setup", account=user.email)
    return totp.start_setup(user)


def confirm_totp(request, user, code):
    """Confirm the authenticator app being set up; return new backup codes when the user had none."""
    require_recent_authentication(request)
    ratelimit.enforce(request, "mfa-setup", account=user.email)
    with transaction.atomic():
        outcome = totp.confirm_pending_device(user, code, request=request)
        if outcome.accepted:
            codes = None
            if not backup_codes.backup_code_status(user)["enrolled"]:
                codes = backup_codes.generate_codes(user)
            factor_changed(request, user, action="enrolled", method="totp")
            return {"confirmed": True, "backup_codes": codes}
    raise rejected_code_error(outcome, invalid_status=status.HTTP_400_BAD_REQUEST)


def start_sms_setup(request, user, phone_number):
    """Send a confirmation code to `phone_number` (already in E.164 form) for the user to enroll."""
    ratelimit.enforce(request, "mfa-setup", account=user.email)
    return sms.start_setup(request, user, phone_number)


def confirm_sms(request, user, code):
    """Verify the number being enrolled; return new backup codes when the user had none."""
    require_recent_authentication(request)
    ratelimit.enforce(request, "mfa-setup", account=user.email)
    with transaction.atomic():
        outcome = sms.confirm_pending_device(user, code)
        if outcome.accepted:
            codes = None
            if not backup_codes.backup_code_status(user)["enrolled"]:
                codes = backup_codes.generate_codes(user)
            factor_changed(request, user, action="enrolled", method="sms")
            return {"confirmed": True, "phone_number": sms.sms_status(user)["phone_number"], "backup_codes": codes}
    # Raised after the block commits, so the device's throttle count is kept.
    raise rejected_code_error(outcome, invalid_status=status.HTTP_400_BAD_REQUEST)


def sms_status(user):
    status_body = sms.sms_status(user)
    if status_body is None:
        raise _not_enrolled("sms")
    return status_body


def _not_enrolled(method):
    return ApiError(status.HTTP_404_NOT_FOUND, "not_enrolled", f"The method {method!r} is not set up for this account.")


def remove_method(request, user, method):
    """Remove one of the user's methods; backup codes go too when no factor remains."""
    require_recent_authentication(request)
    authenticator = registry.get(method)
    if authenticator is None:
        raise _not_enrolled(method)
    with transaction.atomic():
        if not authenticator.remove(user):
            raise _not_enrolled(method)
        if authenticator.counts_as_factor and not registry.has_factor(user):
            # Backup codes only stand in for a factor, so they would be a weak factor of their own.
            registry.get("backup_code").remove(user)
        factor_changed(request, user, action="removed", method=method)


def regenerate_backup_codes(request, user):
    """Replace the backup codes with a new set, shown once; the user needs a factor first."""
    require_recent_authentication(request)
    if not registry.has_factor(user):
        raise ApiError(
            status.HTTP_409_CONFLICT,
            "no_factor",
            "Backup codes back up another factor; set up an authenticator app, email codes or SMS codes first.",
        )
    with transaction.atomic():
        codes = backup_codes.generate_codes(user)
        factor_changed(request, user, action="regenerated", method="backup_code")
    return {"codes": codes}


def enable_email_codes(request, user):
    require_recent_authentication(request)
    if not user.email_verified:
        raise ApiError(
            status.HTTP_409_CONFLICT, "email_not_verified", "Verify your email address before using it for codes."
        )
    with transaction.atomic():
        created = registry.get("email").enable(user)
        if created:
            factor_changed(request, user, action="enrolled", method="email")
    return created


def reauthenticate(request, user, *, password=None, method=None, code=None):
    """Prove presence again with the password or a factor; refresh the API session's auth_time.

    Returns a new access token, whose `auth_time` claim shows the re-authentication.
    """
    session = request.auth_session
    refresh_authentication(request, user, session, password=password, method=method, code=code)
    access_token, expires_in = issue_access_token(session)
    return {"access_token": access_token, "token_type": "Bearer", "expires_in": expires_in}


def refresh_authentication(request, user, session, *, password=None, method=None, code=None):
    """Check the password, or the code of `method`, and set the session's auth_time to now.

    The API passes the token's session and the hosted pages the browser's page session. A wrong
    password raises 400 `invalid_password` and a wrong code 400 `invalid_code`.
    """
    ratelimit.enforce(request, "reauthenticate", account=user.email)
    with transaction.atomic():
        if method is None:
            accepted = user.check_password(password or "")
            outcome = None
            used_amr = "pwd"
        else:
            authenticator = reauthentication_method(user, method)
            outcome = authenticator.verify(user, code)
            accepted = outcome.accepted
            used_amr = authenticator.amr

        if accepted:
            now = timezone.now()
            amr = list(dict.fromkeys([*session.amr, used_amr]))
            Session.objects.filter(pk=session.pk).update(auth_time=now, amr=amr)
            session.auth_time, session.amr = now, amr
            record("session.reauthenticated", actor=user, target=session, request=request, metadata={"amr": used_amr})
            return

        record(
            "session.reauthentication_failed",
            actor=user,
            target=session,
            request=request,
            outcome="failure",
            metadata={"method": method or "password"},
        )
    if outcome is None:
        raise ApiError(status.HTTP_400_BAD_REQUEST, "invalid_password", "The password is incorrect.", field="password")
    raise rejected_code_error(outcome, invalid_status=status.HTTP_400_BAD_REQUEST)


def reauthentication_methods(user):
    """Return the names of the user's methods that can re-authenticate: those that need no sent code."""
    return [
        authenticator.method
        for authenticator in registry.all_authenticators()
        if not authenticator.needs_challenge and authenticator.is_enrolled(user)
    ]


def reauthentication_method(user, method):
    """Return the authenticator for `method` if it can re-authenticate this user, or raise 400."""
    authenticator = registry.get(method)
    if authenticator is None or authenticator.needs_challenge or not authenticator.is_enrolled(user):
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "method_unavailable",
            f"The method {method!r} cannot re-authenticate this account; use the password, "
            "an authenticator app or a backup code.",
            field="method",
        )
    return authenticator


def reset_factors(user, *, actor=None, request=None, organization=None):
    """Remove every factor of the user (admin recovery), end all sessions, audit and notify.

    `organization` puts the audit event in that organization's log, when its admin asked for
    the reset. Returns the names of the methods that were removed.
    """
    from ..services.sessions import revoke_user_sessions
    from .emails import queue_mfa_email

    with transaction.atomic():
        removed = [a.method for a in registry.all_authenticators() if a.remove(user)]
        revoke_user_sessions(user, reason="mfa_reset", actor=actor, request=request)
        record(
            "mfa.reset",
            actor=actor or ("system", "", "system"),
            target=user,
            organization=organization,
            request=request,
            metadata={"methods": removed},
        )
        queue_mfa_email(user, "factors_reset")
    return removed
