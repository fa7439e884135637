"""Access tokens: their claims, and every way a forged or misused bearer token is rejected."""

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from jwt.algorithms import RSAAlgorithm

from accounts.models import RefreshToken, Session
from accounts.tokens import keys
from audit.models import AuditEvent

PROBLEM_JSON = "application/problem+json"


@pytest.fixture(autouse=True)
def fresh_key_set():
    """Load the key set inside each test, so it never names a key that an earlier test rolled back."""
    keys.invalidate()
    yield
    keys.invalidate()


@pytest.fixture
def signed_in(user, login):
    """A logged-in user: the token response and the session it started."""
    tokens = login(user.email)
    return tokens, Session.objects.get(user=user)


@pytest.fixture(scope="module")
def attacker_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(header, claims, sign):
    """Serialize a JWS by hand, so a test can build tokens PyJWT refuses to sign."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64url(sign(signing_input.encode()))}"


def valid_claims(session, **overrides):
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
    claims.update(overrides)
    return claims


def rs256(private_key, claims, **header):
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"typ": "at+jwt", **header})


def me_with(api, token):
    return api.bearer(token).get("/api/v1/me")


def assert_invalid_token(response):
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == PROBLEM_JSON
    assert response.json()["code"] == "invalid_token"


# --- the claims of a real access token ---


def test_access_token_claims_and_header(signed_in):
    tokens, session = signed_in
    key_set = keys.get_key_set()

    header = jwt.get_unverified_header(tokens["access_token"])
    claims = jwt.decode(
        tokens["access_token"],
        key_set.verification_keys[key_set.signing_kid].key,
        algorithms=["RS256"],
        audience=settings.JWT_AUDIENCE,
    )

    assert header["typ"] == "at+jwt"
    assert header["alg"] == "RS256"
    assert header["kid"] == key_set.signing_kid
    assert claims["iss"] == settings.JWT_ISSUER
    assert claims["aud"] == settings.JWT_AUDIENCE
    assert claims["sub"] == str(session.user_id)
    assert claims["sid"] == str(session.pk)
    assert claims["org"] is None
    assert claims["roles"] == []
    assert claims["amr"] == ["pwd"]
    assert claims["auth_time"] == int(session.auth_time.timestamp())
    assert len(claims["jti"]) == 32
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert tokens["expires_in"] == 15 * 60


def test_each_access_token_has_its_own_jti(api, signed_in):
    tokens, _ = signed_in

    refreshed = api.post("/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]}).json()

    first = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    second = jwt.decode(refreshed["access_token"], options={"verify_signature": False})
    assert first["jti"] != second["jti"]
    assert first["sid"] == second["sid"]


def test_access_token_opens_me(api, signed_in, user):
    tokens, _ = signed_in

    response = me_with(api, tokens["access_token"])

    assert response.status_code == 200
    assert response.json()["id"] == str(user.pk)


# --- algorithm confusion and header-supplied keys ---


class KeyServer:
    """A JWKS and certificate server on loopback that records every request it receives."""

    def __init__(self, jwks):
        self.requests = []
        body = json.dumps(jwks).encode()
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def key_server(attacker_key):
    jwk = RSAAlgorithm.to_jwk(attacker_key.public_key(), as_dict=True)
    with KeyServer({"keys": [{**jwk, "kid": "attacker", "use": "sig", "alg": "RS256"}]}) as server:
        yield server


def _self_signed_certificate(private_key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "attacker.example")])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(private_key, hashes.SHA256())
    )


def forge_alg_none(key_set, claims, attacker_key, server_url):
    return compact({"alg": "none", "typ": "at+jwt", "kid": key_set.signing_kid}, claims, lambda _: b"")


def forge_hs256_with_public_pem(key_set, claims, attacker_key, server_url):
    public_key = key_set.verification_keys[key_set.signing_kid].key
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": "at+jwt", "kid": key_set.signing_kid}
    return compact(header, claims, lambda data: hmac.new(pem, data, hashlib.sha256).digest())


def forge_unknown_kid(key_set, claims, attacker_key, server_url):
    return rs256(key_set.signing_key, claims, kid="no-such-key")


def forge_kid_with_nul(key_set, claims, attacker_key, server_url):
    return rs256(key_set.signing_key, claims, kid="a\x00b")


def forge_embedded_jwk(key_set, claims, attacker_key, server_url):
    jwk = RSAAlgorithm.to_jwk(attacker_key.public_key(), as_dict=True)
    return rs256(attacker_key, claims, kid=key_set.signing_kid, jwk=jwk)


def forge_embedded_jwk_own_kid(key_set, claims, attacker_key, server_url):
    jwk = RSAAlgorithm.to_jwk(attacker_key.public_key(), as_dict=True)
    return rs256(attacker_key, claims, kid="attacker", jwk=jwk)


def forge_jku(key_set, claims, attacker_key, server_url):
    return rs256(attacker_key, claims, kid=key_set.signing_kid, jku=f"{server_url}/jwks.json")


def forge_x5u(key_set, claims, attacker_key, server_url):
    return rs256(attacker_key, claims, kid=key_set.signing_kid, x5u=f"{server_url}/cert.pem")


def forge_x5c(key_set, claims, attacker_key, server_url):
    der = _self_signed_certificate(attacker_key).public_bytes(serialization.Encoding.DER)
    return rs256(attacker_key, claims, kid=key_set.signing_kid, x5c=[base64.b64encode(der).decode()])


def forge_other_key_right_kid(key_set, claims, attacker_key, server_url):
    return rs256(attacker_key, claims, kid=key_set.signing_kid)


def forge_expired(key_set, claims, attacker_key, server_url):
    past = int(time.time()) - 3600
    return rs256(key_set.signing_key, {**claims, "iat": past - 900, "exp": past}, kid=key_set.signing_kid)


def forge_wrong_issuer(key_set, claims, attacker_key, server_url):
    return rs256(key_set.signing_key, {**claims, "iss": "https://issuer.example"}, kid=key_set.signing_kid)


def forge_wrong_audience(key_set, claims, attacker_key, server_url):
    return rs256(key_set.signing_key, {**claims, "aud": "https://other-api.example"}, kid=key_set.signing_kid)


def forge_missing_sid(key_set, claims, attacker_key, server_url):
    claims = {name: value for name, value in claims.items() if name != "sid"}
    return rs256(key_set.signing_key, claims, kid=key_set.signing_kid)


def forge_sid_not_uuid(key_set, claims, attacker_key, server_url):
    return rs256(key_set.signing_key, {**claims, "sid": "1 OR 1=1"}, kid=key_set.signing_kid)


def forge_issued_in_future(key_set, claims, attacker_key, server_url):
    later = int(time.time()) + 3600
    return rs256(key_set.signing_key, {**claims, "iat": later, "exp": later + 600}, kid=key_set.signing_kid)


FORGERIES = [
    forge_alg_none,
    forge_hs256_with_public_pem,
    forge_unknown_kid,
    forge_kid_with_nul,
    forge_embedded_jwk,
    forge_embedded_jwk_own_kid,
    forge_jku,
    forge_x5u,
    forge_x5c,
    forge_other_key_right_kid,
    forge_expired,
    forge_wrong_issuer,
    forge_wrong_audience,
    forge_missing_sid,
    forge_sid_not_uuid,
    forge_issued_in_future,
]


@pytest.mark.parametrize("forge", FORGERIES, ids=[forge.__name__.removeprefix("forge_") for forge in FORGERIES])
def test_forged_access_token_is_rejected(api, signed_in, attacker_key, key_server, forge):
    _, session = signed_in
    key_set = keys.get_key_set()
    token = forge(key_set, valid_claims(session), attacker_key, key_server.url)
    events_before = AuditEvent.objects.count()

    response = me_with(api, token)

    assert_invalid_token(response)
    assert key_server.requests == []
    assert AuditEvent.objects.count() == events_before
    session.refresh_from_db()
    assert session.revoked_at is None


def test_correctly_signed_control_token_is_accepted(api, signed_in):
    """The forgeries above differ from this token in one point each, so each rejection is meaningful."""
    _, session = signed_in
    key_set = keys.get_key_set()

    response = me_with(api, rs256(key_set.signing_key, valid_claims(session), kid=key_set.signing_kid))

    assert response.status_code == 200


# --- tokens of another type presented as access tokens ---


def test_refresh_token_as_bearer_is_rejected(api, signed_in):
    tokens, session = signed_in

    response = me_with(api, tokens["refresh_token"])

    assert_invalid_token(response)
    assert RefreshToken.objects.filter(session=session, rotated_at__isnull=True).count() == 1


def test_id_token_lookalike_is_rejected(api, signed_in):
    _, session = signed_in
    key_set = keys.get_key_set()
    claims = valid_claims(session, aud="client-3f9a", nonce="n-0S6_WzA2Mj", azp="client-3f9a")
    id_token = jwt.encode(claims, key_set.signing_key, algorithm="RS256", headers={"kid": key_set.signing_kid})
    assert jwt.get_unverified_header(id_token)["typ"] == "JWT"

    response = me_with(api, id_token)

    assert_invalid_token(response)


def test_access_typ_with_client_audience_is_rejected(api, signed_in):
    _, session = signed_in
    key_set = keys.get_key_set()

    response = me_with(
        api, rs256(key_set.signing_key, valid_claims(session, aud="client-3f9a"), kid=key_set.signing_kid)
    )

    assert_invalid_token(response)


def test_media_type_form_of_typ_is_accepted(api, signed_in):
    _, session = signed_in
    key_set = keys.get_key_set()
    claims = valid_claims(session)
    headers = {"typ": "application/AT+JWT", "kid": key_set.signing_kid}

    response = me_with(api, jwt.encode(claims, key_set.signing_key, algorithm="RS256", headers=headers))

    assert response.status_code == 200


def test_malformed_authorization_headers(api, db):
    cases = ["Bearer", "Bearer a b", "Bearer \u00e9t\u00e9", "Bearer " + "a" * 10_000, "Bearer a.b.c"]
    for value in cases:
        response = api.get("/api/v1/me", HTTP_AUTHORIZATION=value)

        assert_invalid_token(response)


def test_other_scheme_is_not_authenticated(api, db):
    response = api.get("/api/v1/me", HTTP_AUTHORIZATION="Basic bWlrZTpzZWNyZXQ=")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


# --- fuzzing: untrusted input never causes a server error ---

FUZZ_SETTINGS = hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
LATIN_1 = st.characters(min_codepoint=0, max_codepoint=255)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=200),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4),
    max_leaves=12,
)


def _jwt_shaped():
    header = st.dictionaries(
        st.sampled_from(["alg", "typ", "kid", "jwk", "jku", "crit", "b64", "cty"]),
        st.one_of(
            st.sampled_from(["RS256", "HS256", "none", "ES256", "at+jwt", "JWT", "\x00", "a\x00b"]),
            st.text(max_size=80),
            st.integers(),
            st.none(),
            st.lists(st.text(max_size=5), max_size=3),
        ),
    )
    segment = st.one_of(
        header.map(lambda value: b64url(json.dumps(value).encode())),
        json_values.map(lambda value: b64url(json.dumps(value).encode())),
        st.binary(max_size=64).map(b64url),
        st.text(max_size=40),
    )
    return st.lists(segment, min_size=1, max_size=5).map(".".join)


authorization_values = st.one_of(
    st.text(LATIN_1, max_size=300),
    st.text(LATIN_1, max_size=300).map(lambda value: f"Bearer {value}"),
    st.text(max_size=100).map(lambda value: f"Bearer {value}"),
    _jwt_shaped().map(lambda value: f"Bearer {value}"),
    st.integers(min_value=8_000, max_value=100_000).map(lambda size: "Bearer " + "x" * size),
)


@FUZZ_SETTINGS
@given(value=authorization_values)
def test_fuzzed_authorization_header_is_a_401_problem(api, value):
    response = api.get("/api/v1/me", HTTP_AUTHORIZATION=value)

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM_JSON
    assert response.json()["code"] in {"invalid_token", "not_authenticated"}


def test_long_refresh_token_is_a_400_problem(api, signed_in):
    _, session = signed_in
    body = json.dumps({"refresh_token": "plr_" + "A" * 2_000_000})

    response = api.generic("POST", "/api/v1/auth/refresh", body, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM_JSON
    assert response.json()["errors"][0]["field"] == "refresh_token"
    assert RefreshToken.objects.filter(session=session).count() == 1


def test_body_over_upload_limit_is_a_413_problem(api, signed_in):
    _, session = signed_in
    body = json.dumps({"refresh_token": "plr_" + "A" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    response = api.generic("POST", "/api/v1/auth/refresh", body, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM_JSON
    assert response.json()["code"] == "request_too_large"
    assert RefreshToken.objects.filter(session=session).count() == 1


refresh_bodies = st.one_of(
    json_values.map(json.dumps),
    st.fixed_dictionaries({"refresh_token": json_values}).map(json.dumps),
    st.text(LATIN_1, max_size=600).map(lambda value: json.dumps({"refresh_token": value})),
    st.text(max_size=600).map(lambda value: json.dumps({"refresh_token": "plr_" + value})),
    st.binary(max_size=300),
    st.sampled_from([b"", b"{", b"NaN", b'{"refresh_token": NaN}', b"\xff\xfe{}", b"[]", b"null"]),
    st.integers(min_value=600, max_value=200_000).map(lambda size: json.dumps({"refresh_token": "plr_" + "A" * size})),
)
REFRESH_ERROR_CODES = {"validation_failed", "parse_error", "invalid_token", "unsupported_media_type"}
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
        "application/json; charset=rot13",
        "application/json; charset=punycode",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
    ]
)


@FUZZ_SETTINGS
@given(body=refresh_bodies, content_type=content_types)
def test_fuzzed_refresh_body_is_a_4xx_problem(api, signed_in, body, content_type):
    _, session = signed_in

    # generic() sends the body bytes and Content-Type as given, where post() would encode them.
    response = api.generic("POST", "/api/v1/auth/refresh", body, content_type=content_type)

    assert response.status_code in {400, 401, 415}, response.content
    assert response["Content-Type"] == PROBLEM_JSON
    assert response.json()["code"] in REFRESH_ERROR_CODES
    assert RefreshToken.objects.filter(session=session).count() == 1
    session.refresh_from_db()
    assert session.revoked_at is None
