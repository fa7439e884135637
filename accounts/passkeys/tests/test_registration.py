"""Registering a passkey through the API."""

import uuid
from datetime import timedelta

from accounts.models import Session
from accounts.passkeys import challenges
from accounts.passkeys.models import Passkey
from audit.models import AuditEvent

from .authenticator import Attestation, SoftAuthenticator
from .conftest import ORIGIN, RP_ID

REGISTER = "/api/v1/passkeys/register"
OPTIONS = "/api/v1/passkeys/register/options"


def test_options_ask_for_discoverable_verified_credential(client, passkey):
    response = client.post(OPTIONS)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    options = response.json()["public_key"]
    assert options["rp"] == {"id": RP_ID, "name": "Plinto"}
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["attestation"] == "none"
    assert [c["id"] for c in options["excludeCredentials"]] == [Passkey.objects.get().credential_id]
    assert options["timeout"] == 300_000


def test_register_stores_passkey_and_notifies(client, register, user, mailbox):
    response = register(client, name="Work laptop")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Work laptop"
    assert body["transports"] == ["internal"]
    passkey = Passkey.objects.get()
    assert str(passkey.pk) == body["id"]
    assert passkey.user == user
    assert passkey.sign_count == 0
    assert passkey.aaguid == "00000000-0000-0000-0000-000000000000"
    assert passkey.attestation_format == "none"
    assert AuditEvent.objects.filter(action="passkey.registered", target_id=str(passkey.pk)).exists()
    assert [m.subject for m in mailbox] == ["A passkey was added to your account"]
    assert mailbox[0].to == [user.email]


def test_register_needs_login(anonymous):
    response = anonymous.post(OPTIONS)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def _assert_nothing_registered(mailbox):
    assert Passkey.objects.count() == 0
    assert not AuditEvent.objects.filter(action="passkey.registered").exists()
    assert mailbox == []


def test_register_wrong_origin_rejected(client, register, mailbox):
    response = register(client, origin="https://plinto.test.evil.example")

    assert response.status_code == 400
    assert response.json()["code"] == "origin_not_allowed"
    _assert_nothing_registered(mailbox)


def test_register_origin_matched_exactly(client, register, mailbox):
    response = register(client, origin=ORIGIN + "/")

    assert response.status_code == 400
    assert response.json()["code"] == "origin_not_allowed"
    _assert_nothing_registered(mailbox)


def test_register_wrong_rp_id_hash_rejected(client, register, mailbox):
    response = register(client, rp_id="evil.example")

    assert response.status_code == 400
    assert response.json()["code"] == "rp_id_mismatch"
    _assert_nothing_registered(mailbox)


def test_register_replayed_challenge_rejected(client, authenticator, mailbox):
    options = client.post(OPTIONS).json()["public_key"]
    first = client.post(REGISTER, {"credential": authenticator.create(options, origin=ORIGIN)})
    assert first.status_code == 201
    mailbox.clear()

    replay = client.post(REGISTER, {"credential": authenticator.create(options, origin=ORIGIN)})

    assert replay.status_code == 400
    assert replay.json()["code"] == "challenge_invalid"
    assert Passkey.objects.count() == 1
    assert mailbox == []


def test_register_expired_challenge_rejected(client, authenticator, mailbox, monkeypatch):
    options = client.post(OPTIONS).json()["public_key"]
    issued = challenges._now()
    monkeypatch.setattr(challenges, "_now", lambda: issued + challenges.CHALLENGE_LIFETIME + 1)

    response = client.post(REGISTER, {"credential": authenticator.create(options, origin=ORIGIN)})

    assert response.status_code == 400
    assert response.json()["code"] == "challenge_expired"
    _assert_nothing_registered(mailbox)


def test_register_unknown_challenge_rejected(client, authenticator, mailbox):
    options = client.post(OPTIONS).json()["public_key"]

    response = client.post(REGISTER, {"credential": authenticator.create(options, origin=ORIGIN, challenge="AAAA")})

    assert response.status_code == 400
    assert response.json()["code"] == "challenge_invalid"
    _assert_nothing_registered(mailbox)


def test_register_challenge_bound_to_session(user, signed_in, authenticator, mailbox):
    first, second = signed_in(user), signed_in(user)
    options = first.post(OPTIONS).json()["public_key"]

    response = second.post(REGISTER, {"credential": authenticator.create(options, origin=ORIGIN)})

    assert response.status_code == 400
    assert response.json()["code"] == "challenge_invalid"
    _assert_nothing_registered(mailbox)


def test_register_authentication_challenge_rejected(client, anonymous, authenticator, mailbox):
    options = client.post(OPTIONS).json()["public_key"]
    other = anonymous.post("/api/v1/passkeys/authenticate/options").json()["public_key"]

    credential = authenticator.create(options, origin=ORIGIN, challenge=other["challenge"])
    response = client.post(REGISTER, {"credential": credential})

    assert response.status_code == 400
    assert response.json()["code"] == "challenge_invalid"
    _assert_nothing_registered(mailbox)


