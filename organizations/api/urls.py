from django.urls import path

from .views import api_keys, audit, auth, domains, invitations, members, organizations

ORG = "organizations/<uuid:organization_id>"

urlpatterns = [
    path("auth/switch-organization", auth.SwitchOrganizationView.as_view(), name="api-switch-organization"),
    path("organizations", organizations.OrganizationListView.as_view(), name="api-organizations"),
    path(ORG, organizations.OrganizationDetailView.as_view(), name="api-organization"),
    path(f"{ORG}/deactivate", organizations.OrganizationDeactivateView.as_view(), name="api-organization-deactivate"),
    path(f"{ORG}/members", members.MemberListView.as_view(), name="api-members"),
    path(f"{ORG}/members/<uuid:membership_id>", members.MemberDetailView.as_view(), name="api-member"),
    path(
        f"{ORG}/members/<uuid:membership_id>/reset-mfa",
        members.MemberResetMfaView.as_view(),
        name="api-member-reset-mfa",
    ),
    path(f"{ORG}/invitations", invitations.InvitationListView.as_view(), name="api-invitations"),
    path(f"{ORG}/invitations/<uuid:invitation_id>", invitations.InvitationDetailView.as_view(), name="api-invitation"),
    path(f"{ORG}/domains", domains.DomainListView.as_view(), name="api-domains"),
    path(f"{ORG}/domains/<uuid:domain_id>", domains.DomainDetailView.as_view(), name="api-domain"),
    path(f"{ORG}/domains/<uuid:domain_id>/verify", domains.DomainVerifyView.as_view(), name="api-domain-verify"),
    path(f"{ORG}/api-keys", api_keys.ApiKeyListView.as_view(), name="api-api-keys"),
    path(f"{ORG}/api-keys/<uuid:key_id>", api_keys.ApiKeyDetailView.as_view(), name="api-api-key"),
    path(f"{ORG}/audit-events", audit.AuditEventListView.as_view(), name="api-audit-events"),
    path(f"{ORG}/audit-exports", audit.AuditExportListView.as_view(), name="api-audit-exports"),
    path(f"{ORG}/audit-exports/<uuid:export_id>", audit.AuditExportDetailView.as_view(), name="api-audit-export"),
    path("audit-exports/download", audit.AuditExportDownloadView.as_view(), name="api-audit-export-download"),
    path("invitations/accept", invitations.InvitationAcceptView.as_view(), name="api-invitation-accept"),
    path("invitations/register", invitations.InvitationRegisterView.as_view(), name="api-invitation-register"),
]
