"""The platform admin: every organization is visible, and deactivation goes through the service."""

from django.test import Client

from accounts.models import Session
from audit.models import AuditEvent
from organizations.models import Organization
from plinto.testing.fixtures import page_login


def _staff_client(make_user):
    staff = make_user(email="staff@example.org", is_staff=True, is_superuser=True)
    client = Client()
    page_login(client, staff)
    return client, staff


def test_admin_lists_members_of_any_organization(make_org, add_member, make_user):
    org = make_org(slug="acme")
    member = add_member(org)
    client, _ = _staff_client(make_user)

    response = client.get(f"/admin/organizations/organization/{org.pk}/change/")

    assert response.status_code == 200
    assert str(member.pk) in response.content.decode()


def test_admin_action_deactivates_and_revokes(make_org, org_client, make_user):
    org = make_org(slug="acme")
    org_client(org.owner, org)
    client, staff = _staff_client(make_user)

    response = client.post(
        "/admin/organizations/organization/", {"action": "deactivate", "_selected_action": [str(org.pk)]}
    )

    assert response.status_code == 302
    assert Organization.objects.get(pk=org.pk).status == "deactivated"
    assert not Session.objects.filter(organization_id=org.pk, revoked_at__isnull=True).exists()
    event = AuditEvent.objects.get(action="organization.deactivated")
    assert event.actor_id == str(staff.pk)