def test_register_without_user_verification_rejected(client, register, mailbox):
    response = register(client, with_authenticator=SoftAuthenticator(user_verified=False))

    assert response.status_code == 401
    assert response.json()["code"] == "user_verification_required"
    _assert_nothing_registered(mailbox)


def test_register_needs_recent_login(client, authenticator, mailbox):
    fresh_options = client.post(OPTIONS).json()["public_key"]
    Session.objects.update(auth_time=Session.objects.get().auth_time - timedelta(seconds=301))

    options = client.post(OPTIONS)
    response = client.post(REGISTER, {"credential": authenticator.create(fresh_options, origin=ORIGIN)})

    assert options.status_code == 403
    assert options.json()["code"] == "reauthentication_required"
    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_required"
    _assert_nothing_registered(mailbox)


def test_register_existing_credential_conflicts(client, authenticator, make_user, mailbox):
    options = client.post(OPTIONS).json()["public_key"]
    credential = authenticator.create(options, origin=ORIGIN)
    Passkey.objects.create(user=make_user(), credential_id=credential["id"], public_key=b"x", name="Other")

    response = client.post(REGISTER, {"credential": credential})

    assert response.status_code == 409
    assert response.json()["code"] == "credential_exists"
    assert Passkey.objects.count() == 1
    assert mailbox == []


def test_register_malformed_credential_rejected(client, mailbox):
    client.post(OPTIONS)

    response = client.post(REGISTER, {"credential": {"id": "abc", "rawId": "abc", "type": "public-key"}})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_credential"
    assert body["errors"][0]["field"] == "credential"
    _assert_nothing_registered(mailbox)


def test_allowlist_rejects_none_attestation(client, register, settings, mailbox):
    settings.PASSKEY_ALLOWED_AAGUIDS = ["6028b017-b1d4-4c02-b4b3-afcdafc96bb2"]

    response = register(client)

    assert response.status_code == 400
    assert response.json()["code"] == "attestation_required"
    _assert_nothing_registered(mailbox)


def test_allowlist_accepts_attested_model(client, register, settings, tmp_path):
    attestation = Attestation(aaguid=uuid.uuid4())
    roots = tmp_path / "roots.pem"
    roots.write_bytes(attestation.root_pem())
    settings.PASSKEY_ALLOWED_AAGUIDS = [str(attestation.aaguid)]
    settings.PASSKEY_ATTESTATION_ROOT_CERTS = str(roots)

    options = client.post(OPTIONS).json()["public_key"]
    response = register(client, with_authenticator=SoftAuthenticator(attestation=attestation))

    assert options["attestation"] == "direct"
    assert response.status_code == 201, response.content
    assert Passkey.objects.get().aaguid == str(attestation.aaguid)
    assert Passkey.objects.get().attestation_format == "packed"


def test_allowlist_rejects_other_model(client, register, settings, tmp_path, mailbox):
    attestation = Attestation(aaguid=uuid.uuid4())
    roots = tmp_path / "roots.pem"
    roots.write_bytes(attestation.root_pem())
    settings.PASSKEY_ALLOWED_AAGUIDS = ["6028b017-b1d4-4c02-b4b3-afcdafc96bb2"]
    settings.PASSKEY_ATTESTATION_ROOT_CERTS = str(roots)

    response = register(client, with_authenticator=SoftAuthenticator(attestation=attestation))

    assert response.status_code == 400
    assert response.json()["code"] == "authenticator_not_allowed"
    _assert_nothing_registered(mailbox)


def test_allowlist_rejects_untrusted_chain(client, register, settings, tmp_path, mailbox):
    attestation = Attestation(aaguid=uuid.uuid4())
    roots = tmp_path / "roots.pem"
    roots.write_bytes(Attestation(aaguid=attestation.aaguid).root_pem())
    settings.PASSKEY_ALLOWED_AAGUIDS = [str(attestation.aaguid)]
    settings.PASSKEY_ATTESTATION_ROOT_CERTS = str(roots)

    response = register(client, with_authenticator=SoftAuthenticator(attestation=attestation))

    assert response.status_code == 400
    assert response.json()["code"] == "registration_failed"
    _assert_nothing_registered(mailbox)


def test_register_limit_per_user(client, user):
    for number in range(20):
        Passkey.objects.create(user=user, credential_id=f"id-{number}", public_key=b"x", name=f"Key {number}")

    response = client.post(OPTIONS)

    assert response.status_code == 409
    assert response.json()["code"] == "passkey_limit_reached"
    assert Passkey.objects.count() == 20
