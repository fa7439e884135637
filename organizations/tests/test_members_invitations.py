"""Memberships, the last-owner rule, and invitations for new and existing users."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from organizations import rls
from organizations.models import Invitation, Membership
from organizations.roles import Permission, Role, permissions_of
from plinto.testing.fixtures import STRONG_PASSWORD, ApiClient


def _members_url(org, membership_id=None):
    base = f"/api/v1/organizations/{org.pk}/members"
    return f"{base}/{membership_id}" if membership_id else base


def _membership(org, user):
    with rls.bypass():
        return Membership.objects.get(organization=org, user=user)


def test_roles_are_permission_sets():
    assert Permission.OWNERS_MANAGE in permissions_of(Role.OWNER)
    assert Permission.OWNERS_MANAGE not in permissions_of(Role.ADMIN)
    assert Permission.MEMBERS_MANAGE in permissions_of(Role.ADMIN)
    assert permissions_of(Role.MEMBER) == {Permission.ORGANIZATION_READ, Permission.MEMBERS_READ}
    assert permissions_of("superhero") == frozenset()


def test_last_owner_cannot_be_demoted(make_org, org_client):
    org = make_org(slug="acme")
    owner = org_client(org.owner, org)
    membership = _membership(org, org.owner)

    response = owner.patch(_members_url(org, membership.pk), {"role": "member"})

    assert response.status_code == 409
    assert response.json()["code"] == "last_owner"
    assert _membership(org, org.owner).role == Role.OWNER


def test_last_owner_cannot_be_removed(make_org, org_client):
    org = make_org(slug="acme")
    owner = org_client(org.owner, org)
    membership = _membership(org, org.owner)

    response = owner.delete(_members_url(org, membership.pk))

    assert response.status_code == 409
    assert response.json()["code"] == "last_owner"
    assert _membership(org, org.owner).role == Role.OWNER


def test_owner_steps_down_after_naming_another(make_org, add_member, org_client):
    org = make_org(slug="acme")
    second = add_member(org, role="owner")
    owner = org_client(org.owner, org)

    response = owner.patch(_members_url(org, _membership(org, org.owner).pk), {"role": "admin"})

    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    assert _membership(org, second).role == Role.OWNER


def test_admin_cannot_touch_owner(make_org, add_member, org_client):
    org = make_org(slug="acme")
    admin = add_member(org, role="admin")
    client = org_client(admin, org)
    owner_membership = _membership(org, org.owner)

    demote = client.patch(_members_url(org, owner_membership.pk), {"role": "member"})
    promote = client.patch(_members_url(org, _membership(org, admin).pk), {"role": "owner"})

    assert demote.status_code == 403
    assert demote.json()["code"] == "permission_denied"
    assert promote.status_code == 403
    assert _membership(org, org.owner).role == Role.OWNER
    assert _membership(org, admin).role == Role.ADMIN


def test_unknown_role_is_rejected(make_org, add_member, org_client):
    org = make_org(slug="acme")
    member = add_member(org)
    owner = org_client(org.owner, org)

    response = owner.patch(_members_url(org, _membership(org, member).pk), {"role": "superhero"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "role"
    assert _membership(org, member).role == Role.MEMBER


def _invite(client, org, email, role="member"):
    response = client.post(f"/api/v1/organizations/{org.pk}/invitations", {"email": email, "role": role})
    assert response.status_code == 201, response.content
    return response.json()


def _token_from(mailbox):
    body = mailbox[-1].body
    return body.split("/invitations/accept?token=")[1].split()[0]


def test_new_user_accepts_invitation(make_org, org_client, mailbox, api):
    org = make_org(slug="acme", password_min_length=14)
    owner = org_client(org.owner, org)
    _invite(owner, org, "Newcomer@Example.org", role="admin")
    assert mailbox[-1].to == ["Newcomer@Example.org"]
    token = _token_from(mailbox)
    with rls.bypass():
        assert Invitation.objects.get().token_hash != token

    too_short = api.post("/api/v1/invitations/register", {"token": token, "password": "Aa1!aaaaaaaaa"})
    assert too_short.status_code == 400
    assert User.objects.filter(email_key="newcomer@example.org").count() == 0

    response = api.post("/api/v1/invitations/register", {"token": token, "password": STRONG_PASSWORD})

    assert response.status_code == 201, response.content
    assert response.json()["role"] == "admin"
    user = User.objects.get(email_key="newcomer@example.org")
    assert user.email_verified is True
    assert _membership(org, user).role == Role.ADMIN

    again = api.post("/api/v1/invitations/register", {"token": token, "password": STRONG_PASSWORD})
    assert again.status_code == 400
    assert again.json()["code"] == "invitation_invalid"


def test_existing_user_accepts_invitation(make_org, make_user, org_client, login, mailbox):
    org = make_org(slug="acme")
    invited = make_user(email="pat@example.org")
    _invite(org_client(org.owner, org), org, "PAT@example.org")
    token = _token_from(mailbox)
    client = ApiClient().bearer(login("pat@example.org")["access_token"])

    response = client.post("/api/v1/invitations/accept", {"token": token})

    assert response.status_code == 200, response.content
    assert _membership(org, invited).role == Role.MEMBER
    with rls.bypass():
        assert Invitation.objects.get().accepted_by == invited


def test_invitation_for_another_address_is_refused(make_org, make_user, org_client, login, mailbox):
    org = make_org(slug="acme")
    make_user(email="pat@example.org")
    intruder = make_user(email="eve@example.org")
    _invite(org_client(org.owner, org), org, "pat@example.org")
    token = _token_from(mailbox)
    client = ApiClient().bearer(login("eve@example.org")["access_token"])
    events_before = AuditEvent.objects.count()

    response = client.post("/api/v1/invitations/accept", {"token": token})

    assert response.status_code == 403
    assert response.json()["code"] == "invitation_other_address"
    with rls.bypass():
        assert not Membership.objects.filter(user=intruder).exists()
        assert Invitation.objects.get().accepted_at is None
    assert AuditEvent.objects.count() == events_before


def test_expired_and_revoked_invitations_are_refused(make_org, org_client, mailbox, api):
    org = make_org(slug="acme")
    owner = org_client(org.owner, org)
    expired = _invite(owner, org, "late@example.org")
    expired_token = _token_from(mailbox)
    revoked = _invite(owner, org, "gone@example.org")
    revoked_token = _token_from(mailbox)
    with rls.bypass():
        Invitation.objects.filter(pk=expired["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert owner.delete(f"/api/v1/organizations/{org.pk}/invitations/{revoked['id']}").status_code == 204

    for token in (expired_token, revoked_token, "pli_" + "0" * 64, "garbage"):
        response = api.post("/api/v1/invitations/register", {"token": token, "password": STRONG_PASSWORD})
        assert response.status_code == 400
        assert response.json()["code"] == "invitation_invalid"
    assert not User.objects.filter(email_key__in=["late@example.org", "gone@example.org"]).exists()


def test_invitation_expires_after_seven_days(make_org, org_client, mailbox):
    org = make_org(slug="acme")
    body = _invite(org_client(org.owner, org), org, "pat@example.org")

    with rls.bypass():
        invitation = Invitation.objects.get(pk=body["id"])
    lifetime = invitation.expires_at - invitation.created_at
    assert timedelta(days=7) - timedelta(seconds=5) < lifetime <= timedelta(days=7)


def test_second_pending_invitation_to_same_address_conflicts(make_org, org_client, mailbox):
    org = make_org(slug="acme")
    owner = org_client(org.owner, org)
    _invite(owner, org, "pat@example.org")

    response = owner.post(f"/api/v1/organizations/{org.pk}/invitations", {"email": "Pat@example.org"})

    assert response.status_code == 409
    assert response.json()["code"] == "invitation_pending"
    with rls.bypass():
        assert Invitation.objects.count() == 1


def test_admin_cannot_invite_an_owner(make_org, add_member, org_client, mailbox):
    org = make_org(slug="acme")
    admin = org_client(add_member(org, role="admin"), org)

    response = admin.post(f"/api/v1/organizations/{org.pk}/invitations", {"email": "boss@example.org", "role": "owner"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    with rls.bypass():
        assert Invitation.objects.count() == 0
    assert mailbox == []


def test_organization_password_minimum_applies_to_members(make_org, add_member, login):
    org = make_org(slug="acme", password_min_length=30)
    member = add_member(org)
    client = ApiClient().bearer(login(member.email)["access_token"])

    response = client.post(
        "/api/v1/auth/password/change",
        {"current_password": STRONG_PASSWORD, "new_password": "Another-Strong-42-password"},
    )

    assert response.status_code == 400
    assert "at least 30 characters" in response.json()["detail"]
    member.refresh_from_db()
    assert member.check_password(STRONG_PASSWORD)


def test_members_pages_match_serializer(make_org, add_member, token_client):
    from organizations.api.serializers import MembershipSerializer

    org = make_org(slug="acme")
    added = [add_member(org, email=f"member-{i}@example.org") for i in range(5)]
    owner = token_client(org.owner, org)

    first = owner.get(_members_url(org) + "?page_size=4").json()
    second = owner.get(first["next"]).json()

    assert second["next"] is None
    rows = first["results"] + second["results"]
    assert [row["user_id"] for row in rows] == [str(org.owner.pk)] + [str(user.pk) for user in added]
    with rls.bypass():
        expected = MembershipSerializer(Membership.objects.filter(organization=org).select_related("user"), many=True)
        assert rows == expected.data
