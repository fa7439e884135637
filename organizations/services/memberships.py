"""Members and their roles; an organization always keeps at least one owner."""

from django.db import transaction
from django.utils import timezone
from rest_framework import status

from accounts.models import Session
from audit.services import record
from plinto.api_errors import ApiError

from ..models import Membership
from ..roles import Permission, Role


def _require_role_change_allowed(scope, *roles):
    scope.require(Permission.MEMBERS_MANAGE)
    if Role.OWNER in roles:
        scope.require(Permission.OWNERS_MANAGE)


def _ensure_another_owner(membership):
    """Raise 409 unless an owner other than `membership` remains.

    The owners' rows are locked first, so two admins demoting the last two owners at once
    cannot both pass the check.
    """
    owners = list(
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    if [pk for pk in owners if pk != membership.pk]:
        return
    raise ApiError(
        status.HTTP_409_CONFLICT,
        "last_owner",
        "An organization needs at least one owner; make another member owner first.",
        field="role",
    )


def end_sessions_in_organization(user_id, organization_id, reason):
    """Revoke the user's sessions that act in the organization; return how many ended."""
    return Session.objects.filter(user_id=user_id, organization_id=organization_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )


def add_member(organization, user, role, *, actor, request=None):
    """Add `user` with `role`, or return the existing membership unchanged."""
    membership, created = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    if created:
        record(
            "membership.created",
            actor=actor,
            target=membership,
            organization=organization,
            request=request,
            metadata={"user_id": str(user.pk), "role": role},
        )
    return membership


def change_role(request, scope, membership_id, role):
    """Give a member another role; the token's `roles` follow at its next refresh."""
    with transaction.atomic():
        membership = scope.get(Membership, membership_id)
        _require_role_change_allowed(scope, membership.role, role)
        if membership.role == role:
            return membership
        if membership.role == Role.OWNER:
            _ensure_another_owner(membership)

        previous = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        record(
            "membership.role_changed",
            actor=scope.actor,
            target=membership,
            organization=scope.organization,
            request=request,
            metadata={"user_id": str(membership.user_id), "from": previous, "to": role},
        )
    return membership


def remove_member(request, scope, membership_id):
    """Remove a member and end their sessions in this organization at once."""
    with transaction.atomic():
        membership = scope.get(Membership, membership_id)
        _require_role_change_allowed(scope, membership.role)
        if membership.role == Role.OWNER:
            _ensure_another_owner(membership)

        ended = end_sessions_in_organization(membership.user_id, scope.organization.pk, "membership_removed")
        record(
            "membership.removed",
            actor=scope.actor,
            target=membership,
            organization=scope.organization,
            request=request,
            metadata={"user_id": str(membership.user_id), "role": membership.role, "sessions_ended": ended},
        )
        membership.delete()
