"""The signing key set: the published JWKS, rotation, key caching and the configurable modes."""

import json
import secrets
import time
import uuid
from datetime import timedelta

import jwt
import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from jwt.algorithms import RSAAlgorithm

from accounts.models import Session, SigningKey
from accounts.tokens import keys
from accounts.tokens.access import InvalidAccessToken, decode_access_token
from plinto.testing.fixtures import ApiClient

PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k", "oth"}


@pytest.fixture(autouse=True)
def fresh_key_set():
    """Load the key set inside each test, so it never names a key that an earlier test rolled back."""
    keys.invalidate()
    yield
    keys.invalidate()


def published_keys():
    response = ApiClient().get("/.well-known/jwks.json")
    assert response.status_code == 200
    return response, response.json()["keys"]


def kid_of(token):
    return jwt.get_unverified_header(token)["kid"]


def me(access_token):
    return ApiClient().bearer(access_token).get("/api/v1/me")


def rsa_pem():
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return private_key, pem.decode()


def public_pem(private_key):
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture
def rotate(django_capture_on_commit_callbacks):
    """Rotate and run the commit hooks, as a rotation outside the test's transaction would."""

    def rotate_and_commit():
        with django_capture_on_commit_callbacks(execute=True):
            return keys.rotate_signing_key()

    return rotate_and_commit


class LoadCounter:
    """Counts calls of the PEM loaders that cryptography and PyJWT use, while still calling them."""

    TARGETS = [
        ("cryptography.hazmat.primitives.serialization", "load_pem_private_key"),
        ("cryptography.hazmat.primitives.serialization", "load_pem_public_key"),
        ("jwt.algorithms", "load_pem_private_key"),
        ("jwt.algorithms", "load_pem_public_key"),
    ]

    def __init__(self, monkeypatch):
        self.calls = 0
        for module, name in self.TARGETS:
            original = getattr(__import__(module, fromlist=[name]), name)
            monkeypatch.setattr(f"{module}.{name}", self._counting(original))

    def _counting(self, original):
        def wrapper(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)

        return wrapper


# --- the published key set ---


def test_jwks_lists_verification_keys(user, login):
    tokens = login(user.email)

    response, published = published_keys()

    assert "max-age" in response["Cache-Control"]
    assert [key["kid"] for key in published] == [kid_of(tokens["access_token"])]
    for key in published:
        assert key["kty"] == "RSA"
        assert key["use"] == "sig"
        assert key["alg"] == "RS256"
        assert {"n", "e"} <= set(key)
        assert not PRIVATE_JWK_MEMBERS & set(key)


def test_jwks_verifies_issued_token(user, login):
    tokens = login(user.email)

    _, published = published_keys()

    public_key = RSAAlgorithm.from_jwk(published[0])
    claims = jwt.decode(tokens["access_token"], public_key, algorithms=["RS256"], audience=settings.JWT_AUDIENCE)
    assert claims["sub"] == str(user.pk)


def test_jwks_answers_head_and_refuses_post(db):
    client = ApiClient()

    assert client.head("/.well-known/jwks.json").status_code == 200
    assert client.post("/.well-known/jwks.json", {}).status_code == 405


# --- rotation ---


def test_rotation_switches_signing_key(user, login, rotate):
    before = login(user.email)
    old_kid = kid_of(before["access_token"])

    new_key = rotate()
    after = login(user.email)

    assert kid_of(after["access_token"]) == new_key.kid != old_kid
    assert me(before["access_token"]).status_code == 200
    assert me(after["access_token"]).status_code == 200
    _, published = published_keys()
    assert {key["kid"] for key in published} == {old_kid, new_key.kid}
    old_row = SigningKey.objects.get(kid=old_kid)
    assert old_row.retired_at is not None
    assert old_row.verify_until >= old_row.retired_at + timedelta(seconds=settings.ACCESS_TOKEN_LIFETIME)


def test_retired_key_stops_at_verify_until(user, login, rotate):
    login(user.email)
    session = Session.objects.get()
    old_key_set = keys.get_key_set()
    rotate()
    old_row = SigningKey.objects.get(kid=old_key_set.signing_kid)
    # Signed with the retired key and valid for a day, so only the key's own end can stop it.
    now = int(time.time())
    claims = {
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        "sub": str(session.user_id),
        "sid": str(session.pk),
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 24 * 3600,
    }
    headers = {"kid": old_row.kid, "typ": "at+jwt"}
    long_lived = jwt.encode(claims, old_key_set.signing_key, algorithm="RS256", headers=headers)
    assert me(long_lived).status_code == 200

    with time_machine.travel(old_row.verify_until + timedelta(seconds=1)):
        response = me(long_lived)
        _, published = published_keys()

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert old_row.kid not in {key["kid"] for key in published}


def test_reload_drops_expired_key(user, login, rotate):
    tokens = login(user.email)
    old_kid = kid_of(tokens["access_token"])
    rotate()
    SigningKey.objects.filter(kid=old_kid).update(verify_until=timezone.now() - timedelta(seconds=1))
    keys.invalidate()

    _, published = published_keys()

    assert old_kid not in {key["kid"] for key in published}
    assert old_kid not in keys.get_key_set().verification_keys
    assert me(tokens["access_token"]).json()["code"] == "invalid_token"


def test_key_rotated_elsewhere_verifies_at_once(user, login):
    """Another process rotated: this one still caches the old set but accepts the new `kid`."""
    login(user.email)
    session = Session.objects.get()
    cached = keys.get_key_set()
    with transaction.atomic():
        new_row = keys.rotate_signing_key()  # Its commit hook never runs, so this cache stays.
    assert keys.get_key_set() is cached
    pem = keys._fernet().decrypt(bytes(new_row.private_key_encrypted))
    new_private = serialization.load_pem_private_key(pem, password=None)
    now = int(time.time())
    claims = {
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        "sub": str(session.user_id),
        "sid": str(session.pk),
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 600,
    }
    token = jwt.encode(claims, new_private, algorithm="RS256", headers={"kid": new_row.kid, "typ": "at+jwt"})

    assert me(token).status_code == 200
    assert new_row.kid in keys.get_key_set().verification_keys


