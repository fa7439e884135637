"""Every org endpoint against every kind of caller: anonymous, member, admin of another
organization, admin and owner. A refused call also leaves the organization unchanged."""

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from organizations import rls
from organizations.models import ApiKey, AuditExport, Domain, Invitation, Membership, Organization
from organizations.services.api_keys import digest
from plinto.testing.fixtures import ApiClient

from .dns_server import LoopbackDnsServer

# (name, method, path, body, permission the call needs, status when allowed)
ENDPOINTS = [
    ("org-read", "get", "/organizations/{org}", None, "organization:read", 200),
    ("org-update", "patch", "/organizations/{org}", {"display_name": "Acme Inc."}, "organization:manage", 200),
    ("org-deactivate", "post", "/organizations/{org}/deactivate", None, "organization:deactivate", 204),
    ("members-list", "get", "/organizations/{org}/members", None, "members:read", 200),
    ("member-read", "get", "/organizations/{org}/members/{membership}", None, "members:read", 200),
    ("member-role", "patch", "/organizations/{org}/members/{membership}", {"role": "admin"}, "members:manage", 200),
    ("member-remove", "delete", "/organizations/{org}/members/{membership}", None, "members:manage", 204),
    ("invitations-list", "get", "/organizations/{org}/invitations", None, "invitations:manage", 200),
    (
        "invitation-create",
        "post",
        "/organizations/{org}/invitations",
        {"email": "n@example.org"},
        "invitations:manage",
        201,
    ),
    ("invitation-revoke", "delete", "/organizations/{org}/invitations/{invitation}", None, "invitations:manage", 204),
    ("domains-list", "get", "/organizations/{org}/domains", None, "domains:manage", 200),
    ("domain-add", "post", "/organizations/{org}/domains", {"domain": "new.example"}, "domains:manage", 201),
    ("domain-remove", "delete", "/organizations/{org}/domains/{domain}", None, "domains:manage", 204),
    # No TXT record is published, so an allowed caller gets the verification failure.
    ("domain-verify", "post", "/organizations/{org}/domains/{domain}/verify", None, "domains:manage", 400),
    ("api-keys-list", "get", "/organizations/{org}/api-keys", None, "api_keys:manage", 200),
    (
        "api-key-create",
        "post",
        "/organizations/{org}/api-keys",
        {"name": "k", "scopes": ["audit:read"]},
        "api_keys:manage",
        201,
    ),
    ("api-key-revoke", "delete", "/organizations/{org}/api-keys/{api_key}", None, "api_keys:manage", 204),
    ("audit-events", "get", "/organizations/{org}/audit-events", None, "audit:read", 200),
    ("audit-exports-list", "get", "/organizations/{org}/audit-exports", None, "audit:export", 200),
    ("audit-export-create", "post", "/organizations/{org}/audit-exports", {"format": "csv"}, "audit:export", 202),
    ("audit-export-read", "get", "/organizations/{org}/audit-exports/{export}", None, "audit:export", 200),
]

CALLERS = ["anonymous", "member", "other_admin", "admin", "owner"]
PERMISSIONS = {
    "member": {"organization:read", "members:read"},
    "admin": {
        "organization:read",
        "organization:manage",
        "members:read",
        "members:manage",
        "invitations:manage",
        "domains:manage",
        "api_keys:manage",
        "audit:read",
        "audit:export",
    },
}


def expected_status(caller, permission, allowed_status):
    if caller == "anonymous":
        return 401
    if caller == "other_admin":
        return 404
    if caller == "owner" or permission in PERMISSIONS[caller]:
        return allowed_status
    return 403


@pytest.fixture
def world(make_org, add_member, token_client, settings, tmp_path):
    server = LoopbackDnsServer().start()
    settings.DNS_RESOLVER = server.address
    settings.DNS_TIMEOUT = 2.0
    settings.STORAGES = {
        **settings.STORAGES,
        "audit_exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    org, other = make_org(slug="acme"), make_org(slug="other")
    target = add_member(org)
    callers = {
        "anonymous": ApiClient(),
        "member": token_client(add_member(org), org),
        "other_admin": token_client(add_member(other, role="admin"), other),
        "admin": token_client(add_member(org, role="admin"), org),
        "owner": token_client(org.owner, org),
    }
    with rls.tenant(org.pk):
        ids = {
            "org": org.pk,
            "membership": Membership.objects.get(user=target).pk,
            "invitation": Invitation.objects.create(
                organization=org,
                email="p@example.org",
                email_key="p@example.org",
                token_hash="1" * 64,
                expires_at=timezone.now() + timezone.timedelta(days=1),
            ).pk,
            "domain": Domain.objects.create(organization=org, domain="acme.example", verification_token="t").pk,
            "api_key": ApiKey.objects.create(
                organization=org, name="k", prefix="plk_aaaaaa", key_hash=digest("plk_a"), scopes=["audit:read"]
            ).pk,
            "export": AuditExport.objects.create(
                organization=org, format="csv", requested_by_type="user", requested_by_id=str(org.owner.pk)
            ).pk,
        }
    yield org, callers, ids
    server.stop()


def _state(org):
    with rls.bypass():
        return (
            Organization.objects.filter(pk=org.pk).values().get(),
            list(Membership.objects.filter(organization=org).values().order_by("pk")),
            list(Invitation.objects.filter(organization=org).values().order_by("pk")),
            list(Domain.objects.filter(organization=org).values().order_by("pk")),
            list(ApiKey.objects.filter(organization=org).values().order_by("pk")),
            list(AuditExport.objects.filter(organization=org).values().order_by("pk")),
        )


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "permission", "allowed_status"), ENDPOINTS, ids=[row[0] for row in ENDPOINTS]
)
def test_authorization_matrix(world, caller, name, method, path, body, permission, allowed_status):
    org, callers, ids = world
    expected = expected_status(caller, permission, allowed_status)
    before = _state(org)
    events_before = AuditEvent.objects.filter(organization_id=org.pk, outcome="success").count()

    url = "/api/v1" + path.format(**ids)
    client = callers[caller]
    response = getattr(client, method)(url, body) if body is not None else getattr(client, method)(url)

    assert response.status_code == expected, response.content
    if expected in (401, 403, 404):
        assert response.json()["code"] in {"not_authenticated", "permission_denied", "not_found"}
        assert _state(org) == before
        assert AuditEvent.objects.filter(organization_id=org.pk, outcome="success").count() == events_before
