"""The benchmark seeds write rows the application accepts: a valid audit chain, working credentials."""

import pytest
from django.db import connection

from accounts.passkeys.tests.authenticator import SoftAuthenticator
from audit.chain import verify
from audit.models import AuditEvent
from bench import seed_audit, seed_org, seed_passkeys
from organizations import rls
from organizations.models import Membership


@pytest.fixture
def postgresql_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("bench.seed_audit loads events with PostgreSQL's COPY; set DATABASE_URL to run this test")


def test_audit_seed_chain_verifies(postgresql_only):
    seeded = seed_audit.seed(50)

    assert seeded["reused"] is False
    assert AuditEvent.objects.filter(organization_id=seeded["organization_id"]).count() == 50
    assert verify(seeded["organization_id"]) == []


def test_audit_seed_rerun_reuses_or_replaces(postgresql_only):
    first = seed_audit.seed(40)

    again = seed_audit.seed(40)
    replaced = seed_audit.seed(25)

    assert again["reused"] is True
    assert replaced["reused"] is False
    assert replaced["organization_id"] == first["organization_id"]
    assert AuditEvent.objects.filter(organization_id=first["organization_id"]).count() == 25
    assert verify(first["organization_id"]) == []


def test_org_seed_credentials_list_members(api):
    seed_org.seed(5)
    seeded = seed_org.seed(3)
    members = f"/api/v1/organizations/{seeded['organization_id']}/members"

    by_token = api.bearer(seeded["access"]).get(members)
    api.credentials(HTTP_X_API_KEY=seeded["api_key"])
    by_key = api.get(members)

    assert by_token.status_code == 200, by_token.content
    assert len(by_token.json()["results"]) == 3
    assert by_key.status_code == 200, by_key.content
    assert len(by_key.json()["results"]) == 3
    with rls.bypass():
        assert Membership.objects.count() == 3


def test_passkey_seed_signs_in_twice(api, settings):
    settings.PASSKEY_RP_ID = "localhost"
    settings.PASSKEY_ORIGINS = ["http://localhost"]
    seeded = seed_passkeys.seed(2)
    authenticator = SoftAuthenticator()
    credential = seed_passkeys.load_credentials(seeded)[1]

    statuses = []
    for _ in range(2):
        options = api.post("/api/v1/passkeys/authenticate/options").json()["public_key"]
        assertion = authenticator.get(options, origin=seeded["origin"], credential=credential)
        statuses.append(api.post("/api/v1/passkeys/authenticate", {"credential": assertion}).status_code)

    assert statuses == [200, 200]
