"""Organizations that allow only some authenticator models (AAGUIDs) as their members' passkeys."""

import uuid

import pytest

from accounts.passkeys.models import Passkey
from accounts.passkeys.tests import conftest as passkey_fixtures
from accounts.passkeys.tests.authenticator import Attestation, SoftAuthenticator
from audit.models import AuditEvent
from organizations import rls
from organizations.models import Membership, Organization
from organizations.services.organizations import set_status
from plinto.testing.fixtures import PageClient, page_login

# The passkey tests' relying party settings and their logged-in client and registration helper.
_relying_party = passkey_fixtures._relying_party
authenticator = passkey_fixtures.authenticator
register = passkey_fixtures.register
signed_in = passkey_fixtures.signed_in

OTHER_MODEL = "6028b017-b1d4-4c02-b4b3-afcdafc96bb2"
OPTIONS = "/api/v1/passkeys/register/options"
REGISTER = "/api/v1/passkeys/register"


@pytest.fixture
def attestation(settings, tmp_path):
    """A `packed` attestation for a new model, with its root CA as the platform's trusted root."""
    attestation = Attestation(aaguid=uuid.uuid4())
    roots = tmp_path / "roots.pem"
    roots.write_bytes(attestation.root_pem())
    settings.PASSKEY_ATTESTATION_ROOT_CERTS = str(roots)
    return attestation


@pytest.fixture
def restricted(make_org, add_member, attestation):
    """Organization acme allowing only the attested model, and one of its members."""
    org = make_org(slug="acme", passkey_allowed_aaguids=[str(attestation.aaguid)])
    org.member = add_member(org)
    return org


def _join(organization, user):
    with rls.bypass():
        Membership.objects.create(organization=organization, user=user, role="member")


def _assert_nothing_registered(mailbox):
    assert Passkey.objects.count() == 0
    assert not AuditEvent.objects.filter(action="passkey.registered").exists()
    assert mailbox == []


# Registration by members.


def test_member_without_attestation_rejected(restricted, signed_in, register, mailbox):
    client = signed_in(restricted.member)

    response = register(client)

    assert response.status_code == 400
    assert response.json()["code"] == "attestation_required"
    _assert_nothing_registered(mailbox)


def test_member_registers_allowed_model(restricted, signed_in, register, attestation):
    client = signed_in(restricted.member)

    options = client.post(OPTIONS).json()["public_key"]
    response = register(client, with_authenticator=SoftAuthenticator(attestation=attestation))

    assert options["attestation"] == "direct"
    assert response.status_code == 201, response.content
    passkey = Passkey.objects.get()
    assert passkey.user == restricted.member
    assert passkey.aaguid == str(attestation.aaguid)
    assert passkey.attestation_format == "packed"


def test_member_other_model_rejected(restricted, signed_in, register, settings, tmp_path, mailbox):
    other = Attestation(aaguid=uuid.UUID(OTHER_MODEL))
    roots = tmp_path / "both.pem"
    roots.write_bytes(other.root_pem() + open(settings.PASSKEY_ATTESTATION_ROOT_CERTS, "rb").read())
    settings.PASSKEY_ATTESTATION_ROOT_CERTS = str(roots)
    client = signed_in(restricted.member)

    response = register(client, with_authenticator=SoftAuthenticator(attestation=other))

    assert response.status_code == 400
    assert response.json()["code"] == "authenticator_not_allowed"
    _assert_nothing_registered(mailbox)


def test_member_untrusted_chain_rejected(restricted, signed_in, register, attestation, mailbox):
    forged = Attestation(aaguid=attestation.aaguid)
    client = signed_in(restricted.member)

    response = register(client, with_authenticator=SoftAuthenticator(attestation=forged))

    assert response.status_code == 400
    assert response.json()["code"] == "registration_failed"
    _assert_nothing_registered(mailbox)


def test_unrestricted_user_unaffected(restricted, make_org, add_member, make_user, signed_in, register):
    open_org = make_org(slug="open")
    for user in (add_member(open_org), make_user(email="solo@example.org")):
        client = signed_in(user)

        options = client.post(OPTIONS).json()["public_key"]
        response = register(client)

        assert options["attestation"] == "none"
        assert response.status_code == 201, response.content
    assert Passkey.objects.filter(attestation_format="none").count() == 2


def test_deactivated_organization_restricts_nothing(restricted, signed_in, register):
    set_status(restricted, Organization.Status.DEACTIVATED, actor=None)
    client = signed_in(restricted.member)

    response = register(client)

    assert response.status_code == 201, response.content


def test_every_organization_must_allow_model(restricted, make_org, signed_in, attestation, mailbox):
    other = make_org(slug="other", passkey_allowed_aaguids=[OTHER_MODEL])
    client = signed_in(restricted.member)
    options = client.post(OPTIONS).json()["public_key"]
    credential = SoftAuthenticator(attestation=attestation).create(options, origin=passkey_fixtures.ORIGIN)

    _join(other, restricted.member)
    response = client.post(REGISTER, {"credential": credential, "name": "Laptop"})
    new_options = client.post(OPTIONS)

    assert response.status_code == 403
    assert response.json()["code"] == "no_authenticator_allowed"
    assert new_options.status_code == 403
    assert new_options.json()["code"] == "no_authenticator_allowed"
    _assert_nothing_registered(mailbox)


