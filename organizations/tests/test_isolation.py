"""Tenant isolation: another tenant's ids return 404 (case M1), and row-level security on PostgreSQL."""

import os

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import AuditEvent
from organizations import rls
from organizations.checks import check_row_level_security_applies
from organizations.models import ApiKey, AuditExport, Domain, Invitation, Membership, Organization
from organizations.services.api_keys import digest


@pytest.fixture
def two_tenants(make_org, add_member, org_client):
    """Organization A with its admin logged in, and organization B with one row of every kind."""
    a, b = make_org(slug="tenant-a"), make_org(slug="tenant-b")
    admin_a = org_client(add_member(a, role="admin"), a)
    b_member = add_member(b)
    with rls.tenant(b.pk):
        b_ids = {
            "membership": Membership.objects.get(organization=b, user=b_member).pk,
            "invitation": Invitation.objects.create(
                organization=b,
                email="x@example.org",
                email_key="x@example.org",
                token_hash="0" * 64,
                expires_at=timezone.now() + timezone.timedelta(days=1),
            ).pk,
            "domain": Domain.objects.create(organization=b, domain="b.example", verification_token="t").pk,
            "api_key": ApiKey.objects.create(
                organization=b, name="b", prefix="plk_bbbbbb", key_hash=digest("plk_b"), scopes=["members:read"]
            ).pk,
            "export": AuditExport.objects.create(
                organization=b, format="csv", requested_by_type="user", requested_by_id="x"
            ).pk,
        }
    return a, b, admin_a, b_ids


def _snapshot(organization):
    with rls.bypass():
        return {
            "organization": Organization.objects.filter(pk=organization.pk).values().get(),
            "memberships": list(Membership.objects.filter(organization=organization).values().order_by("pk")),
            "invitations": list(Invitation.objects.filter(organization=organization).values().order_by("pk")),
            "domains": list(Domain.objects.filter(organization=organization).values().order_by("pk")),
            "api_keys": list(ApiKey.objects.filter(organization=organization).values().order_by("pk")),
            "audit_exports": list(AuditExport.objects.filter(organization=organization).values().order_by("pk")),
            "audit_events": AuditEvent.objects.filter(organization_id=organization.pk).count(),
        }


