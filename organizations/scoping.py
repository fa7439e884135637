"""The one way to reach org-scoped rows: through the organization resolved for the request.

The organization comes from the credential, never from the URL: the session behind the access
token (its `org`) or the API key. A URL that names any other organization, and any object of
another organization, returns 404 exactly like a missing one, so ids of other tenants reveal
nothing. Resolving also binds the database connection to the organization for row-level
security (organizations.rls).
"""

import functools
from dataclasses import dataclass

from rest_framework import status

from plinto import raw_rows
from plinto.api_errors import ApiError

from . import rls
from .models import ApiKey, Membership, Organization
from .roles import permissions_of


@dataclass(frozen=True)
class Scope:
    organization: Organization
    # The user or the API key acting; audit events name it as the actor.
    actor: object
    permissions: frozenset
    membership: Membership | None = None
    api_key: ApiKey | None = None

    def require(self, permission):
        if permission not in self.permissions:
            raise ApiError(
                status.HTTP_403_FORBIDDEN,
                "permission_denied",
                f"Your role in this organization does not grant `{permission}`.",
            )

    def queryset(self, model):
        """Return `model`'s rows of this organization only."""
        return model.objects.filter(organization=self.organization)

    def get(self, model, pk, **filters):
        """Return this organization's `model` row with `pk`, or raise 404."""
        row = self.queryset(model).filter(pk=pk, **filters).first()
        if row is None:
            raise not_found(model._meta.verbose_name, pk)
        return row


def not_found(kind, ident):
    return ApiError(status.HTTP_404_NOT_FOUND, "not_found", f"No {kind} with id {ident}.")


def credential_organization_id(request):
    """Return the id of the organization the request's credential acts in, or None."""
    api_key = getattr(request, "api_key", None)
    if api_key is not None:
        return api_key.organization_id
    session = getattr(request, "auth_session", None)
    if session is not None:
        return session.organization_id
    return None


def resolve_scope(request, organization_id):
    """Return the Scope for `organization_id` if the credential acts in it, else raise 404."""
    active_id = credential_organization_id(request)
    if active_id is None or str(active_id) != str(organization_id):
        raise not_found("organization", organization_id)

    rls.activate(active_id)
    api_key = getattr(request, "api_key", None)
    if api_key is not None:
        organization = _active_organization(active_id)
        if organization is None:
            raise not_found("organization", organization_id)
        return Scope(organization, actor=api_key, permissions=frozenset(api_key.scopes), api_key=api_key)

    membership = _active_membership(active_id, request.user.pk)
    if membership is None:
        raise not_found("organization", organization_id)
    return Scope(
        membership.organization,
        actor=request.user,
        permissions=permissions_of(membership.role),
        membership=membership,
    )


@functools.cache
def _organization_query():
    """Build the query once: only model metadata goes into it, the id is a parameter."""
    fields, columns = raw_rows.select_list(Organization, "o")
    return f"SELECT {columns} FROM {Organization._meta.db_table} o WHERE o.id = %s AND o.status = %s", fields  # noqa: S608


def _active_organization(organization_id):
    """Return the active organization with `organization_id`, or None, for an API key's request.

    Raw SQL for the same reason as _active_membership: every API-key request runs it.
    """
    sql, fields = _organization_query()
    params = [raw_rows.db_uuid(organization_id), Organization.Status.ACTIVE.value]
    return raw_rows.fetch_one(sql, params, Organization, fields)


@functools.cache
def _membership_query():
    """Build the query once: only model metadata goes into it, the ids are parameters."""
    where = "a.organization_id = %s AND a.user_id = %s AND b.status = %s"
    return raw_rows.joined_query(Membership, Organization, "organization", where)


def _active_membership(organization_id, user_id):
    """Return the user's membership in the active organization, with the organization, or None.

    One raw query for both, because every org-scoped request with an access token runs it and
    compiling the ORM join cost more than running it.
    """
    sql, membership, organization = _membership_query()
    params = [raw_rows.db_uuid(organization_id), raw_rows.db_uuid(user_id), Organization.Status.ACTIVE.value]
    pair = raw_rows.fetch_pair(sql, params, membership, organization)
    if pair is None:
        return None
    membership, membership.organization = pair
    return membership


def resolve_membership_scope(request, organization_id):
    """Return the Scope of the logged-in user's membership in `organization_id`, else raise 404.

    For the server-rendered console, whose browser session names no organization. The user's
    membership is the credential here, so an organization the user does not belong to returns
    404 exactly like a missing one.
    """
    user = request.user
    if not user.is_authenticated:
        raise not_found("organization", organization_id)

    rls.activate(organization_id)
    membership = (
        Membership.objects.select_related("organization")
        .filter(
            organization_id=organization_id,
            organization__status=Organization.Status.ACTIVE,
            user=user,
        )
        .first()
    )
    if membership is None:
        rls.reset()
        raise not_found("organization", organization_id)
    return Scope(
        membership.organization,
        actor=user,
        permissions=permissions_of(membership.role),
        membership=membership,
    )
