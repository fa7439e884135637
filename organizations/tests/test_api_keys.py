"""API keys: shown once, stored as a digest, scoped, expiring, revocable, and recorded when used."""

import uuid
from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from audit.models import AuditEvent
from organizations import rls
from organizations.models import ApiKey
from plinto.testing.fixtures import ApiClient


def _create_key(owner, org, scopes=("members:read",), **extra):
    response = owner.post(f"/api/v1/organizations/{org.pk}/api-keys", {"name": "ci", "scopes": list(scopes), **extra})
    assert response.status_code == 201, response.content
    return response.json()


def test_key_is_shown_once_and_stored_as_digest(make_org, token_client):
    org = make_org(slug="acme")
    owner = token_client(org.owner, org)

    created = _create_key(owner, org)

    assert created["key"].startswith("plk_")
    assert created["prefix"] == created["key"][:10]
    with rls.bypass():
        row = ApiKey.objects.get()
    assert created["key"] not in row.key_hash
    listed = owner.get(f"/api/v1/organizations/{org.pk}/api-keys").json()["results"]
    assert "key" not in listed[0]
    assert listed[0]["id"] == created["id"]


def test_key_works_in_either_header(make_org, token_client):
    org = make_org(slug="acme")
    key = _create_key(token_client(org.owner, org), org)["key"]
    url = f"/api/v1/organizations/{org.pk}/members"

    by_header = ApiClient().get(url, HTTP_X_API_KEY=key)
    by_bearer = ApiClient().get(url, HTTP_AUTHORIZATION=f"Bearer {key}")

    assert by_header.status_code == 200
    assert by_bearer.status_code == 200


def test_key_is_limited_to_its_scopes(make_org, token_client):
    org = make_org(slug="acme")
    key = _create_key(token_client(org.owner, org), org, scopes=["members:read"])["key"]

    response = ApiClient().post(
        f"/api/v1/organizations/{org.pk}/invitations", {"email": "x@example.org"}, HTTP_X_API_KEY=key
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_key_cannot_reach_user_endpoints(make_org, token_client):
    org = make_org(slug="acme")
    key = _create_key(token_client(org.owner, org), org)["key"]

    response = ApiClient().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 401


def test_key_cannot_carry_reserved_scopes(make_org, add_member, token_client):
    org = make_org(slug="acme")
    owner = token_client(org.owner, org)

    reserved = owner.post(f"/api/v1/organizations/{org.pk}/api-keys", {"name": "k", "scopes": ["api_keys:manage"]})
    past = owner.post(
        f"/api/v1/organizations/{org.pk}/api-keys",
        {"name": "k", "scopes": ["audit:read"], "expires_at": (timezone.now() - timedelta(days=1)).isoformat()},
    )

    assert reserved.status_code == 400
    assert reserved.json()["errors"][0]["field"].startswith("scopes")
    assert past.status_code == 400
    assert past.json()["code"] == "invalid_expiry"
    with rls.bypass():
        assert ApiKey.objects.count() == 0


def test_revoked_expired_and_unknown_keys_are_refused(make_org, token_client):
    org = make_org(slug="acme")
    owner = token_client(org.owner, org)
    revoked = _create_key(owner, org)
    expiring = _create_key(owner, org)
    assert owner.delete(f"/api/v1/organizations/{org.pk}/api-keys/{revoked['id']}").status_code == 204
    with rls.bypass():
        ApiKey.objects.filter(pk=expiring["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))

    for key in (revoked["key"], expiring["key"], "plk_unknown", "plk_" + "x" * 200):
        response = ApiClient().get(f"/api/v1/organizations/{org.pk}/members", HTTP_X_API_KEY=key)
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_api_key"


def test_key_use_is_recorded_once_per_interval(make_org, token_client):
    org = make_org(slug="acme")
    key = _create_key(token_client(org.owner, org), org)

    for _ in range(3):
        ApiClient().get(f"/api/v1/organizations/{org.pk}/members", HTTP_X_API_KEY=key["key"])

    used = AuditEvent.objects.filter(action="api_key.used")
    assert used.count() == 1
    event = used.get()
    assert event.actor_type == "api_key"
    assert event.actor_id == key["id"]
    assert str(event.organization_id) == str(org.pk)
    assert key["key"] not in str(event.metadata)
    with rls.bypass():
        assert ApiKey.objects.get(pk=key["id"]).last_used_at is not None


def test_key_changes_name_key_as_actor(make_org, token_client, mailbox):
    org = make_org(slug="acme")
    key = _create_key(token_client(org.owner, org), org, scopes=["invitations:manage"])

    response = ApiClient().post(
        f"/api/v1/organizations/{org.pk}/invitations", {"email": "x@example.org"}, HTTP_X_API_KEY=key["key"]
    )

    assert response.status_code == 201
    event = AuditEvent.objects.get(action="invitation.created")
    assert (event.actor_type, event.actor_id) == ("api_key", key["id"])


def _revoke_through_service(owner, org, key):
    assert owner.delete(f"/api/v1/organizations/{org.pk}/api-keys/{key['id']}").status_code == 204


def _expire_through_model_save(owner, org, key):
    # A model save, as /admin/ does, rather than the revocation service.
    with rls.bypass(), TestCase.captureOnCommitCallbacks(execute=True):
        row = ApiKey.objects.get(pk=key["id"])
        row.expires_at = timezone.now() - timedelta(seconds=1)
        row.save()


@pytest.mark.parametrize("change", [_revoke_through_service, _expire_through_model_save])
def test_cached_key_stops_at_change(make_org, token_client, change):
    org = make_org(slug="acme")
    owner = token_client(org.owner, org)
    key = _create_key(owner, org)
    members = f"/api/v1/organizations/{org.pk}/members"
    # The first use caches the key row.
    assert ApiClient().get(members, HTTP_X_API_KEY=key["key"]).status_code == 200

    change(owner, org, key)

    response = ApiClient().get(members, HTTP_X_API_KEY=key["key"])
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key"


def test_changed_key_is_not_cached_again(make_org, token_client, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from organizations.services.api_keys import _cache_key, digest, find_usable_key

    org = make_org(slug="acme")
    key = _create_key(token_client(org.owner, org), org)
    with rls.bypass(), django_capture_on_commit_callbacks(execute=True):
        ApiKey.objects.get(pk=key["id"]).save()

    # While the marker is in the cache, a lookup reads the row and leaves the marker in place, so a
    # request that read the row before a revocation cannot cache the old row after it.
    assert find_usable_key(key["key"]).pk == uuid.UUID(key["id"])
    assert cache.get(_cache_key(digest(key["key"]))) == "changed"