def test_made_up_kid_does_not_reload(user, login, monkeypatch):
    tokens = login(user.email)
    cached = keys.get_key_set()
    # Loaded half a minute ago: older than any back-off a reload might wait, younger than the TTL.
    keys._cache = keys._CacheEntry(cached, time.monotonic() - keys.KEY_SET_TTL / 2)
    loads = []
    monkeypatch.setattr(keys, "_load_from_database", lambda previous: loads.append(previous))
    header, payload, signature = tokens["access_token"].split(".")
    forged_header = jwt.utils.base64url_encode(
        json.dumps({"alg": "RS256", "typ": "at+jwt", "kid": "made-up-kid"}).encode()
    ).decode()

    for _ in range(5):
        with pytest.raises(InvalidAccessToken):
            decode_access_token(f"{forged_header}.{payload}.{signature}")

    assert loads == []
    assert keys.get_key_set() is cached


def test_rolled_back_key_not_cached(db):
    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        lost = keys.get_key_set()
        raise Rollback

    reloaded = keys.get_key_set()

    assert not SigningKey.objects.filter(kid=lost.signing_kid).exists()
    assert reloaded.signing_kid != lost.signing_kid
    assert SigningKey.objects.filter(kid=reloaded.signing_kid).exists()


# --- keys are parsed once ---


def test_decoding_does_not_parse_keys_again(user, login, monkeypatch):
    tokens = login(user.email)
    refreshed = ApiClient().post("/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]}).json()
    counter = LoadCounter(monkeypatch)

    for _ in range(50):
        decode_access_token(tokens["access_token"])
        decode_access_token(refreshed["access_token"])
    for _ in range(5):
        assert me(tokens["access_token"]).status_code == 200

    assert counter.calls == 0


def test_reload_reuses_parsed_keys(user, login, monkeypatch):
    tokens = login(user.email)
    keys.get_key_set()
    counter = LoadCounter(monkeypatch)
    monkeypatch.setattr(keys, "KEY_SET_TTL", -1.0)  # Every use reloads from the database.

    for _ in range(10):
        decode_access_token(tokens["access_token"])
    login(user.email)

    assert counter.calls == 0


def test_signing_key_change_parses_only_new_key(user, login, monkeypatch, rotate):
    login(user.email)
    counter = LoadCounter(monkeypatch)

    rotate()
    login(user.email)

    assert counter.calls == 1


# --- keys from settings ---


def test_settings_change_invalidates_cache(db):
    keys.get_key_set()  # Generated inside the test's transaction, so cached from the next load on.
    generated = keys.get_key_set()
    assert keys.get_key_set() is generated

    with override_settings(JWT_ALGORITHM="HS256", JWT_SECRET_KEY=secrets.token_urlsafe(48)):
        assert keys.get_key_set().algorithm == "HS256"

    assert keys.get_key_set().signing_kid == generated.signing_kid


def test_hs256_mode_issues_and_verifies(user, login, monkeypatch):
    rs256_tokens = login(user.email)
    secret = secrets.token_urlsafe(48)

    with override_settings(JWT_ALGORITHM="HS256", JWT_SECRET_KEY=secret):
        tokens = login(user.email)
        counter = LoadCounter(monkeypatch)
        responses = [me(tokens["access_token"]) for _ in range(3)]
        response, published = published_keys()
        old_token_response = me(rs256_tokens["access_token"])

    assert jwt.get_unverified_header(tokens["access_token"])["alg"] == "HS256"
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert counter.calls == 0
    assert published == []
    assert secret not in response.content.decode()
    assert old_token_response.json()["code"] == "invalid_token"


def test_private_key_setting_signs_and_publishes(user, login, monkeypatch):
    private_key, pem = rsa_pem()
    stored_keys = SigningKey.objects.count()

    with override_settings(JWT_PRIVATE_KEY=pem, JWT_PUBLIC_KEY=public_pem(private_key)):
        tokens = login(user.email)
        counter = LoadCounter(monkeypatch)
        responses = [me(tokens["access_token"]) for _ in range(3)]
        _, published = published_keys()

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert counter.calls == 0
    assert len(published) == 1
    assert published[0]["kid"] == kid_of(tokens["access_token"])
    numbers = RSAAlgorithm.from_jwk(published[0]).public_numbers()
    assert numbers == private_key.public_key().public_numbers()
    assert SigningKey.objects.count() == stored_keys


def test_mismatched_public_key_is_refused(db):
    private_key, pem = rsa_pem()
    other_key, _ = rsa_pem()

    with override_settings(JWT_PRIVATE_KEY=pem, JWT_PUBLIC_KEY=public_pem(other_key)):
        with pytest.raises(ImproperlyConfigured, match="JWT_PUBLIC_KEY"):
            keys.get_key_set()


def test_non_rsa_private_key_is_refused(db):
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )

    with override_settings(JWT_PRIVATE_KEY=ec_pem.decode()):
        with pytest.raises(ImproperlyConfigured, match="RSA"):
            keys.get_key_set()


def test_rotation_refused_with_configured_key(db):
    _, pem = rsa_pem()

    with override_settings(JWT_PRIVATE_KEY=pem):
        with pytest.raises(ImproperlyConfigured, match="JWT_PRIVATE_KEY"):
            keys.rotate_signing_key()

    assert not SigningKey.objects.filter(retired_at__isnull=False).exists()
