"""Creating organizations and changing their settings and status."""

import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status

from accounts.models import Session
from audit.services import record
from plinto.api_errors import ApiError

from .. import rls
from ..models import Membership, Organization
from ..models.organization import LOGIN_METHODS
from ..roles import Permission, Role
from ..status import forget_status

# Bounds on an organization's own session lifetime, in seconds; the upper bound is the
# platform's refresh token lifetime.
MIN_SESSION_LIFETIME = 300
MAX_PASSWORD_MIN_LENGTH = 128
# Maximum AAGUIDs in an organization's passkey model list. NOTE: 50 is an estimate. A fleet
# policy usually names a few models, and every member's passkey registration reads the list.
MAX_ALLOWED_AAGUIDS = 50

SETTING_FIELDS = (
    "name",
    "require_mfa",
    "allowed_login_methods",
    "session_lifetime",
    "password_min_length",
    "auto_join_verified_domains",
    "audit_retention_days",
    "passkey_allowed_aaguids",
    "display_name",
    "logo_url",
    "primary_colour",
    "support_email",
)


def create_organization(request, user, *, name, slug):
    """Create an organization with `user` as its first owner."""
    try:
        with transaction.atomic():
            organization = Organization.objects.create(name=name, slug=slug)
            with rls.tenant(organization.pk):
                Membership.objects.create(organization=organization, user=user, role=Role.OWNER)
            record("organization.created", actor=user, target=organization, organization=organization, request=request)
    except IntegrityError as exc:
        raise ApiError(
            status.HTTP_409_CONFLICT, "slug_taken", f"The slug {slug!r} is taken; choose another.", field="slug"
        ) from exc
    return organization


def validate_settings(changes):
    """Raise a 400 naming the first setting outside the platform's bounds."""
    methods = changes.get("allowed_login_methods")
    if methods is not None:
        unknown = sorted(set(methods) - set(LOGIN_METHODS))
        if unknown or not methods:
            raise ApiError(
                status.HTTP_400_BAD_REQUEST,
                "invalid_login_methods",
                f"Allowed login methods must be a non-empty subset of {sorted(LOGIN_METHODS)}; got {methods}.",
                field="allowed_login_methods",
            )
    lifetime = changes.get("session_lifetime")
    if lifetime is not None and not MIN_SESSION_LIFETIME <= lifetime <= settings.REFRESH_TOKEN_LIFETIME:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "out_of_bounds",
            f"session_lifetime must be between {MIN_SESSION_LIFETIME} and "
            f"{settings.REFRESH_TOKEN_LIFETIME} seconds (the platform maximum); got {lifetime}.",
            field="session_lifetime",
        )
    length = changes.get("password_min_length")
    if length is not None and not settings.PASSWORD_MIN_LENGTH <= length <= MAX_PASSWORD_MIN_LENGTH:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "out_of_bounds",
            f"password_min_length must be between {settings.PASSWORD_MIN_LENGTH} (the platform minimum) "
            f"and {MAX_PASSWORD_MIN_LENGTH}; got {length}.",
            field="password_min_length",
        )


def normalize_aaguids(values):
    """Return `values` as canonical lower-case AAGUID strings without duplicates, in input order.

    Raises a 400 naming the first value that is not a UUID, or a list longer than the maximum.
    """
    field = "passkey_allowed_aaguids"
    if not isinstance(values, list | tuple):
        raise ApiError(
            status.HTTP_400_BAD_REQUEST, "invalid", f"{field} must be a list of AAGUID strings.", field=field
        )
    normalized = []
    for value in values:
        try:
            aaguid = str(uuid.UUID(str(value).strip()))
        except ValueError:
            raise ApiError(
                status.HTTP_400_BAD_REQUEST,
                "invalid_aaguid",
                f"{value!r} is not an AAGUID; use the UUID form, such as 6028b017-b1d4-4c02-b4b3-afcdafc96bb2.",
                field=field,
            ) from None
        if aaguid not in normalized:
            normalized.append(aaguid)
    if len(normalized) > MAX_ALLOWED_AAGUIDS:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "out_of_bounds",
            f"{field} may list at most {MAX_ALLOWED_AAGUIDS} authenticator models; got {len(normalized)}.",
            field=field,
        )
    return normalized


def update_organization(request, scope, changes):
    """Apply setting and branding `changes` (a dict of SETTING_FIELDS) to the scope's organization."""
    scope.require(Permission.ORGANIZATION_MANAGE)
    validate_settings(changes)
    if "passkey_allowed_aaguids" in changes:
        changes = {**changes, "passkey_allowed_aaguids": normalize_aaguids(changes["passkey_allowed_aaguids"])}
    organization = scope.organization
    changed = [field for field, value in changes.items() if getattr(organization, field) != value]
    if not changed:
        return organization

    with transaction.atomic():
        for field in changed:
            setattr(organization, field, changes[field])
        organization.save(update_fields=changed)
        record(
            "organization.updated",
            actor=scope.actor,
            target=organization,
            organization=organization,
            request=request,
            metadata={"fields": changed},
        )
    return organization


def deactivate_organization(request, scope):
    """Stop all use of the organization: logins into it, its tokens and its API keys.

    Sessions acting in it are revoked, so reactivation does not bring old tokens back.
    """
    scope.require(Permission.ORGANIZATION_DEACTIVATE)
    return set_status(scope.organization, Organization.Status.DEACTIVATED, actor=scope.actor, request=request)


def set_status(organization, new_status, *, actor, request=None):
    """Set the status; also the door for the platform admin, who acts outside any scope."""
    if organization.status == new_status:
        return organization
    with transaction.atomic():
        organization.status = new_status
        organization.save(update_fields=["status"])
        if new_status == Organization.Status.DEACTIVATED:
            Session.objects.filter(organization_id=organization.pk, revoked_at__isnull=True).update(
                revoked_at=timezone.now(), revoked_reason="organization_deactivated"
            )
        forget_status(organization.pk)
        action = (
            "organization.deactivated" if new_status == Organization.Status.DEACTIVATED else "organization.reactivated"
        )
        record(action, actor=actor, target=organization, organization=organization, request=request)
    return organization


def organizations_of(user):
    """Return the user's memberships with their organizations, across every tenant."""
    # Listing one's own memberships crosses tenants by nature; the filter on `user` is the scope.
    with rls.bypass():
        return list(Membership.objects.filter(user=user).select_related("organization"))
