"""Account recovery by an organization's admins: removing a member's second factors."""

from django.db import transaction
from rest_framework import status

from accounts.mfa.services import reset_factors
from plinto.api_errors import ApiError

from ..models import Membership
from ..roles import Permission, Role
from ..scoping import not_found


def find_resettable_member(scope, membership_id, *, lock=False):
    """Return the scope's membership whose factors the actor may remove, or raise 404 or 403.

    The member is looked up only among the scope's organization, so another organization's
    membership id raises the same 404 as a missing one. An admin cannot reset an owner, and
    no one can reset their own factors here, because account settings do that with step-up
    re-authentication. With `lock`, the row stays locked until the transaction ends, so a
    concurrent role change cannot make the member an owner after the check.
    """
    scope.require(Permission.MEMBERS_RESET_MFA)
    rows = scope.queryset(Membership).select_related("user")
    if lock:
        rows = rows.select_for_update(of=("self",))
    membership = rows.filter(pk=membership_id).first()
    if membership is None:
        raise not_found(Membership._meta.verbose_name, membership_id)
    if scope.membership is not None and membership.user_id == scope.membership.user_id:
        raise ApiError(
            status.HTTP_403_FORBIDDEN,
            "own_factors",
            "You cannot remove your own two-factor methods here; manage them in your account settings.",
        )
    if membership.role == Role.OWNER and Permission.OWNERS_MANAGE not in scope.permissions:
        raise ApiError(
            status.HTTP_403_FORBIDDEN,
            "owner_protected",
            "Only an owner can remove an owner's two-factor methods.",
        )
    return membership


def reset_member_factors(request, scope, membership_id):
    """Remove every second factor of the member, end all of their sessions and notify them.

    Returns the names of the methods that were removed.
    """
    with transaction.atomic():
        membership = find_resettable_member(scope, membership_id, lock=True)

        # NOTE: factors belong to the account, not the membership, so this also removes the
        # factors the user signs in with for every other organization they belong to.
        # reset_factors writes the `mfa.reset` event to this organization's log and queues the
        # one notice email, so nothing more is sent here.
        return reset_factors(membership.user, actor=scope.actor, request=request, organization=scope.organization)
