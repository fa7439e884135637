"""Organization admins remove a member's second factors, from the console and the API."""

import pytest

from accounts.mfa.authenticators.backup_codes import generate_codes
from accounts.mfa.crypto import encrypt_secret
from accounts.mfa.models import BackupCode, TOTPDevice
from accounts.models import Session
from audit.models import AuditEvent
from organizations import rls
from organizations.models import ApiKey, Membership
from plinto.testing.fixtures import STRONG_PASSWORD, ApiClient, PageClient, page_login

NOTICE_SUBJECT = "Your two-factor methods were removed"


@pytest.fixture
def acme(make_org, add_member, token_client):
    """Organization acme with an owner, an admin and a member who has factors and a session.

    The owner and the admin have no factors, so the hosted login needs only their password.
    """
    org = make_org(slug="acme")
    org.admin = add_member(org, role="admin", email="admin@acme.example")
    org.member = add_member(org, role="member", email="member@acme.example")
    _give_factors(org.member)
    org.member_client = token_client(org.member, org)
    with rls.bypass():
        org.rows = {m.user_id: m for m in Membership.objects.filter(organization=org)}
    org.member_row = org.rows[org.member.pk]
    org.owner_row = org.rows[org.owner.pk]
    org.admin_row = org.rows[org.admin.pk]
    return org


@pytest.fixture
def globex(make_org, add_member):
    org = make_org(slug="globex")
    org.admin = add_member(org, role="admin", email="admin@globex.example")
    return org


def _give_factors(user):
    TOTPDevice.objects.create(user=user, name="app", confirmed=True, encrypted_seed=encrypt_secret(b"0" * 20))
    generate_codes(user)


def _factors(user):
    return (TOTPDevice.objects.filter(user=user).count(), BackupCode.objects.filter(device__user=user).count())


def _state(*users):
    """The state a reset changes, to show that a rejected request changed nothing."""
    return {
        "factors": [_factors(user) for user in users],
        "active_sessions": Session.objects.filter(revoked_at__isnull=True).count(),
        "events": AuditEvent.objects.filter(action__in=["mfa.reset", "session.revoked_all"]).count(),
    }


def _console_url(org, membership):
    return f"/console/{org.pk}/members/{membership.pk}/reset-mfa"


def _api_url(org, membership):
    return f"/api/v1/organizations/{org.pk}/members/{membership.pk}/reset-mfa"


@pytest.fixture
def browser():
    return PageClient()


# Console.


def test_console_owner_resets_member(acme, browser, mailbox):
    page_login(browser, acme.owner)
    _give_factors(acme.admin)
    mailbox.clear()

    confirm = browser.get(_console_url(acme, acme.member_row))
    response = browser.post(_console_url(acme, acme.member_row))

    assert confirm.status_code == 200
    assert "member@acme.example" in confirm.content.decode()
    assert 'name="csrfmiddlewaretoken"' in confirm.content.decode()
    assert response.status_code == 302
    assert response["Location"] == f"/console/{acme.pk}/"
    assert _factors(acme.member) == (0, 0)
    assert _factors(acme.admin) == (1, 10)
    assert acme.member_client.get("/api/v1/me").status_code == 401
    event = AuditEvent.objects.get(action="mfa.reset")
    assert event.organization_id == acme.pk
    assert event.actor_id == str(acme.owner.pk)
    assert event.target_id == str(acme.member.pk)
    assert event.metadata == {"methods": ["totp", "backup_code"]}
    assert [message.subject for message in mailbox] == [NOTICE_SUBJECT]
    assert mailbox[0].to == [acme.member.email]


def test_console_list_links_to_confirmation(acme, browser):
    page_login(browser, acme.admin)

    body = browser.get(f"/console/{acme.pk}/").content.decode()

    assert _console_url(acme, acme.member_row) in body
    assert _console_url(acme, acme.owner_row) not in body
    assert _console_url(acme, acme.admin_row) not in body


def test_console_get_changes_nothing(acme, browser, mailbox):
    page_login(browser, acme.admin)
    before = _state(acme.member)

    response = browser.get(_console_url(acme, acme.member_row))

    assert response.status_code == 200
    assert _state(acme.member) == before
    assert mailbox == []


def test_console_admin_cannot_reset_owner(acme, browser, mailbox):
    page_login(browser, acme.admin)
    _give_factors(acme.owner)
    mailbox.clear()
    before = _state(acme.owner)

    for response in (
        browser.get(_console_url(acme, acme.owner_row)),
        browser.post(_console_url(acme, acme.owner_row)),
    ):
        assert response.status_code == 403
        assert "Only an owner can" in response.content.decode()
    assert _state(acme.owner) == before
    assert mailbox == []


def test_console_own_factors_rejected(acme, browser, mailbox):
    page_login(browser, acme.owner)
    _give_factors(acme.owner)
    mailbox.clear()
    before = _state(acme.owner)

    response = browser.post(_console_url(acme, acme.owner_row))

    assert response.status_code == 403
    assert "account settings" in response.content.decode()
    assert _state(acme.owner) == before
    assert mailbox == []


