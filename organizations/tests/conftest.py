"""Factories for organizations, members and logins into an organization."""

import pytest

from organizations import rls
from organizations.models import Membership
from organizations.services.organizations import create_organization
from plinto.testing.fixtures import STRONG_PASSWORD, ApiClient


@pytest.fixture(autouse=True)
def _fresh_signing_keys():
    """Drop the process's cached signing keys, which may belong to a rolled-back test.

    Otherwise a test that crosses the cache's 60-second reload finds its tokens signed by a key
    that is no longer in the database, and they fail to verify.
    """
    from accounts.tokens.keys import invalidate

    invalidate()


@pytest.fixture
def make_org(db, make_user):
    """Create an organization with a fresh owner; keyword arguments set its other fields."""
    counter = iter(range(1, 10_000))

    def make(slug=None, owner=None, **fields):
        number = next(counter)
        owner = owner or make_user(email=f"owner-{number}-{slug or 'org'}@example.org")
        organization = create_organization(None, owner, name=f"Org {number}", slug=slug or f"org-{number}")
        if fields:
            for name, value in fields.items():
                setattr(organization, name, value)
            organization.save()
        organization.owner = owner
        return organization

    return make


@pytest.fixture
def add_member(make_user):
    """Create a user holding `role` in `organization`."""

    def add(organization, role="member", email=None):
        user = make_user(email=email)
        with rls.bypass():
            Membership.objects.create(organization=organization, user=user, role=role)
        return user

    return add


@pytest.fixture
def org_client(db):
    """Log in as `user` into `organization` and return an API client carrying the access token."""

    def client_for(user, organization):
        client = ApiClient()
        response = client.post(
            "/api/v1/auth/login", {"email": user.email, "password": STRONG_PASSWORD, "organization": organization.slug}
        )
        assert response.status_code == 200, response.content
        client.tokens = response.json()
        return client.bearer(client.tokens["access_token"])

    return client_for


@pytest.fixture
def token_client(db):
    """Like org_client, but starts the session directly, skipping the password hash of a login."""
    from django.test import RequestFactory

    from accounts.services.sessions import start_session

    def client_for(user, organization):
        request = RequestFactory().post("/api/v1/auth/login")
        _, tokens = start_session(request, user, amr=["pwd"], organization_id=organization.pk)
        client = ApiClient()
        client.tokens = tokens
        return client.bearer(tokens["access_token"])

    return client_for
