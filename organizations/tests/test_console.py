"""The organization admins' console: the role matrix, tenant isolation and every page and action."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.mfa.tests.conftest import enroll_totp  # noqa: F401 (a fixture)
from accounts.models import Session
from audit.models import AuditEvent
from organizations import rls
from organizations.models import ApiKey, AuditExport, Domain, Invitation, Membership, Organization
from organizations.services.api_keys import digest
from plinto.testing.fixtures import STRONG_PASSWORD, PageClient, link_in, page_login

from .dns_server import LoopbackDnsServer


def _rows(model, **filters):
    with rls.bypass():
        return list(model.objects.filter(**filters))


def _count(model, **filters):
    return len(_rows(model, **filters))


@pytest.fixture
def browser():
    return PageClient()


@pytest.fixture
def acme(make_org, add_member):
    """Organization acme with an owner, an admin and a member, and one object of each kind."""
    org = make_org(slug="acme")
    org.admin = add_member(org, role="admin", email="admin@acme.example")
    org.member = add_member(org, role="member", email="member@acme.example")
    with rls.tenant(org.pk):
        org.member_row = Membership.objects.get(user=org.member)
        org.invitation = Invitation.objects.create(
            organization=org,
            email="guest@acme.example",
            email_key="guest@acme.example",
            token_hash="a" * 64,
            expires_at=timezone.now() + timedelta(days=7),
        )
        org.domain = Domain.objects.create(organization=org, domain="acme.example", verification_token="tok-acme")
        org.key = ApiKey.objects.create(organization=org, name="ci", prefix="plk_abcdef", key_hash="b" * 64)
    return org


@pytest.fixture
def globex(make_org, add_member):
    """A second organization with its own admin, member, invitation, domain and key."""
    org = make_org(slug="globex")
    org.admin = add_member(org, role="admin", email="admin@globex.example")
    org.member = add_member(org, role="member", email="member@globex.example")
    with rls.tenant(org.pk):
        org.member_row = Membership.objects.get(user=org.member)
        org.invitation = Invitation.objects.create(
            organization=org,
            email="guest@globex.example",
            email_key="guest@globex.example",
            token_hash="c" * 64,
            expires_at=timezone.now() + timedelta(days=7),
        )
        org.domain = Domain.objects.create(organization=org, domain="globex.example", verification_token="tok-globex")
        org.key = ApiKey.objects.create(organization=org, name="ci", prefix="plk_ghijkl", key_hash="d" * 64)
    return org


def _pages(org):
    base = f"/console/{org.pk}"
    return [f"{base}/", f"{base}/invitations", f"{base}/domains", f"{base}/api-keys", f"{base}/settings"] + [
        f"{base}/audit",
        f"{base}/exports",
    ]


def _actions(org):
    """Every POST of the console for `org`, with a body that would change something."""
    base = f"/console/{org.pk}"
    return [
        (f"{base}/members/{org.member_row.pk}/role", {"role": "admin"}),
        (f"{base}/members/{org.member_row.pk}/remove", {}),
        (f"{base}/invitations/new", {"email": "new@example.org", "role": "member"}),
        (f"{base}/invitations/{org.invitation.pk}/revoke", {}),
        (f"{base}/domains/new", {"domain": "new.example"}),
        (f"{base}/domains/{org.domain.pk}/verify", {}),
        (f"{base}/api-keys/new", {"name": "new", "scopes": ["members:read"]}),
        (f"{base}/api-keys/{org.key.pk}/revoke", {}),
        (f"{base}/settings", {"name": "Renamed", "allowed_login_methods": ["password"]}),
        (f"{base}/exports/new", {"format": "csv"}),
    ]


def _snapshot(org):
    """The state the console can change, to show that a denied request changed nothing."""
    with rls.bypass():
        organization = Organization.objects.get(pk=org.pk)
        return {
            "members": sorted((str(m.user_id), m.role) for m in Membership.objects.filter(organization=org)),
            "invitations": sorted((i.email, i.revoked_at) for i in Invitation.objects.filter(organization=org)),
            "domains": sorted((d.domain, d.last_checked_at) for d in Domain.objects.filter(organization=org)),
            "keys": sorted((k.name, k.revoked_at) for k in ApiKey.objects.filter(organization=org)),
            "exports": AuditExport.objects.filter(organization=org).count(),
            "settings": (organization.name, organization.allowed_login_methods),
            "events": AuditEvent.objects.filter(organization_id=org.pk).count(),
        }


# The role matrix.


def test_anonymous_is_sent_to_login(acme, browser, mailbox):
    before = _snapshot(acme)

    for url in ["/console/", *_pages(acme)]:
        response = browser.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login?next="), url
    for url, body in _actions(acme):
        response = browser.post(url, body)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login?next="), url

    assert _snapshot(acme) == before
    assert mailbox == []


def test_member_gets_403_everywhere(acme, browser, mailbox):
    page_login(browser, acme.member)
    before = _snapshot(acme)

    home = browser.get("/console/")
    assert home.status_code == 403
    for url in _pages(acme):
        response = browser.get(url)
        assert response.status_code == 403, url
        assert 'role="alert"' in response.content.decode(), url
    for url, body in _actions(acme):
        assert browser.post(url, body).status_code == 403, url

    assert _snapshot(acme) == before
    assert mailbox == []


def test_admin_of_another_org_gets_404(acme, globex, browser, mailbox):
    page_login(browser, globex.admin)
    before = _snapshot(acme)

    for url in _pages(acme):
        assert browser.get(url).status_code == 404, url
    for url, body in _actions(acme):
        assert browser.post(url, body).status_code == 404, url

    assert _snapshot(acme) == before
    assert mailbox == []


def test_missing_organization_gets_same_404(acme, browser):
    page_login(browser, acme.admin)

    response = browser.get("/console/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404


def test_other_orgs_object_ids_get_404(acme, globex, browser, mailbox):
    # Given an admin of acme, and URLs under acme that carry globex's object ids
    page_login(browser, acme.admin)
    before = (_snapshot(acme), _snapshot(globex))
    base = f"/console/{acme.pk}"
    urls = [
        (f"{base}/members/{globex.member_row.pk}/role", {"role": "admin"}),
        (f"{base}/members/{globex.member_row.pk}/remove", {}),
        (f"{base}/invitations/{globex.invitation.pk}/revoke", {}),
        (f"{base}/domains/{globex.domain.pk}/verify", {}),
        (f"{base}/api-keys/{globex.key.pk}/revoke", {}),
    ]

    # When they post each one, then each returns 404 and nothing changed in either organization
    for url, body in urls:
        response = browser.post(url, body)
        assert response.status_code == 404, url
        assert "nothing at this address" in response.content.decode(), url
    assert (_snapshot(acme), _snapshot(globex)) == before
    assert mailbox == []


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_open_every_page(acme, browser, role):
    user = acme.owner if role == "owner" else acme.admin
    page_login(browser, user)

    for url in _pages(acme):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert '<html lang="en">' in response.content.decode(), url


def test_home_lists_only_orgs_run_by_user(acme, make_org, browser):
    other = make_org(slug="initech")
    with rls.tenant(other.pk):
        Membership.objects.create(organization=other, user=acme.admin, role="member")
    page_login(browser, acme.admin)

    response = browser.get("/console/")

    body = response.content.decode()
    assert response.status_code == 200
    assert f"/console/{acme.pk}/" in body
    assert f"/console/{other.pk}/" not in body
    assert "no-store" in response["Cache-Control"]


def test_forms_require_csrf_token(acme):
    browser = PageClient(enforce_csrf_checks=True)
    response = browser.get("/login")
    token = response.cookies["csrftoken"].value
    browser.post("/login", {"email": acme.admin.email, "password": STRONG_PASSWORD, "csrfmiddlewaretoken": token})
    before = _snapshot(acme)

    response = browser.post(f"/console/{acme.pk}/members/{acme.member_row.pk}/remove")

    assert response.status_code == 403
    assert _snapshot(acme) == before


def test_console_needs_plinto_session(acme, browser):
    # A Django login made without the hosted login pipeline carries no Plinto session.
    browser.force_login(acme.admin)

    response = browser.get(f"/console/{acme.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=")


# Members.


def test_admin_changes_member_role(acme, browser):
    page_login(browser, acme.admin)

    response = browser.post(f"/console/{acme.pk}/members/{acme.member_row.pk}/role", {"role": "admin"})

    assert response.status_code == 302
    assert _rows(Membership, pk=acme.member_row.pk)[0].role == "admin"
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert event.actor_id == str(acme.admin.pk)
    assert event.metadata["to"] == "admin"


def test_admin_cannot_grant_owner(acme, browser):
    page_login(browser, acme.admin)
    before = _snapshot(acme)

    response = browser.post(f"/console/{acme.pk}/members/{acme.member_row.pk}/role", {"role": "owner"})

    assert response.status_code == 403
    assert "owners:manage" in response.content.decode()
    assert _snapshot(acme) == before


def test_unknown_role_is_rejected(acme, browser):
    page_login(browser, acme.admin)
    before = _snapshot(acme)

    response = browser.post(f"/console/{acme.pk}/members/{acme.member_row.pk}/role", {"role": "emperor"})

    assert response.status_code == 400
    assert "Choose one of the roles" in response.content.decode()
    assert _snapshot(acme) == before


def test_last_owner_cannot_step_down(acme, browser):
    page_login(browser, acme.owner)
    own = _rows(Membership, organization=acme, user=acme.owner)[0]
    before = _snapshot(acme)

    response = browser.post(f"/console/{acme.pk}/members/{own.pk}/role", {"role": "admin"})

    assert response.status_code == 409
    assert "at least one owner" in response.content.decode()
    assert _snapshot(acme) == before


def test_admin_removes_member(acme, browser):
    page_login(browser, acme.admin)

    response = browser.post(f"/console/{acme.pk}/members/{acme.member_row.pk}/remove")

    assert response.status_code == 302
    assert _count(Membership, pk=acme.member_row.pk) == 0
    assert AuditEvent.objects.filter(action="membership.removed", target_id=str(acme.member_row.pk)).exists()


# Invitations.


def test_admin_invites_and_email_is_sent(acme, browser, mailbox):
    page_login(browser, acme.admin)

    response = browser.post(f"/console/{acme.pk}/invitations/new", {"email": "new@example.org", "role": "member"})

    assert response.status_code == 302
    assert _count(Invitation, organization=acme, email="new@example.org") == 1
    assert len(mailbox) == 1
    assert mailbox[0].to == ["new@example.org"]
    assert link_in(mailbox[0], "/invitations/accept").startswith("pli_")
    assert AuditEvent.objects.filter(action="invitation.created", actor_id=str(acme.admin.pk)).exists()


def test_invite_twice_shows_field_error(acme, browser, mailbox):
    page_login(browser, acme.admin)
    browser.post(f"/console/{acme.pk}/invitations/new", {"email": "new@example.org", "role": "member"})
    mailbox.clear()

    response = browser.post(f"/console/{acme.pk}/invitations/new", {"email": "new@example.org", "role": "member"})

    body = response.content.decode()
    assert response.status_code == 409
    assert "pending invitation" in body
    assert 'role="alert"' in body
    assert _count(Invitation, organization=acme, email="new@example.org") == 1
    assert mailbox == []


def test_invalid_invitation_email_is_rejected(acme, browser, mailbox):
    page_login(browser, acme.admin)
    before = _snapshot(acme)

    response = browser.post(f"/console/{acme.pk}/invitations/new", {"email": "not an address", "role": "member"})

    assert response.status_code == 400
    assert "Enter a valid email address" in response.content.decode()
    assert _snapshot(acme) == before
    assert mailbox == []


def test_admin_revokes_invitation(acme, browser):
    page_login(browser, acme.admin)

    response = browser.post(f"/console/{acme.pk}/invitations/{acme.invitation.pk}/revoke")

    assert response.status_code == 302
    assert _rows(Invitation, pk=acme.invitation.pk)[0].revoked_at is not None
    assert AuditEvent.objects.filter(action="invitation.revoked").exists()


# Domains.


def test_added_domain_shows_txt_record(acme, browser):
    page_login(browser, acme.admin)

    response = browser.post(f"/console/{acme.pk}/domains/new", {"domain": "Example.COM"})
    page = browser.get(f"/console/{acme.pk}/domains").content.decode()

    domain = _rows(Domain, organization=acme, domain="example.com")[0]
    assert response.status_code == 302
    assert domain.record_name in page
    assert domain.record_value in page
    assert AuditEvent.objects.filter(action="domain.added", target_id=str(domain.pk)).exists()


def test_invalid_domain_is_rejected(acme, browser):
    page_login(browser, acme.admin)
    before = _snapshot(acme)

    response = browser.post(f"/console/{acme.pk}/domains/new", {"domain": "https://example.com/path"})

    assert response.status_code == 400
    assert "is not a domain name" in response.content.decode()
    assert _snapshot(acme) == before


def test_domain_verifies_with_published_record(acme, browser, settings):
    server = LoopbackDnsServer().start()
    settings.DNS_RESOLVER = server.address
    settings.DNS_TIMEOUT = 2.0
    server.records[acme.domain.record_name] = [acme.domain.record_value]
    page_login(browser, acme.admin)
    try:
        response = browser.post(f"/console/{acme.pk}/domains/{acme.domain.pk}/verify")
    finally:
        server.stop()

    assert response.status_code == 302
    assert _rows(Domain, pk=acme.domain.pk)[0].verified_at is not None


def test_domain_without_record_stays_unverified(acme, browser, settings):
    server = LoopbackDnsServer().start()
    settings.DNS_RESOLVER = server.address
    settings.DNS_TIMEOUT = 2.0
    page_login(browser, acme.admin)
    try:
        response = browser.post(f"/console/{acme.pk}/domains/{acme.domain.pk}/verify")
    finally:
        server.stop()

    assert response.status_code == 400
    assert "No TXT record" in response.content.decode()
    assert _rows(Domain, pk=acme.domain.pk)[0].verified_at is None


# API keys.


def test_created_key_is_shown_once(acme, browser):
    page_login(browser, acme.admin)

    response = browser.post(
        f"/console/{acme.pk}/api-keys/new", {"name": "deploy", "scopes": ["members:read", "audit:read"]}
    )
    later = browser.get(f"/console/{acme.pk}/api-keys").content.decode()

    body = response.content.decode()
    key = _rows(ApiKey, organization=acme, name="deploy")[0]
    plaintext = body.split('<code id="api-key-value">')[1].split("</code>")[0]
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    assert key.key_hash == digest(plaintext)
    assert key.scopes == ["audit:read", "members:read"]
    assert plaintext not in later
    assert key.prefix in later


def test_key_without_scopes_is_rejected(acme, browser):
    page_login(browser, acme.admin)
    before = _snapshot(acme)

    response = browser.post(f"/console/{acme.pk}/api-keys/new", {"name": "deploy"})

    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert _snapshot(acme) == before


def test_key_expiring_in_past_is_rejected(acme, browser):
    page_login(browser, acme.admin)
    before = _snapshot(acme)

    response = browser.post(
        f"/console/{acme.pk}/api-keys/new",
        {"name": "deploy", "scopes": ["members:read"], "expires_at": "2000-01-01T00:00"},
    )

    assert response.status_code == 400
    assert "must be in the future" in response.content.decode()
    assert _snapshot(acme) == before


def test_admin_revokes_key(acme, browser):
    page_login(browser, acme.admin)

    response = browser.post(f"/console/{acme.pk}/api-keys/{acme.key.pk}/revoke")

    assert response.status_code == 302
    assert _rows(ApiKey, pk=acme.key.pk)[0].revoked_at is not None
    assert AuditEvent.objects.filter(action="api_key.revoked", target_id=str(acme.key.pk)).exists()


# Settings and branding.


def _settings_body(**overrides):
    body = {
        "name": "Acme Corp",
        "require_mfa": "on",
        "allowed_login_methods": ["password", "passkey"],
        "session_lifetime": "3600",
        "password_min_length": "16",
        "display_name": "Acme",
        "logo_url": "https://cdn.acme.example/logo.png",
        "primary_colour": "#1a73e8",
        "support_email": "help@acme.example",
    }
    body.update(overrides)
    return body


def test_admin_saves_settings(acme, browser):
    page_login(browser, acme.admin)

    response = browser.post(f"/console/{acme.pk}/settings", _settings_body())

    organization = Organization.objects.get(pk=acme.pk)
    assert response.status_code == 302
    assert organization.name == "Acme Corp"
    assert organization.require_mfa is True
    assert organization.allowed_login_methods == ["password", "passkey"]
    assert organization.session_lifetime == 3600
    assert organization.password_min_length == 16
    assert organization.primary_colour == "#1a73e8"
    assert organization.support_email == "help@acme.example"
    event = AuditEvent.objects.get(action="organization.updated")
    assert "require_mfa" in event.metadata["fields"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("session_lifetime", "10", "session_lifetime must be between"),
        ("password_min_length", "4", "password_min_length must be between"),
        ("primary_colour", "red", "Use a hex colour"),
        ("logo_url", "http://cdn.acme.example/logo.png", "Use an https:// address"),
        ("allowed_login_methods", ["telepathy"], "Select a valid choice"),
        ("name", "", "This field is required"),
    ],
)
def test_invalid_setting_changes_nothing(acme, browser, field, value, message):
    page_login(browser, acme.admin)
    before = _snapshot(acme)

    response = browser.post(f"/console/{acme.pk}/settings", _settings_body(**{field: value}))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert _snapshot(acme) == before


# Audit log and exports.


def test_audit_log_filters_by_action(acme, browser):
    page_login(browser, acme.admin)
    browser.post(f"/console/{acme.pk}/api-keys/{acme.key.pk}/revoke")

    response = browser.get(f"/console/{acme.pk}/audit", {"action": "api_key.revoked"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "api_key.revoked" in body
    assert "organization.created" not in body


def test_audit_log_pages_with_cursor(acme, browser, monkeypatch):
    from organizations.console.views import audit as audit_views

    monkeypatch.setattr(audit_views, "PAGE_SIZE", 2)
    page_login(browser, acme.admin)
    for _ in range(3):
        browser.post(f"/console/{acme.pk}/settings", _settings_body(name=f"Acme {_}"))
    events = list(AuditEvent.objects.filter(organization_id=acme.pk, action="organization.updated").order_by("-id"))

    first = browser.get(f"/console/{acme.pk}/audit", {"action": "organization.updated"})
    second = browser.get(f"/console/{acme.pk}/audit", {"action": "organization.updated", "before": events[1].pk})

    assert first.context["events"] == events[:2]
    assert f"before={events[1].pk}" in first.context["next_url"]
    assert "action=organization.updated" in first.context["next_url"]
    assert second.context["events"] == events[2:]
    assert second.context["next_url"] == ""


def test_audit_filter_with_reversed_times_is_rejected(acme, browser):
    page_login(browser, acme.admin)

    response = browser.get(f"/console/{acme.pk}/audit", {"since": "2030-01-02T00:00", "until": "2030-01-01T00:00"})

    assert response.status_code == 400
    assert "Until must be later than From" in response.content.decode()


def test_export_runs_and_downloads(acme, browser, settings):
    settings.PUBLIC_BASE_URL = "http://testserver"
    page_login(browser, acme.admin)

    response = browser.post(f"/console/{acme.pk}/exports/new", {"format": "ndjson", "action": "organization.created"})
    page = browser.get(f"/console/{acme.pk}/exports")

    export = _rows(AuditExport, organization=acme)[0]
    link = page.context["rows"][0]["link"]
    download = PageClient().get(link.removeprefix("http://testserver"))
    assert response.status_code == 302
    assert export.status == "done"
    assert export.filters == {"action": "organization.created"}
    assert download.status_code == 200
    assert b"organization.created" in b"".join(download.streaming_content)
    assert AuditEvent.objects.filter(action="audit.export_requested", actor_id=str(acme.admin.pk)).exists()


def test_export_with_unknown_format_is_rejected(acme, browser):
    page_login(browser, acme.admin)
    before = _snapshot(acme)

    response = browser.post(f"/console/{acme.pk}/exports/new", {"format": "xlsx"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert _snapshot(acme) == before


# Logging in to the console and accepting invitations.


def test_branded_login_returns_to_console(acme, browser):
    response = browser.post(
        "/orgs/acme/login", {"email": acme.admin.email, "password": STRONG_PASSWORD, "next": "/console/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/console/"
    assert browser.get("/console/").status_code == 200


def test_branded_login_continues_to_mfa(acme, browser, enroll_totp):  # noqa: F811
    enroll_totp(acme.admin)
    Organization.objects.filter(pk=acme.pk).update(require_mfa=True)

    response = browser.post(
        "/orgs/acme/login", {"email": acme.admin.email, "password": STRONG_PASSWORD, "next": "/console/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/login/mfa"
    assert browser.get("/console/").status_code == 302
    assert _count(Session, user=acme.admin) == 0


def test_invited_person_registers_and_joins(acme, browser, mailbox):
    page_login(browser, acme.admin)
    browser.post(f"/console/{acme.pk}/invitations/new", {"email": "new@example.org", "role": "member"})
    token = link_in(mailbox[0], "/invitations/accept")
    guest = PageClient()

    page = guest.get("/invitations/accept", {"token": token})
    response = guest.post("/invitations/accept", {"token": token, "display_name": "New", "password": STRONG_PASSWORD})

    assert page.status_code == 200
    assert response.status_code == 302
    memberships = _rows(Membership, organization=acme, user__email="new@example.org")
    assert [m.role for m in memberships] == ["member"]


def test_logged_in_user_accepts_invitation(acme, make_user, browser, mailbox):
    invited = make_user(email="new@example.org")
    page_login(browser, acme.admin)
    browser.post(f"/console/{acme.pk}/invitations/new", {"email": "new@example.org", "role": "admin"})
    token = link_in(mailbox[0], "/invitations/accept")
    guest = page_login(PageClient(), invited)

    response = guest.post("/invitations/accept", {"token": token})

    assert response.status_code == 302
    assert [m.role for m in _rows(Membership, organization=acme, user=invited)] == ["admin"]


def test_invalid_invitation_token_is_rejected(acme):
    guest = PageClient()

    response = guest.post("/invitations/accept", {"token": "pli_forged", "password": STRONG_PASSWORD})

    assert response.status_code == 400
    assert "invalid, used, revoked or expired" in response.content.decode()
    assert _count(Membership, organization=acme) == 3
