"""Passwordless sign-in with a passkey through the API."""

import pytest

from accounts import login_pipeline
from accounts.models import Session
from accounts.passkeys import challenges
from accounts.passkeys.models import Passkey
from audit.models import AuditEvent

from .authenticator import SoftAuthenticator, b64url, unb64url
from .conftest import ORIGIN, authenticate_options

AUTHENTICATE = "/api/v1/passkeys/authenticate"


@pytest.fixture
def sessions_before(passkey):
    return Session.objects.count()


def _assert_no_login(sessions_before):
    assert Session.objects.count() == sessions_before
    assert AuditEvent.objects.filter(action="login.succeeded").count() == sessions_before


def test_options_name_no_credentials(anonymous):
    options = authenticate_options(anonymous)

    assert "allowCredentials" not in options or options["allowCredentials"] == []
    assert options["userVerification"] == "required"
    assert options["rpId"] == "plinto.test"


def test_passwordless_sign_in_issues_tokens(anonymous, authenticator, passkey, user):
    options = authenticate_options(anonymous)

    response = anonymous.post(AUTHENTICATE, {"credential": authenticator.get(options, origin=ORIGIN)})

    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"] == "Bearer"
    session = Session.objects.latest("created_at")
    assert session.user == user
    assert session.amr == ["hwk", "user", "mfa"]
    stored = Passkey.objects.get()
    assert stored.sign_count == 1
    assert stored.last_used_at is not None
    me = anonymous.bearer(tokens["access_token"]).get("/api/v1/me")
    assert me.json()["email"] == user.email


def test_sign_in_without_user_handle(anonymous, authenticator, passkey):
    options = authenticate_options(anonymous)

    response = anonymous.post(
        AUTHENTICATE, {"credential": authenticator.get(options, origin=ORIGIN, user_handle=False)}
    )

    assert response.status_code == 200, response.content


def test_synced_passkey_counter_stays_zero(anonymous, authenticator, passkey):
    for _ in range(2):
        options = authenticate_options(anonymous)
        credential = authenticator.get(options, origin=ORIGIN, sign_count=0)

        response = anonymous.post(AUTHENTICATE, {"credential": credential})

        assert response.status_code == 200, response.content
    assert Passkey.objects.get().sign_count == 0


@pytest.mark.parametrize("presented", [4, 5])
def test_counter_regression_rejected_and_audited(anonymous, authenticator, passkey, sessions_before, presented):
    Passkey.objects.update(sign_count=5)
    options = authenticate_options(anonymous)

    credential = authenticator.get(options, origin=ORIGIN, sign_count=presented)
    response = anonymous.post(AUTHENTICATE, {"credential": credential})

    assert response.status_code == 401
    assert response.json()["code"] == "counter_regression"
    assert Passkey.objects.get().sign_count == 5
    event = AuditEvent.objects.get(action="passkey.counter_regression")
    assert event.outcome == "failure"
    assert event.metadata == {"stored_count": 5, "presented_count": presented}
    _assert_no_login(sessions_before)


def test_wrong_origin_rejected(anonymous, authenticator, passkey, sessions_before):
    options = authenticate_options(anonymous)

    credential = authenticator.get(options, origin="http://plinto.test")
    response = anonymous.post(AUTHENTICATE, {"credential": credential})

    assert response.status_code == 400
    assert response.json()["code"] == "origin_not_allowed"
    assert Passkey.objects.get().sign_count == 0
    _assert_no_login(sessions_before)


def test_wrong_rp_id_hash_rejected(anonymous, authenticator, passkey, sessions_before):
    options = authenticate_options(anonymous)

    credential = authenticator.get(options, origin=ORIGIN, rp_id="login.plinto.test")
    response = anonymous.post(AUTHENTICATE, {"credential": credential})

    assert response.status_code == 400
    assert response.json()["code"] == "rp_id_mismatch"
    _assert_no_login(sessions_before)


def test_replayed_challenge_rejected(anonymous, authenticator, passkey, sessions_before):
    options = authenticate_options(anonymous)
    first = anonymous.post(AUTHENTICATE, {"credential": authenticator.get(options, origin=ORIGIN)})
    assert first.status_code == 200

    replay = anonymous.post(AUTHENTICATE, {"credential": authenticator.get(options, origin=ORIGIN)})

    assert replay.status_code == 400
    assert replay.json()["code"] == "challenge_invalid"
    assert Session.objects.count() == sessions_before + 1
    assert Passkey.objects.get().sign_count == 1


def test_same_response_twice_rejected(anonymous, authenticator, passkey, sessions_before):
    options = authenticate_options(anonymous)
    credential = authenticator.get(options, origin=ORIGIN)
    assert anonymous.post(AUTHENTICATE, {"credential": credential}).status_code == 200

    replay = anonymous.post(AUTHENTICATE, {"credential": credential})

    assert replay.status_code == 400
    assert replay.json()["code"] == "challenge_invalid"
    assert Session.objects.count() == sessions_before + 1


def test_expired_challenge_rejected(anonymous, authenticator, passkey, sessions_before, monkeypatch):
    options = authenticate_options(anonymous)
    issued = challenges._now()
    monkeypatch.setattr(challenges, "_now", lambda: issued + challenges.CHALLENGE_LIFETIME + 1)

    response = anonymous.post(AUTHENTICATE, {"credential": authenticator.get(options, origin=ORIGIN)})

    assert response.status_code == 400
    assert response.json()["code"] == "challenge_expired"
    _assert_no_login(sessions_before)


