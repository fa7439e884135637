"""Roles as named sets of permissions; the API and services check permissions, never role names."""

from enum import StrEnum


class Permission(StrEnum):
    ORGANIZATION_READ = "organization:read"
    ORGANIZATION_MANAGE = "organization:manage"
    ORGANIZATION_DEACTIVATE = "organization:deactivate"
    MEMBERS_READ = "members:read"
    MEMBERS_MANAGE = "members:manage"
    # Removing a member's second factors (account recovery), which ends all of their sessions.
    MEMBERS_RESET_MFA = "members:reset_mfa"
    # Granting, changing or removing the owner role.
    OWNERS_MANAGE = "owners:manage"
    INVITATIONS_MANAGE = "invitations:manage"
    DOMAINS_MANAGE = "domains:manage"
    API_KEYS_MANAGE = "api_keys:manage"
    AUDIT_READ = "audit:read"
    AUDIT_EXPORT = "audit:export"


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


ROLE_PERMISSIONS = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: frozenset(Permission) - {Permission.OWNERS_MANAGE, Permission.ORGANIZATION_DEACTIVATE},
    Role.MEMBER: frozenset({Permission.ORGANIZATION_READ, Permission.MEMBERS_READ}),
}

# Scopes an API key may carry. Keys act for services, not people, so they can neither hand out
# the owner role, nor mint further keys, nor deactivate the organization, nor strip a person's
# second factors.
API_KEY_SCOPES = frozenset(Permission) - {
    Permission.OWNERS_MANAGE,
    Permission.MEMBERS_RESET_MFA,
    Permission.API_KEYS_MANAGE,
    Permission.ORGANIZATION_DEACTIVATE,
}


def permissions_of(role):
    return ROLE_PERMISSIONS.get(role, frozenset())


ROLE_CHOICES = [(role.value, role.value.capitalize()) for role in Role]
