"""The organization admins' console, mounted at /console/."""

from django.urls import path

from .views import api_keys, audit, domains, home, invitations, members, settings

ORG = "<uuid:organization_id>"

urlpatterns = [
    path("", home.console_home, name="console"),
    path(f"{ORG}/", members.member_list, name="console-members"),
    path(f"{ORG}/members/<uuid:membership_id>/role", members.member_role, name="console-member-role"),
    path(f"{ORG}/members/<uuid:membership_id>/remove", members.member_remove, name="console-member-remove"),
    path(
        f"{ORG}/members/<uuid:membership_id>/reset-mfa",
        members.member_reset_mfa,
        name="console-member-reset-mfa",
    ),
    path(f"{ORG}/invitations", invitations.invitation_list, name="console-invitations"),
    path(f"{ORG}/invitations/new", invitations.invitation_create, name="console-invitation-create"),
    path(
        f"{ORG}/invitations/<uuid:invitation_id>/revoke",
        invitations.invitation_revoke,
        name="console-invitation-revoke",
    ),
    path(f"{ORG}/domains", domains.domain_list, name="console-domains"),
    path(f"{ORG}/domains/new", domains.domain_add, name="console-domain-add"),
    path(f"{ORG}/domains/<uuid:domain_id>/verify", domains.domain_verify, name="console-domain-verify"),
    path(f"{ORG}/api-keys", api_keys.api_key_list, name="console-api-keys"),
    path(f"{ORG}/api-keys/new", api_keys.api_key_create, name="console-api-key-create"),
    path(f"{ORG}/api-keys/<uuid:key_id>/revoke", api_keys.api_key_revoke, name="console-api-key-revoke"),
    path(f"{ORG}/settings", settings.organization_settings, name="console-settings"),
    path(f"{ORG}/audit", audit.audit_events, name="console-audit"),
    path(f"{ORG}/exports", audit.export_list, name="console-exports"),
    path(f"{ORG}/exports/new", audit.export_create, name="console-export-create"),
]