def test_challenge_accepted_just_before_expiry(anonymous, authenticator, passkey, monkeypatch):
    options = authenticate_options(anonymous)
    issued = challenges._now()
    monkeypatch.setattr(challenges, "_now", lambda: issued + challenges.CHALLENGE_LIFETIME - 1)

    response = anonymous.post(AUTHENTICATE, {"credential": authenticator.get(options, origin=ORIGIN)})

    assert response.status_code == 200, response.content


def test_registration_challenge_rejected(client, anonymous, authenticator, passkey, sessions_before):
    registration = client.post("/api/v1/passkeys/register/options").json()["public_key"]

    credential = authenticator.get({"challenge": registration["challenge"]}, origin=ORIGIN)
    response = anonymous.post(AUTHENTICATE, {"credential": credential})

    assert response.status_code == 400
    assert response.json()["code"] == "challenge_invalid"
    _assert_no_login(sessions_before)


def test_user_not_verified_rejected(anonymous, authenticator, passkey, sessions_before):
    authenticator.user_verified = False
    options = authenticate_options(anonymous)

    response = anonymous.post(AUTHENTICATE, {"credential": authenticator.get(options, origin=ORIGIN)})

    assert response.status_code == 401
    assert response.json()["code"] == "user_verification_required"
    assert Passkey.objects.get().sign_count == 0
    assert AuditEvent.objects.filter(action="passkey.authentication_failed", metadata__reason="user_not_verified")
    _assert_no_login(sessions_before)


def test_user_not_present_rejected(anonymous, authenticator, passkey, sessions_before):
    authenticator.user_present = False
    options = authenticate_options(anonymous)

    response = anonymous.post(AUTHENTICATE, {"credential": authenticator.get(options, origin=ORIGIN)})

    assert response.status_code == 401
    assert response.json()["code"] == "passkey_verification_failed"
    _assert_no_login(sessions_before)


def test_unknown_credential_rejected(anonymous, passkey, sessions_before):
    stranger = SoftAuthenticator()
    stranger.create(
        {"rp": {"id": "plinto.test"}, "user": {"id": b64url(b"someone")}, "challenge": "AAAA"}, origin=ORIGIN
    )
    options = authenticate_options(anonymous)

    response = anonymous.post(AUTHENTICATE, {"credential": stranger.get(options, origin=ORIGIN)})

    assert response.status_code == 401
    assert response.json()["code"] == "passkey_not_found"
    _assert_no_login(sessions_before)


def test_forged_signature_rejected(anonymous, authenticator, passkey, sessions_before):
    options = authenticate_options(anonymous)
    credential = authenticator.get(options, origin=ORIGIN)
    signature = bytearray(unb64url(credential["response"]["signature"]))
    signature[-1] ^= 0x01
    credential["response"]["signature"] = b64url(bytes(signature))

    response = anonymous.post(AUTHENTICATE, {"credential": credential})

    assert response.status_code == 401
    assert response.json()["code"] == "passkey_verification_failed"
    assert Passkey.objects.get().sign_count == 0
    _assert_no_login(sessions_before)


def test_user_handle_of_other_account_rejected(anonymous, authenticator, passkey, make_user, sessions_before):
    authenticator.credentials[-1].user_handle = make_user().pk.bytes
    options = authenticate_options(anonymous)

    response = anonymous.post(AUTHENTICATE, {"credential": authenticator.get(options, origin=ORIGIN)})

    assert response.status_code == 401
    assert response.json()["code"] == "passkey_not_found"
    _assert_no_login(sessions_before)


def test_deactivated_user_rejected(anonymous, authenticator, passkey, user, sessions_before):
    user.is_active = False
    user.save()
    options = authenticate_options(anonymous)

    response = anonymous.post(AUTHENTICATE, {"credential": authenticator.get(options, origin=ORIGIN)})

    assert response.status_code == 403
    assert response.json()["code"] == "account_unavailable"
    _assert_no_login(sessions_before)


@pytest.fixture
def pending_second_step():
    """Register a login completion check that stops every login before tokens, as the MFA step would."""
    seen = []

    def check(request, user, amr, context):
        seen.append(list(amr))
        return {"mfa_required": True, "mfa_token": "test", "methods": ["totp"]}

    login_pipeline.register_completion_check(check)
    yield seen
    login_pipeline._completion_checks.remove(check)


def test_sign_in_passes_login_pipeline(anonymous, authenticator, passkey, sessions_before, pending_second_step):
    options = authenticate_options(anonymous)

    response = anonymous.post(AUTHENTICATE, {"credential": authenticator.get(options, origin=ORIGIN)})

    assert response.status_code == 200
    assert response.json()["mfa_required"] is True
    assert pending_second_step == [["hwk", "user", "mfa"]]
    _assert_no_login(sessions_before)


@pytest.mark.parametrize(
    "credential",
    [
        "not an object",
        [],
        {},
        {"id": "x", "rawId": "x", "type": "public-key", "response": {}},
        {
            "id": "x",
            "rawId": "x",
            "type": "public-key",
            "response": {"clientDataJSON": "!!", "authenticatorData": "AA", "signature": "AA"},
        },
    ],
)
def test_malformed_credential_rejected(anonymous, passkey, sessions_before, credential):
    response = anonymous.post(AUTHENTICATE, {"credential": credential})

    assert response.status_code == 400
    assert response.json()["code"] in {"invalid_credential", "validation_failed"}
    assert response.json()["errors"][0]["field"] == "credential"
    _assert_no_login(sessions_before)
