"""Logging in to an organization, its claims, switching, and deactivation (case M2)."""

import jwt
import pytest
from django.core.cache import cache

from accounts.mfa.tests.conftest import totp_code
from accounts.models import Session
from audit.models import AuditEvent
from organizations import rls
from organizations.models import Membership, Organization
from organizations.services.sessions import check_organization_policy
from plinto.api_errors import ApiError
from plinto.testing.fixtures import STRONG_PASSWORD, ApiClient


def _claims(access_token):
    return jwt.decode(access_token, options={"verify_signature": False})


def _login(api, user, organization):
    return api.post(
        "/api/v1/auth/login", {"email": user.email, "password": STRONG_PASSWORD, "organization": organization}
    )


def test_login_names_organization_in_claims(make_org, api):
    org = make_org(slug="acme")

    by_slug = _login(api, org.owner, "ACME")
    by_id = _login(api, org.owner, str(org.pk))

    for response in (by_slug, by_id):
        assert response.status_code == 200, response.content
        claims = _claims(response.json()["access_token"])
        assert claims["org"] == str(org.pk)
        assert claims["roles"] == ["owner"]
    assert Session.objects.filter(organization_id=org.pk).count() == 2


def test_login_without_organization_has_no_org_claim(make_org, api):
    org = make_org(slug="acme")

    response = api.post("/api/v1/auth/login", {"email": org.owner.email, "password": STRONG_PASSWORD})

    claims = _claims(response.json()["access_token"])
    assert claims["org"] is None
    assert claims["roles"] == []


def test_login_into_foreign_or_missing_organization_is_refused(make_org, api):
    mine, other = make_org(slug="mine"), make_org(slug="other")

    foreign = _login(api, mine.owner, "other")
    missing = _login(api, mine.owner, "no-such-org")

    assert foreign.status_code == missing.status_code == 403
    assert foreign.json() == missing.json()
    assert foreign.json()["code"] == "organization_access_denied"
    assert Session.objects.count() == 0
    refused = AuditEvent.objects.filter(action="login.refused", actor_id=str(mine.owner.pk))
    assert refused.count() == 2
    assert refused.first().metadata == {"reason": "organization_access_denied"}
    assert other.pk


def test_login_method_not_allowed_is_refused(make_org, api):
    org = make_org(slug="acme", allowed_login_methods=["sso"])

    response = _login(api, org.owner, "acme")

    assert response.status_code == 403
    assert response.json()["code"] == "login_method_not_allowed"
    assert Session.objects.count() == 0


def test_mfa_required_sends_user_without_factor_to_enrollment(make_org, api):
    org = make_org(slug="acme", require_mfa=True)

    response = _login(api, org.owner, "acme")

    assert response.status_code == 200
    body = response.json()
    assert body["mfa_required"] is True
    assert body["enrollment_required"] is True
    assert "access_token" not in body
    assert Session.objects.count() == 0


def test_mfa_required_login_completes_after_enrollment(make_org, api):
    org = make_org(slug="acme", require_mfa=True)
    token = _login(api, org.owner, "acme").json()["mfa_token"]

    setup = api.post("/api/v1/auth/mfa/enroll", {"mfa_token": token, "method": "totp"})
    verified = api.post(
        "/api/v1/auth/mfa/verify", {"mfa_token": token, "method": "totp", "code": totp_code(setup.json()["secret"])}
    )

    assert verified.status_code == 200, verified.content
    session = Session.objects.get()
    assert session.organization_id == org.pk
    assert "mfa" in session.amr


def test_policy_refuses_single_factor_login_into_mfa_org(make_org):
    org = make_org(slug="acme", require_mfa=True)

    # A door that skipped the MFA step (its amr names one method) is still refused here.
    with pytest.raises(ApiError) as refused:
        check_organization_policy(org, org.owner, ["pwd"])

    assert refused.value.code == "mfa_required"
    assert Session.objects.count() == 0


def test_organization_session_lifetime_shortens_session(make_org, api):
    org = make_org(slug="acme", session_lifetime=3600)

    assert _login(api, org.owner, "acme").status_code == 200

    session = Session.objects.get()
    assert 3590 <= (session.expires_at - session.created_at).total_seconds() <= 3600


def test_role_change_reaches_token_at_refresh(make_org, add_member, org_client, api):
    org = make_org(slug="acme")
    member = add_member(org)
    client = org_client(member, org)
    assert _claims(client.tokens["access_token"])["roles"] == ["member"]
    with rls.bypass():
        Membership.objects.filter(user=member).update(role="admin")

    response = api.post("/api/v1/auth/refresh", {"refresh_token": client.tokens["refresh_token"]})

    assert response.status_code == 200
    assert _claims(response.json()["access_token"])["roles"] == ["admin"]


