"""The platform admin: every organization is visible, and deactivation goes through the service."""

import json

from django.contrib import admin
from django.test import Client, RequestFactory

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


def _admin_change(org, staff, aaguids):
    """Return the admin's change form for `org` with `aaguids`, and the request it belongs to."""
    request = RequestFactory().post(f"/admin/organizations/organization/{org.pk}/change/")
    request.user = staff
    form_class = admin.site._registry[Organization].get_form(request, org)
    data = {
        "name": org.name,
        "slug": org.slug,
        "created_at_0": org.created_at.date().isoformat(),
        "created_at_1": org.created_at.time().strftime("%H:%M:%S"),
        "allowed_login_methods": json.dumps(org.allowed_login_methods),
        "passkey_allowed_aaguids": json.dumps(aaguids),
    }
    return form_class(data=data, instance=org), request


def test_admin_saves_normalized_passkey_models(make_org, make_user):
    org = make_org(slug="acme")
    _, staff = _staff_client(make_user)
    form, request = _admin_change(org, staff, ["6028B017-B1D4-4C02-B4B3-AFCDAFC96BB2"])

    assert form.is_valid(), form.errors
    admin.site._registry[Organization].save_model(request, form.save(commit=False), form, change=True)

    saved = Organization.objects.get(pk=org.pk)
    assert saved.passkey_allowed_aaguids == ["6028b017-b1d4-4c02-b4b3-afcdafc96bb2"]
    event = AuditEvent.objects.get(action="organization.updated")
    assert "passkey_allowed_aaguids" in event.metadata["fields"]


def test_admin_rejects_invalid_passkey_model(make_org, make_user):
    org = make_org(slug="acme")
    _, staff = _staff_client(make_user)

    form, _ = _admin_change(org, staff, ["yubikey"])

    assert not form.is_valid()
    assert "is not an AAGUID" in form.errors["passkey_allowed_aaguids"][0]
    assert Organization.objects.get(pk=org.pk).passkey_allowed_aaguids == []
