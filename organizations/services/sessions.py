"""The login check, token claim provider and token check that organizations register with accounts."""

import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions, status

from accounts.services.sessions import revoke_session, start_session
from audit.services import record
from plinto.api_errors import ApiError

from .. import rls
from ..models import Membership, Organization
from ..models.organization import LOGIN_METHODS
from ..status import is_active

_NOT_A_MEMBER = "You are not a member of this organization, or it does not exist."


def find_organization(reference):
    """Return the organization whose id or slug is `reference`, or None."""
    reference = str(reference).strip()
    try:
        return Organization.objects.filter(pk=uuid.UUID(reference)).first()
    except ValueError:
        return Organization.objects.filter(slug=reference.lower()).first()


def _membership(organization, user):
    with rls.tenant(organization.pk):
        return Membership.objects.filter(organization=organization, user=user).first()


def check_organization_policy(organization, user, amr):
    """Raise 403 unless `user` may act in `organization` after authenticating with `amr`."""
    membership = _membership(organization, user) if organization else None
    if membership is None:
        raise ApiError(status.HTTP_403_FORBIDDEN, "organization_access_denied", _NOT_A_MEMBER, field="organization")
    if not organization.is_active:
        raise ApiError(
            status.HTTP_403_FORBIDDEN,
            "organization_deactivated",
            "This organization is deactivated; its members cannot log in to it.",
            field="organization",
        )

    allowed_amr = {LOGIN_METHODS[name] for name in organization.allowed_login_methods if name in LOGIN_METHODS}
    if not allowed_amr.intersection(amr):
        raise ApiError(
            status.HTTP_403_FORBIDDEN,
            "login_method_not_allowed",
            f"This organization allows only these login methods: {', '.join(organization.allowed_login_methods)}.",
        )
    # The MFA step normally runs first (organization_requires_mfa requires it) and adds `mfa` to
    # `amr`; this refusal is the second wall for a door that skipped it. A passkey with user
    # verification names two methods by itself.
    if organization.require_mfa and len(set(amr)) < 2 and "mfa" not in amr:
        raise ApiError(
            status.HTTP_403_FORBIDDEN,
            "mfa_required",
            "This organization requires a second factor; set one up and log in with it.",
        )
    return membership


def organization_requires_mfa(user, context):
    """MFA policy hook: a login into an organization that requires MFA needs a second factor."""
    reference = context.get("organization")
    if not reference:
        return False
    organization = find_organization(reference)
    return bool(organization and organization.require_mfa)


def _session_expiry(organization, start):
    if organization.session_lifetime:
        return start + timedelta(seconds=organization.session_lifetime)
    return None


def organization_login_check(request, user, amr, context):
    """Login completion check: validate the organization the client named and act in it."""
    reference = context.get("organization")
    if not reference:
        return None
    organization = find_organization(reference)
    check_organization_policy(organization, user, amr)
    context["organization_id"] = organization.pk
    context["session_expires_at"] = _session_expiry(organization, timezone.now())
    return None


def organization_claims(session):
    """Claim provider: `org` and `roles`, read from the membership when each token is issued.

    A role change therefore reaches the token at its next refresh at the latest.
    """
    if not session.organization_id:
        return {"org": None, "roles": []}
    if not is_active(session.organization_id):
        raise ApiError(
            status.HTTP_401_UNAUTHORIZED,
            "organization_deactivated",
            "The organization of this session is deactivated; log in to another one.",
        )
    with rls.tenant(session.organization_id):
        role = (
            Membership.objects.filter(organization_id=session.organization_id, user_id=session.user_id)
            .values_list("role", flat=True)
            .first()
        )
    if role is None:
        raise ApiError(
            status.HTTP_401_UNAUTHORIZED,
            "membership_ended",
            "You are no longer a member of this session's organization; log in again.",
        )
    return {"org": str(session.organization_id), "roles": [role]}


def organization_access_check(session, claims):
    """Access check: tokens of a deactivated organization stop at once (a cached status read)."""
    if session.organization_id and not is_active(session.organization_id):
        raise exceptions.AuthenticationFailed("The organization is deactivated.", code="organization_deactivated")


def switch_organization(request, user, current_session, reference):
    """Start a session in another organization of the user and revoke the current one.

    The new session keeps the login's `amr` and `auth_time` (no new authentication happened) and
    ends no later than the current one, so switching never extends a login. The current session
    is revoked so that one login has one live session at a time.
    """
    organization = find_organization(reference)
    check_organization_policy(organization, user, current_session.amr)

    expires_at = current_session.expires_at
    own_expiry = _session_expiry(organization, current_session.auth_time)
    if own_expiry is not None:
        expires_at = min(expires_at, own_expiry)
    if expires_at <= timezone.now():
        raise ApiError(
            status.HTTP_401_UNAUTHORIZED,
            "session_expired",
            "This organization's session lifetime has passed since you logged in; log in again.",
        )

    with transaction.atomic():
        session, tokens = start_session(
            request,
            user,
            amr=current_session.amr,
            organization_id=organization.pk,
            auth_time=current_session.auth_time,
            expires_at=expires_at,
        )
        revoke_session(current_session, reason="organization_switch", request=request)
        record(
            "session.organization_switched",
            actor=user,
            target=session,
            organization=organization,
            request=request,
            metadata={"from_organization_id": str(current_session.organization_id or "")},
        )
    return tokens