# (method, path template, body): {a} and {b} are organization ids, the rest B's object ids.
M1_REQUESTS = [
    ("get", "/api/v1/organizations/{b}", None),
    ("patch", "/api/v1/organizations/{b}", {"name": "taken over"}),
    ("post", "/api/v1/organizations/{b}/deactivate", None),
    ("get", "/api/v1/organizations/{b}/members", None),
    ("get", "/api/v1/organizations/{b}/members/{membership}", None),
    ("get", "/api/v1/organizations/{a}/members/{membership}", None),
    ("patch", "/api/v1/organizations/{a}/members/{membership}", {"role": "admin"}),
    ("delete", "/api/v1/organizations/{a}/members/{membership}", None),
    ("patch", "/api/v1/organizations/{b}/members/{membership}", {"role": "admin"}),
    ("get", "/api/v1/organizations/{b}/invitations", None),
    ("post", "/api/v1/organizations/{b}/invitations", {"email": "y@example.org"}),
    ("delete", "/api/v1/organizations/{a}/invitations/{invitation}", None),
    ("delete", "/api/v1/organizations/{b}/invitations/{invitation}", None),
    ("get", "/api/v1/organizations/{b}/domains", None),
    ("post", "/api/v1/organizations/{b}/domains", {"domain": "evil.example"}),
    ("delete", "/api/v1/organizations/{a}/domains/{domain}", None),
    ("post", "/api/v1/organizations/{a}/domains/{domain}/verify", None),
    ("get", "/api/v1/organizations/{b}/api-keys", None),
    ("post", "/api/v1/organizations/{b}/api-keys", {"name": "x", "scopes": ["members:read"]}),
    ("delete", "/api/v1/organizations/{a}/api-keys/{api_key}", None),
    ("delete", "/api/v1/organizations/{b}/api-keys/{api_key}", None),
    ("get", "/api/v1/organizations/{b}/audit-events", None),
    ("get", "/api/v1/organizations/{b}/audit-exports", None),
    ("post", "/api/v1/organizations/{b}/audit-exports", {"format": "csv"}),
    ("get", "/api/v1/organizations/{a}/audit-exports/{export}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), M1_REQUESTS)
def test_other_tenants_ids_answer_404(two_tenants, method, path, body):
    a, b, admin_a, b_ids = two_tenants
    before = _snapshot(b)

    url = path.format(a=a.pk, b=b.pk, **b_ids)
    response = getattr(admin_a, method)(url, body) if body is not None else getattr(admin_a, method)(url)

    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"
    assert _snapshot(b) == before


def test_missing_and_foreign_ids_answer_alike(two_tenants):
    a, b, admin_a, b_ids = two_tenants

    foreign = admin_a.get(f"/api/v1/organizations/{a.pk}/members/{b_ids['membership']}")
    missing = admin_a.get(f"/api/v1/organizations/{a.pk}/members/00000000-0000-0000-0000-000000000000")

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["code"] == missing.json()["code"]


def test_api_key_of_one_tenant_cannot_reach_another(two_tenants, org_client):
    a, b, admin_a, b_ids = two_tenants
    owner_a = org_client(a.owner, a)
    key = owner_a.post(f"/api/v1/organizations/{a.pk}/api-keys", {"name": "k", "scopes": ["members:read"]})

    response = owner_a.__class__().get(f"/api/v1/organizations/{b.pk}/members", HTTP_X_API_KEY=key.json()["key"])

    assert response.status_code == 404


# Row-level security needs PostgreSQL, and a role that policies bind: the suite's connection
# user is usually a superuser, which PostgreSQL exempts from every policy, so these tests
# switch to a throwaway role inside the test's own transaction (rolled back afterwards).
requires_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row-level security exists only on PostgreSQL; set DATABASE_URL to run these tests",
)


@pytest.fixture
def bound_role(db):
    """Act as a role without SUPERUSER or BYPASSRLS for the rest of the test."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        current, exempt = cursor.fetchone()
    if not exempt:
        # CI connects as such a role already, so every policy applies as it is.
        yield current
        return

    name = f"plinto_rls_probe_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} NOLOGIN NOSUPERUSER NOBYPASSRLS")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {name}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}")
        cursor.execute(f"SET ROLE {name}")
    yield name


@requires_postgresql
def test_unscoped_query_sees_no_other_tenant(two_tenants, bound_role):
    a, b, _, b_ids = two_tenants

    with rls.tenant(a.pk):
        # Forgets the organization filter on purpose.
        visible = set(Membership.objects.values_list("organization_id", flat=True))
        foreign = Membership.objects.filter(pk=b_ids["membership"]).first()
        keys = list(ApiKey.objects.all())

    assert visible == {a.pk}
    assert foreign is None
    assert keys == []


@requires_postgresql
def test_no_tenant_set_sees_nothing(two_tenants, bound_role):
    rls.reset()

    assert Membership.objects.count() == 0
    assert Domain.objects.count() == 0


@requires_postgresql
def test_bypass_sees_every_tenant(two_tenants, bound_role):
    a, b, _, _ = two_tenants

    with rls.bypass():
        organizations = set(Membership.objects.values_list("organization_id", flat=True))

    assert organizations == {a.pk, b.pk}


@requires_postgresql
def test_write_into_other_tenant_is_rejected(two_tenants, bound_role):
    a, b, _, b_ids = two_tenants

    with rls.tenant(a.pk):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Domain.objects.create(organization=b, domain="planted.example", verification_token="t")
        updated = Membership.objects.filter(pk=b_ids["membership"]).update(role="owner")

    assert updated == 0
    with rls.bypass():
        assert Membership.objects.get(pk=b_ids["membership"]).role == "member"
        assert not Domain.objects.filter(domain="planted.example").exists()


@requires_postgresql
def test_api_works_under_bound_role(two_tenants, bound_role):
    a, _, admin_a, _ = two_tenants

    members = admin_a.get(f"/api/v1/organizations/{a.pk}/members")
    invited = admin_a.post(f"/api/v1/organizations/{a.pk}/invitations", {"email": "new@example.org"})

    assert members.status_code == 200
    assert {row["role"] for row in members.json()["results"]} == {"owner", "admin"}
    assert invited.status_code == 201


@requires_postgresql
def test_middleware_clears_tenant_left_on_connection(two_tenants, bound_role, api):
    a, _, _, _ = two_tenants
    rls.activate(a.pk)

    api.get("/health")

    assert Membership.objects.count() == 0


@requires_postgresql
def test_superuser_connection_is_warned_about(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        exempt = cursor.fetchone()[0]

    warnings = check_row_level_security_applies(None, databases=["default"])

    assert [w.id for w in warnings] == (["plinto.W101"] if exempt else [])


@requires_postgresql
def test_middleware_skips_reset_only_when_clean(transactional_db, audit_truncate_allowed, rf):
    from django.http import HttpResponse
    from django.test.utils import CaptureQueriesContext

    seen = []

    def view(request):
        seen.append(rls._read())
        return HttpResponse()

    middleware = rls.TenantContextMiddleware(view)
    middleware(rf.get("/health"))
    assert connection.plinto_tenant_clean is True

    # Any write after the last request's clear makes the next request reset first.
    rls.activate("00000000-0000-0000-0000-000000000001")
    assert connection.plinto_tenant_clean is False
    middleware(rf.get("/health"))
    assert seen[-1] == ("", "")

    # A request that sets nothing on a clean connection costs no query at all.
    with CaptureQueriesContext(connection) as captured:
        middleware(rf.get("/health"))
    assert len(captured) == 1  # the view's own read
    assert connection.plinto_tenant_clean is True

    # Inside a transaction a clear could still be rolled back, so it does not mark the connection clean.
    with transaction.atomic():
        rls.activate("00000000-0000-0000-0000-000000000001")
        middleware(rf.get("/health"))
        assert connection.plinto_tenant_clean is False

    # Leave the connection cleared and marked, as a finished request does, for the next test.
    middleware(rf.get("/health"))
    assert connection.plinto_tenant_clean is True
