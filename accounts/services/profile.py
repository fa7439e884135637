"""Changes a user makes to their own account, and deactivation."""

from django.db import transaction
from rest_framework import status

from audit.services import record
from plinto.api_errors import ApiError

from .. import ratelimit
from ..emails import queue_account_email
from ..models import User
from ..normalization import email_key, normalize_email
from .sessions import RevokeReason, revoke_user_sessions
from .stepup import require_recent_authentication


def update_profile(request, user, *, display_name=None):
    if display_name is not None and display_name != user.display_name:
        user.display_name = display_name
        user.save(update_fields=["display_name"])
        record("user.updated", actor=user, target=user, request=request, metadata={"fields": ["display_name"]})
    return user


def request_email_change(request, user, *, new_email, current_password):
    """Start an email change: needs the current password, verifies the new address, warns the old.

    The account keeps its current address until the link sent to the new one is followed.
    """
    require_recent_authentication(request)
    ratelimit.enforce(request, "email-change", account=str(user.pk))
    new_email = normalize_email(new_email)
    if not user.check_password(current_password or ""):
        record("user.email_change_failed", actor=user, target=user, request=request, outcome="failure")
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "invalid_password",
            "The current password is incorrect.",
            field="current_password",
        )
    if email_key(new_email) == user.email_key:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST, "email_unchanged", "This is already your email address.", field="email"
        )
    if User.objects.filter(email_key=email_key(new_email)).exists():
        # The same answer as for a free address would let the change silently fail; a clear error
        # is kept here because only a logged-in user who knows their password reaches it.
        raise ApiError(status.HTTP_409_CONFLICT, "email_taken", "Another account uses this address.", field="email")

    with transaction.atomic():
        user.pending_email = new_email
        user.save(update_fields=["pending_email"])
        record("user.email_change_requested", actor=user, target=user, request=request)
        queue_account_email(user, "verify_new_email")
        queue_account_email(user, "email_change_notice")
    return user


def deactivate_user(user, *, actor=None, request=None):
    """Deactivate the account and end all its sessions at once."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        revoke_user_sessions(user, reason=RevokeReason.DEACTIVATED, actor=actor, request=request)
        record("user.deactivated", actor=actor or user, target=user, request=request)


def reactivate_user(user, *, actor=None, request=None):
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    record("user.reactivated", actor=actor or user, target=user, request=request)
