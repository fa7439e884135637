"""Creating, listing and configuring organizations through the API."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from organizations import rls
from organizations.models import Membership, Organization


def test_user_creates_organization_and_becomes_owner(make_user, token_client, login, api):
    user = make_user(email="founder@example.org")
    api.bearer(login("founder@example.org")["access_token"])

    response = api.post("/api/v1/organizations", {"name": "Acme", "slug": "acme"})

    assert response.status_code == 201, response.content
    organization = Organization.objects.get(slug="acme")
    with rls.bypass():
        assert Membership.objects.get(organization=organization).user == user
    listed = api.get("/api/v1/organizations").json()
    assert [(row["organization"]["slug"], row["role"]) for row in listed] == [("acme", "owner")]
    assert AuditEvent.objects.filter(action="organization.created", organization_id=organization.pk).exists()


def test_taken_or_malformed_slug_is_rejected(make_org, make_user, login, api):
    make_org(slug="acme")
    make_user(email="founder@example.org")
    api.bearer(login("founder@example.org")["access_token"])

    taken = api.post("/api/v1/organizations", {"name": "Acme 2", "slug": "acme"})
    malformed = api.post("/api/v1/organizations", {"name": "Bad", "slug": "Not A Slug"})

    assert taken.status_code == 409
    assert taken.json()["code"] == "slug_taken"
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["field"] == "slug"
    assert Organization.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("session_lifetime", 10),
        ("session_lifetime", 10**9),
        ("password_min_length", 4),
        ("password_min_length", 1000),
        ("allowed_login_methods", []),
        ("allowed_login_methods", ["carrier-pigeon"]),
        ("primary_colour", "red"),
        ("logo_url", "http://acme.example/logo.png"),
        ("support_email", "not-an-address"),
        ("passkey_allowed_aaguids", ["not-a-uuid"]),
    ],
)
def test_settings_outside_bounds_are_rejected(make_org, token_client, field, value):
    org = make_org(slug="acme")
    owner = token_client(org.owner, org)

    response = owner.patch(f"/api/v1/organizations/{org.pk}", {field: value}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].split("[")[0] == field
    assert (
        Organization.objects.filter(pk=org.pk).values().get() == Organization.objects.filter(pk=org.pk).values().get()
    )
    org_after = Organization.objects.get(pk=org.pk)
    assert getattr(org_after, field) == getattr(org, field)


def test_settings_and_branding_update(make_org, token_client):
    org = make_org(slug="acme")
    owner = token_client(org.owner, org)
    changes = {
        "require_mfa": True,
        "allowed_login_methods": ["password", "sso"],
        "session_lifetime": 3600,
        "password_min_length": 16,
        "display_name": "Acme Inc.",
        "logo_url": "https://acme.example/logo.png",
        "primary_colour": "#112233",
        "support_email": "help@acme.example",
    }

    response = owner.patch(f"/api/v1/organizations/{org.pk}", changes)

    assert response.status_code == 200, response.content
    assert {key: response.json()[key] for key in changes} == changes
    event = AuditEvent.objects.get(action="organization.updated")
    assert sorted(event.metadata["fields"]) == sorted(changes)


def test_members_list_pages_with_cursor(make_org, add_member, token_client):
    org = make_org(slug="acme")
    for _ in range(4):
        add_member(org)
    owner = token_client(org.owner, org)

    first = owner.get(f"/api/v1/organizations/{org.pk}/members", {"page_size": 3}).json()
    second = owner.get(first["next"]).json()

    assert len(first["results"]) == 3
    assert len(second["results"]) == 2
    assert second["next"] is None
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert len(set(seen)) == 5


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.dictionaries(
        st.sampled_from(
            [
                "name",
                "session_lifetime",
                "password_min_length",
                "allowed_login_methods",
                "primary_colour",
                "logo_url",
                "audit_retention_days",
                "require_mfa",
                "passkey_allowed_aaguids",
            ]
        ),
        _json_values,
    )
)
def test_settings_update_never_fails_with_500(make_org, token_client, body):
    # Examples share the test's database transaction, so the organization is made once.
    org = Organization.objects.filter(slug="fuzz").first() or make_org(slug="fuzz")
    with rls.bypass():
        owner_user = Membership.objects.get(organization=org, role="owner").user
    owner = token_client(owner_user, org)

    response = owner.patch(f"/api/v1/organizations/{org.pk}", body, format="json")

    assert response.status_code in (200, 400), response.content