def test_console_member_gets_403(acme, add_member, browser, mailbox):
    # A member without factors, so the hosted login needs only the password.
    plain_member = add_member(acme, role="member", email="plain@acme.example")
    page_login(browser, plain_member)
    before = _state(acme.member)

    response = browser.post(_console_url(acme, acme.member_row))

    assert response.status_code == 403
    assert _state(acme.member) == before
    assert mailbox == []


def test_console_admin_of_other_org_gets_404(acme, globex, browser, mailbox):
    page_login(browser, globex.admin)
    mailbox.clear()
    before = _state(acme.member)

    for url in (_console_url(acme, acme.member_row), _console_url(globex, acme.member_row)):
        assert browser.get(url).status_code == 404, url
        assert browser.post(url).status_code == 404, url
    assert _state(acme.member) == before
    assert mailbox == []


def test_console_anonymous_sent_to_login(acme, browser, mailbox):
    before = _state(acme.member)

    response = browser.post(_console_url(acme, acme.member_row))

    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=")
    assert _state(acme.member) == before
    assert mailbox == []


def test_console_reset_requires_csrf_token(acme, mailbox):
    browser = PageClient(enforce_csrf_checks=True)
    token = browser.get("/login").cookies["csrftoken"].value
    browser.post("/login", {"email": acme.admin.email, "password": STRONG_PASSWORD, "csrfmiddlewaretoken": token})
    mailbox.clear()
    before = _state(acme.member)

    response = browser.post(_console_url(acme, acme.member_row))

    assert response.status_code == 403
    assert _state(acme.member) == before
    assert mailbox == []


# API.


def test_api_owner_resets_member(acme, token_client, mailbox):
    client = token_client(acme.owner, acme)

    response = client.post(_api_url(acme, acme.member_row))

    assert response.status_code == 200, response.content
    assert response.json() == {"removed_methods": ["totp", "backup_code"]}
    assert _factors(acme.member) == (0, 0)
    assert acme.member_client.get("/api/v1/me").status_code == 401
    event = AuditEvent.objects.get(action="mfa.reset")
    assert event.organization_id == acme.pk
    assert event.actor_id == str(acme.owner.pk)
    assert [message.subject for message in mailbox] == [NOTICE_SUBJECT]


def test_api_owner_resets_another_owner(acme, add_member, token_client, mailbox):
    second_owner = add_member(acme, role="owner", email="owner2@acme.example")
    with rls.bypass():
        second_row = Membership.objects.get(user=second_owner)

    response = token_client(acme.owner, acme).post(_api_url(acme, second_row))

    assert response.status_code == 200, response.content
    assert response.json() == {"removed_methods": []}
    assert [message.subject for message in mailbox] == [NOTICE_SUBJECT]


@pytest.mark.parametrize(
    ("actor", "target", "code"),
    [
        ("admin", "owner", "owner_protected"),
        ("owner", "owner", "own_factors"),
        ("admin", "admin", "own_factors"),
        ("member", "owner", "permission_denied"),
    ],
)
def test_api_rejected_with_403(acme, token_client, mailbox, actor, target, code):
    _give_factors(acme.owner)
    _give_factors(acme.admin)
    client = token_client(getattr(acme, actor), acme)
    target_row = getattr(acme, f"{target}_row")
    before = _state(acme.owner, acme.admin, acme.member)

    response = client.post(_api_url(acme, target_row))

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert _state(acme.owner, acme.admin, acme.member) == before
    assert mailbox == []


def test_api_admin_of_other_org_gets_404(acme, globex, token_client, mailbox):
    client = token_client(globex.admin, globex)
    mailbox.clear()
    before = _state(acme.member)

    for url in (_api_url(acme, acme.member_row), _api_url(globex, acme.member_row)):
        response = client.post(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found", url
    assert _state(acme.member) == before
    assert mailbox == []


def test_api_anonymous_gets_401(acme, mailbox):
    before = _state(acme.member)

    response = ApiClient().post(_api_url(acme, acme.member_row))

    assert response.status_code == 401
    assert _state(acme.member) == before
    assert mailbox == []


def test_api_key_cannot_reset(acme, token_client, mailbox):
    created = token_client(acme.owner, acme).post(
        f"/api/v1/organizations/{acme.pk}/api-keys", {"name": "ci", "scopes": ["members:read", "members:manage"]}
    )
    assert created.status_code == 201, created.content
    before = _state(acme.member)

    response = ApiClient().post(_api_url(acme, acme.member_row), HTTP_X_API_KEY=created.json()["key"])

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert _state(acme.member) == before
    assert mailbox == []


def test_api_key_scope_cannot_include_reset(acme, token_client):
    response = token_client(acme.owner, acme).post(
        f"/api/v1/organizations/{acme.pk}/api-keys", {"name": "ci", "scopes": ["members:reset_mfa"]}
    )

    assert response.status_code == 400
    assert "members:reset_mfa" in response.content.decode()
    with rls.bypass():
        assert not ApiKey.objects.filter(organization=acme).exists()
