"""Domain verification against a DNS server on loopback, and auto-join on email verification."""

import pytest

from accounts.models import User
from organizations import rls
from organizations.models import Domain, Membership
from organizations.services.domains import normalize_domain
from plinto.api_errors import ApiError
from plinto.testing.fixtures import STRONG_PASSWORD, link_in

from .dns_server import LoopbackDnsServer


@pytest.fixture
def dns_server(settings):
    server = LoopbackDnsServer().start()
    settings.DNS_RESOLVER = server.address
    settings.DNS_TIMEOUT = 2.0
    yield server
    server.stop()


def _add_domain(client, org, name):
    response = client.post(f"/api/v1/organizations/{org.pk}/domains", {"domain": name})
    assert response.status_code == 201, response.content
    return response.json()


def test_domain_verifies_with_txt_record(make_org, org_client, dns_server):
    org = make_org(slug="acme")
    owner = org_client(org.owner, org)
    domain = _add_domain(owner, org, "Acme.Example")
    assert domain["record_name"] == "_plinto-verification.acme.example"
    dns_server.records[domain["record_name"]] = ["unrelated=1", domain["record_value"]]

    response = owner.post(f"/api/v1/organizations/{org.pk}/domains/{domain['id']}/verify")

    assert response.status_code == 200, response.content
    assert response.json()["verified"] is True
    assert dns_server.queries == ["_plinto-verification.acme.example"]


def test_domain_without_record_stays_unverified(make_org, org_client, dns_server):
    org = make_org(slug="acme")
    owner = org_client(org.owner, org)
    domain = _add_domain(owner, org, "acme.example")
    dns_server.records[domain["record_name"]] = ["plinto-verification=someone-elses-token"]

    wrong = owner.post(f"/api/v1/organizations/{org.pk}/domains/{domain['id']}/verify")
    dns_server.records.clear()
    missing = owner.post(f"/api/v1/organizations/{org.pk}/domains/{domain['id']}/verify")

    for response in (wrong, missing):
        assert response.status_code == 400
        assert response.json()["code"] == "verification_record_missing"
    with rls.bypass():
        assert Domain.objects.get().verified_at is None


def test_unreachable_resolver_answers_503(make_org, org_client, settings):
    org = make_org(slug="acme")
    owner = org_client(org.owner, org)
    domain = _add_domain(owner, org, "acme.example")
    settings.DNS_RESOLVER = "127.0.0.1:9"  # nothing listens on the discard port
    settings.DNS_TIMEOUT = 0.5

    response = owner.post(f"/api/v1/organizations/{org.pk}/domains/{domain['id']}/verify")

    assert response.status_code == 503
    assert response.json()["code"] == "dns_lookup_failed"


def test_domain_verified_by_one_organization_only(make_org, org_client, dns_server):
    first, second = make_org(slug="first"), make_org(slug="second")
    for org in (first, second):
        client = org_client(org.owner, org)
        domain = _add_domain(client, org, "shared.example")
        dns_server.records.setdefault(domain["record_name"], []).append(domain["record_value"])
        org.client, org.domain = client, domain

    assert first.client.post(f"/api/v1/organizations/{first.pk}/domains/{first.domain['id']}/verify").status_code == 200
    response = second.client.post(f"/api/v1/organizations/{second.pk}/domains/{second.domain['id']}/verify")

    assert response.status_code == 409
    assert response.json()["code"] == "domain_verified_elsewhere"


@pytest.mark.parametrize("value", ["", "https://acme.example/x", "acme", "-bad.example", "a..example", "_x.example"])
def test_invalid_domain_names_are_rejected(value):
    with pytest.raises(ApiError) as raised:
        normalize_domain(value)
    assert raised.value.code == "invalid_domain"


def test_unicode_domain_is_stored_in_idna_form():
    assert normalize_domain("Bücher.Example.") == "xn--bcher-kva.example"


def _register_and_verify(api, mailbox, email):
    response = api.post("/api/v1/auth/register", {"email": email, "password": STRONG_PASSWORD})
    assert response.status_code == 202
    token = link_in(mailbox[-1], "/verify-email")
    assert api.post("/api/v1/auth/verify-email", {"token": token}).status_code == 200
    return User.objects.get(email_key=email.lower())


def _verified_domain(org, name):
    from django.utils import timezone

    with rls.bypass():
        Domain.objects.create(organization=org, domain=name, verification_token="t", verified_at=timezone.now())


def test_verified_domain_auto_joins_on_email_verification(make_org, api, mailbox):
    org = make_org(slug="acme", auto_join_verified_domains=True)
    _verified_domain(org, "acme.example")

    response = api.post("/api/v1/auth/register", {"email": "joe@acme.example", "password": STRONG_PASSWORD})
    assert response.status_code == 202
    user = User.objects.get(email_key="joe@acme.example")
    with rls.bypass():
        assert not Membership.objects.filter(user=user).exists()

    api.post("/api/v1/auth/verify-email", {"token": link_in(mailbox[-1], "/verify-email")})

    with rls.bypass():
        assert Membership.objects.get(user=user).role == "member"


def test_no_auto_join_when_organization_disallows_it(make_org, api, mailbox):
    org = make_org(slug="acme", auto_join_verified_domains=False)
    _verified_domain(org, "acme.example")

    user = _register_and_verify(api, mailbox, "joe@acme.example")

    with rls.bypass():
        assert not Membership.objects.filter(user=user).exists()


def test_no_auto_join_for_unverified_domain(make_org, api, mailbox):
    org = make_org(slug="acme", auto_join_verified_domains=True)
    with rls.bypass():
        Domain.objects.create(organization=org, domain="acme.example", verification_token="t")

    user = _register_and_verify(api, mailbox, "joe@acme.example")

    with rls.bypass():
        assert not Membership.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("value", "valid"),
    [("", True), ("127.0.0.1:53", True), ("[::1]:5353", True), ("dns.example:53", False), ("127.0.0.1", False)],
)
def test_dns_resolver_setting_is_checked(settings, value, valid):
    from organizations.checks import check_dns_resolver

    settings.DNS_RESOLVER = value

    errors = check_dns_resolver(None)

    assert [error.id for error in errors] == ([] if valid else ["plinto.E101"])