def test_member_removal_ends_sessions_in_that_organization(make_org, add_member, org_client, login, api):
    org, elsewhere = make_org(slug="acme"), make_org(slug="elsewhere")
    member = add_member(org)
    with rls.bypass():
        Membership.objects.create(organization=elsewhere, user=member, role="member")
    in_org = org_client(member, org)
    in_other = org_client(member, elsewhere)
    owner = org_client(org.owner, org)
    with rls.bypass():
        membership = Membership.objects.get(organization=org, user=member)

    assert owner.delete(f"/api/v1/organizations/{org.pk}/members/{membership.pk}").status_code == 204

    assert in_org.get("/api/v1/me").status_code == 401
    refresh = api.post("/api/v1/auth/refresh", {"refresh_token": in_org.tokens["refresh_token"]})
    assert refresh.status_code == 401
    assert in_other.get("/api/v1/me").status_code == 200
    assert AuditEvent.objects.filter(action="membership.removed", organization_id=org.pk).count() == 1


def test_switch_organization_keeps_login_facts(make_org, add_member, org_client):
    first, second = make_org(slug="first"), make_org(slug="second")
    member = add_member(first, role="admin")
    with rls.bypass():
        Membership.objects.create(organization=second, user=member, role="member")
    client = org_client(member, first)
    old_session = Session.objects.get(organization_id=first.pk)

    response = client.post("/api/v1/auth/switch-organization", {"organization": "second"})

    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    claims = _claims(response.json()["access_token"])
    assert claims["org"] == str(second.pk)
    assert claims["roles"] == ["member"]
    new_session = Session.objects.get(pk=claims["sid"])
    assert new_session.auth_time == old_session.auth_time
    assert new_session.amr == old_session.amr
    assert new_session.expires_at <= old_session.expires_at
    old_session.refresh_from_db()
    assert old_session.revoked_reason == "organization_switch"
    assert client.get("/api/v1/me").status_code == 401


def test_switch_to_foreign_organization_is_refused(make_org, org_client):
    mine, other = make_org(slug="mine"), make_org(slug="other")
    client = org_client(mine.owner, mine)

    response = client.post("/api/v1/auth/switch-organization", {"organization": str(other.pk)})

    assert response.status_code == 403
    assert response.json()["code"] == "organization_access_denied"
    assert Session.objects.filter(user=mine.owner).count() == 1
    assert Session.objects.get(user=mine.owner).is_active


def test_deactivated_organization_stops_logins_tokens_and_keys(make_org, add_member, org_client, api):
    org = make_org(slug="acme")
    member = add_member(org)
    member_client = org_client(member, org)
    owner = org_client(org.owner, org)
    created = owner.post(f"/api/v1/organizations/{org.pk}/api-keys", {"name": "ci", "scopes": ["members:read"]})
    key = created.json()["key"]

    assert owner.post(f"/api/v1/organizations/{org.pk}/deactivate").status_code == 204

    assert member_client.get("/api/v1/me").status_code == 401
    refresh = api.post("/api/v1/auth/refresh", {"refresh_token": member_client.tokens["refresh_token"]})
    assert refresh.status_code == 401
    login = _login(api, member, "acme")
    assert login.status_code == 403
    assert login.json()["code"] == "organization_deactivated"
    with_key = ApiClient().get(f"/api/v1/organizations/{org.pk}/members", HTTP_X_API_KEY=key)
    assert with_key.status_code == 401
    assert with_key.json()["code"] == "invalid_api_key"


def test_deactivated_status_blocks_tokens_even_with_sessions_left(make_org, org_client, api):
    org = make_org(slug="acme")
    client = org_client(org.owner, org)
    # A status change made outside the services (a database edit) revokes no session. The
    # per-request check still stops the token once the cached status expires or is dropped.
    Organization.objects.filter(pk=org.pk).update(status="deactivated")
    cache.delete(f"org-status:{org.pk}")

    me = client.get("/api/v1/me")
    refresh = api.post("/api/v1/auth/refresh", {"refresh_token": client.tokens["refresh_token"]})

    assert me.status_code == 401
    assert me.json()["code"] == "organization_deactivated"
    assert refresh.status_code == 401
    assert refresh.json()["code"] == "organization_deactivated"


def test_member_cannot_deactivate_organization(make_org, add_member, org_client):
    org = make_org(slug="acme")
    admin = org_client(add_member(org, role="admin"), org)

    response = admin.post(f"/api/v1/organizations/{org.pk}/deactivate")

    assert response.status_code == 403
    org.refresh_from_db()
    assert org.status == "active"


def test_login_event_carries_organization(make_org, api):
    org = make_org(slug="acme")

    assert _login(api, org.owner, "acme").status_code == 200

    event = AuditEvent.objects.get(action="login.succeeded")
    assert event.organization_id == org.pk