def test_shared_model_satisfies_both_organizations(restricted, make_org, signed_in, register, attestation):
    other = make_org(slug="other", passkey_allowed_aaguids=[OTHER_MODEL, str(attestation.aaguid).upper()])
    _join(other, restricted.member)
    client = signed_in(restricted.member)

    response = register(client, with_authenticator=SoftAuthenticator(attestation=attestation))

    assert response.status_code == 201, response.content


def test_organization_cannot_widen_platform_list(restricted, signed_in, settings, mailbox):
    settings.PASSKEY_ALLOWED_AAGUIDS = [OTHER_MODEL]
    client = signed_in(restricted.member)

    response = client.post(OPTIONS)

    assert response.status_code == 403
    assert response.json()["code"] == "no_authenticator_allowed"
    _assert_nothing_registered(mailbox)


# The setting through the API.


def test_owner_sets_allowed_models(make_org, token_client):
    org = make_org(slug="acme")
    owner = token_client(org.owner, org)
    upper = OTHER_MODEL.upper()

    response = owner.patch(
        f"/api/v1/organizations/{org.pk}", {"passkey_allowed_aaguids": [upper, OTHER_MODEL]}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["passkey_allowed_aaguids"] == [OTHER_MODEL]
    assert Organization.objects.get(pk=org.pk).passkey_allowed_aaguids == [OTHER_MODEL]
    event = AuditEvent.objects.get(action="organization.updated")
    assert event.metadata["fields"] == ["passkey_allowed_aaguids"]
    assert owner.get(f"/api/v1/organizations/{org.pk}").json()["passkey_allowed_aaguids"] == [OTHER_MODEL]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (["not-a-uuid"], "invalid_aaguid"),
        ([OTHER_MODEL, "6028b017"], "invalid_aaguid"),
        ([str(uuid.uuid4()) for _ in range(51)], "validation_failed"),
        (OTHER_MODEL, "validation_failed"),
    ],
)
def test_invalid_allowed_models_rejected(make_org, token_client, value, code):
    org = make_org(slug="acme")
    owner = token_client(org.owner, org)

    response = owner.patch(f"/api/v1/organizations/{org.pk}", {"passkey_allowed_aaguids": value}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert body["errors"][0]["field"].split("[")[0] == "passkey_allowed_aaguids"
    assert Organization.objects.get(pk=org.pk).passkey_allowed_aaguids == []
    assert not AuditEvent.objects.filter(action="organization.updated").exists()


def test_member_cannot_set_allowed_models(make_org, add_member, token_client):
    org = make_org(slug="acme")
    member = token_client(add_member(org), org)

    response = member.patch(
        f"/api/v1/organizations/{org.pk}", {"passkey_allowed_aaguids": [OTHER_MODEL]}, format="json"
    )

    assert response.status_code == 403
    assert Organization.objects.get(pk=org.pk).passkey_allowed_aaguids == []
    assert not AuditEvent.objects.filter(action="organization.updated").exists()


# The setting through the console.


def _console_body(organization, aaguids):
    return {
        "name": organization.name,
        "allowed_login_methods": organization.allowed_login_methods,
        "passkey_allowed_aaguids": aaguids,
    }


def test_console_saves_allowed_models(make_org, add_member):
    org = make_org(slug="acme")
    admin = add_member(org, role="admin")
    browser = page_login(PageClient(), admin)
    second = str(uuid.uuid4())

    page = browser.get(f"/console/{org.pk}/settings")
    response = browser.post(f"/console/{org.pk}/settings", _console_body(org, f"{OTHER_MODEL.upper()}\n\n{second}\n"))

    assert "Allowed passkey models (AAGUIDs)" in page.content.decode()
    assert response.status_code == 302
    assert Organization.objects.get(pk=org.pk).passkey_allowed_aaguids == [OTHER_MODEL, second]
    event = AuditEvent.objects.get(action="organization.updated")
    assert event.metadata["fields"] == ["passkey_allowed_aaguids"]
    saved_page = browser.get(f"/console/{org.pk}/settings").content.decode()
    assert f"{OTHER_MODEL}\n{second}" in saved_page


def test_console_invalid_model_changes_nothing(make_org, add_member):
    org = make_org(slug="acme")
    admin = add_member(org, role="admin")
    browser = page_login(PageClient(), admin)

    response = browser.post(f"/console/{org.pk}/settings", _console_body(org, f"{OTHER_MODEL}\nyubikey"))

    assert response.status_code == 400
    assert "&#x27;yubikey&#x27; is not an AAGUID" in response.content.decode()
    assert Organization.objects.get(pk=org.pk).passkey_allowed_aaguids == []
    assert not AuditEvent.objects.filter(action="organization.updated").exists()
