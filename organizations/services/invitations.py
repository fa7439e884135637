"""Invitations: one address, one role, one use, seven days.

The token is an HMAC of the invitation's id, organization and invited address under SECRET_KEY,
so it is bound to all three and the mail task can rebuild it from the id alone (no token in the
Celery broker). Only its SHA-256 digest is stored; acceptance looks it up by that digest.
"""

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status

from accounts import ratelimit
from accounts.normalization import email_key
from accounts.services.registration import validate_new_password
from audit.services import record
from plinto.api_errors import ApiError

from .. import rls
from ..models import Invitation, Membership
from ..roles import Permission, Role
from .memberships import add_member

TOKEN_PREFIX = "pli_"
INVITATION_LIFETIME = timedelta(days=7)


def invitation_token(invitation):
    message = f"invitation:{invitation.pk}:{invitation.organization_id}:{invitation.email_key}".encode()
    return TOKEN_PREFIX + hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(request, scope, *, email, role):
    """Invite `email` with `role` and mail the link once the transaction commits."""
    scope.require(Permission.INVITATIONS_MANAGE)
    if role == Role.OWNER:
        scope.require(Permission.OWNERS_MANAGE)

    key = email_key(email)
    if scope.queryset(Membership).filter(user__email_key=key).exists():
        raise ApiError(
            status.HTTP_409_CONFLICT, "already_member", "This address already belongs to a member.", field="email"
        )

    invitation = Invitation(
        organization=scope.organization,
        email=email.strip(),
        email_key=key,
        role=role,
        inviter=request.user if scope.membership else None,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    invitation.token_hash = _digest(invitation_token(invitation))
    try:
        with transaction.atomic():
            invitation.save()
            record(
                "invitation.created",
                actor=scope.actor,
                target=invitation,
                organization=scope.organization,
                request=request,
                metadata={"role": role},
            )
            _queue_invitation_email(invitation)
    except IntegrityError as exc:
        raise ApiError(
            status.HTTP_409_CONFLICT,
            "invitation_pending",
            "This address already has a pending invitation; revoke it before inviting again.",
            field="email",
        ) from exc
    return invitation


def _queue_invitation_email(invitation):
    from ..tasks import send_invitation_email_task

    transaction.on_commit(lambda: send_invitation_email_task.delay(str(invitation.pk)))


def revoke_invitation(request, scope, invitation_id):
    scope.require(Permission.INVITATIONS_MANAGE)
    with transaction.atomic():
        invitation = scope.get(Invitation, invitation_id, accepted_at__isnull=True, revoked_at__isnull=True)
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record(
            "invitation.revoked", actor=scope.actor, target=invitation, organization=scope.organization, request=request
        )


def _invalid_invitation():
    return ApiError(
        status.HTTP_400_BAD_REQUEST,
        "invitation_invalid",
        "The invitation is invalid, used, revoked or expired; ask the organization for a new one.",
        field="token",
    )


def _lock_pending(token):
    """Return the pending invitation for `token`, locked, or raise 400.

    The digest lookup has to cross tenants because the organization is not known until the
    invitation is found; the caller continues inside that invitation's tenant.
    """
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
        raise _invalid_invitation()
    with rls.bypass():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("organization")
            .filter(token_hash=_digest(token), accepted_at__isnull=True, revoked_at__isnull=True)
            .first()
        )
    if invitation is None or invitation.expires_at <= timezone.now() or not invitation.organization.is_active:
        raise _invalid_invitation()
    return invitation


def _accept(request, invitation, user):
    with rls.tenant(invitation.organization_id):
        membership = add_member(invitation.organization, user, invitation.role, actor=user, request=request)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        record(
            "invitation.accepted",
            actor=user,
            target=invitation,
            organization=invitation.organization,
            request=request,
            metadata={"role": invitation.role},
        )
    return membership


def accept_as_existing_user(request, user, token):
    """Accept for the logged-in `user`, who must own the invited address."""
    ratelimit.enforce(request, "invitation-accept", account=user.email)
    with transaction.atomic():
        invitation = _lock_pending(token)
        if user.email_key != invitation.email_key:
            raise ApiError(
                status.HTTP_403_FORBIDDEN,
                "invitation_other_address",
                "This invitation was sent to another address; log in as that address to accept it.",
            )
        return _accept(request, invitation, user)


def accept_as_new_user(request, token, *, password, display_name=""):
    """Create an account for the invited address and accept in one step.

    The emailed token proves control of the address, so the account starts verified.
    """
    from accounts.models import User

    ratelimit.enforce(request, "invitation-register")
    with transaction.atomic():
        invitation = _lock_pending(token)
        if User.objects.filter(email_key=invitation.email_key).exists():
            raise ApiError(
                status.HTTP_409_CONFLICT,
                "account_exists",
                "An account already uses this address; log in and accept the invitation from there.",
            )
        candidate = User(email=invitation.email, display_name=display_name)
        validate_new_password(password, candidate)
        _validate_organization_password_length(password, invitation.organization)
        user = User.objects.create_user(
            email=invitation.email, password=password, display_name=display_name, email_verified=True
        )
        record("user.registered", actor=user, target=user, request=request, metadata={"via": "invitation"})
        return user, _accept(request, invitation, user)


def _validate_organization_password_length(password, organization):
    minimum = organization.password_min_length
    if minimum and len(password) < minimum:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "password_too_short",
            f"This organization requires passwords of at least {minimum} characters.",
            field="password",
        )
