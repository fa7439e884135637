"""Password reset and change."""

from django.db import transaction
from rest_framework import status

from audit.services import record
from plinto.api_errors import ApiError

from .. import ratelimit
from ..emails import queue_account_email
from ..models import User
from ..normalization import email_key
from ..tokens.email import read_reset_token, reset_token_user_id
from .registration import validate_new_password
from .sessions import RevokeReason, revoke_user_sessions
from .stepup import require_recent_authentication


def request_password_reset(request, email):
    """Mail a reset link to the stored address of the matching active account.

    The caller's answer is the same whether or not an account matched, and the mail is sent in
    the background, so neither the response nor its timing shows who has an account.
    """
    ratelimit.enforce(request, "password-forgot", account=email)
    # Only the stored primary address is matched, never a pending one that is not yet verified.
    user = User.objects.filter(email_key=email_key(email), is_active=True).first()
    if user is None:
        return
    # NOTE: the per-account budget (RATE_LIMIT_PER_HOUR) is the only bound on how many reset
    # emails one address receives; there is no separate per-recipient email limit.
    record("password.reset_requested", actor=user, target=user, request=request)
    queue_account_email(user, "password_reset")


def _invalid_reset_token():
    return ApiError(
        status.HTTP_400_BAD_REQUEST,
        "token_invalid",
        "The reset link is invalid, used or expired; ask for a new one.",
        field="token",
    )


def reset_password(request, token, new_password):
    """Set a new password from a reset token, consume the token and end every session."""
    user_id = reset_token_user_id(token)
    ratelimit.enforce(request, "password-reset", account=str(user_id) if user_id else None)
    user = read_reset_token(token)
    if user is None:
        raise _invalid_reset_token()
    validate_new_password(new_password, user, field="new_password")

    with transaction.atomic():
        # The token is checked again under the row lock. Of two requests racing with one token,
        # the second reads the new password hash, which invalidates the token.
        user = read_reset_token(token, for_update=True)
        if user is None:
            raise _invalid_reset_token()
        user.set_password(new_password)
        # Receiving the link proves control of the address.
        user.email_verified = True
        user.save(update_fields=["password", "email_verified"])
        revoke_user_sessions(user, reason=RevokeReason.PASSWORD_RESET, request=request)
        record("password.reset", actor=user, target=user, request=request)
        queue_account_email(user, "password_changed")
    # The owner proved control of the address, so earlier failed logins no longer delay them.
    ratelimit.clear_login_failures(user.email)
    return user


def change_password(request, user, *, current_password, new_password, session_id):
    """Change the password after checking the current one; end every other session."""
    require_recent_authentication(request)
    ratelimit.enforce(request, "password-change", account=str(user.pk))
    if not user.check_password(current_password or ""):
        record("password.change_failed", actor=user, target=user, request=request, outcome="failure")
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "invalid_password",
            "The current password is incorrect.",
            field="current_password",
        )
    validate_new_password(new_password, user, field="new_password")

    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        revoke_user_sessions(user, reason=RevokeReason.PASSWORD_CHANGE, except_session_id=session_id, request=request)
        record("password.changed", actor=user, target=user, request=request)
        queue_account_email(user, "password_changed")
