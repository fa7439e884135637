"""Access tokens: short-lived JWTs (RFC 9068 profile) that name a user and a session."""

import base64
import binascii
import json
import re
import time
import uuid

import jwt
from django.conf import settings

from .keys import get_key_set

ACCESS_TOKEN_TYPE = "at+jwt"
# RFC 9068 allows the media type with or without its "application/" prefix, in any case.
_ACCEPTED_TYPES = frozenset({"at+jwt", "application/at+jwt"})
# Header parameters that would let a token choose its own verification key.
_FORBIDDEN_HEADERS = ("jwk", "jku", "x5u", "x5c")
# Far above any token this server signs (about 1 KB with RS256), and small enough that parsing a
# forged header costs nothing.
MAX_TOKEN_LENGTH = 8192


class InvalidAccessToken(Exception):
    """The bearer token is not a valid access token of this server."""


_claim_providers = []


def register_claim_provider(provider):
    """Register `provider(session) -> dict` whose claims (such as `org`, `roles`) join each token.

    Higher apps register from AppConfig.ready(); a provider may raise InvalidAccessToken-free
    exceptions of its own, such as an API error when the session's organization is deactivated.
    """
    if provider not in _claim_providers:
        _claim_providers.append(provider)


def issue_access_token(session):
    """Sign and return an access token for `session`, with its lifetime in seconds."""
    key_set = get_key_set()
    now = int(time.time())
    extra = {}
    for provider in _claim_providers:
        extra.update(provider(session))
    claims = {
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        "sub": str(session.user_id),
        "sid": str(session.pk),
        "org": str(session.organization_id) if session.organization_id else None,
        "roles": [],
        "amr": list(session.amr),
        "auth_time": int(session.auth_time.timestamp()),
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + settings.ACCESS_TOKEN_LIFETIME,
        **extra,
    }
    headers = {"kid": key_set.signing_kid, "typ": ACCESS_TOKEN_TYPE}
    token = jwt.encode(claims, key_set.signing_key, algorithm=key_set.algorithm, headers=headers)
    return token, settings.ACCESS_TOKEN_LIFETIME


_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def _read_header(token):
    """Return the JOSE header of a compact JWS without verifying anything.

    One regular expression checks the whole token's shape; PyJWT's own header reader checks the
    alphabet one character at a time, which cost as much as the signature check.
    """
    if len(token) > MAX_TOKEN_LENGTH or not _COMPACT_JWS.fullmatch(token):
        raise InvalidAccessToken("malformed token")
    segment = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise InvalidAccessToken("malformed header") from exc
    if not isinstance(header, dict):
        raise InvalidAccessToken("malformed header")
    return header


def decode_access_token(token):
    """Verify `token` and return its claims, or raise InvalidAccessToken.

    The algorithm is pinned by configuration, never taken from the token. Tokens that carry their
    own key (`jwk`, `jku`, `x5u`, `x5c`) or name an unknown or expired `kid` are rejected, and so
    are tokens of another type (ID tokens, refresh tokens), because the `typ` header and the
    audience must match.
    """
    if not isinstance(token, str):
        raise InvalidAccessToken("malformed token")
    header = _read_header(token)

    if any(name in header for name in _FORBIDDEN_HEADERS):
        raise InvalidAccessToken("token carries its own key")
    token_type = header.get("typ")
    if not isinstance(token_type, str) or token_type.lower() not in _ACCEPTED_TYPES:
        raise InvalidAccessToken("not an access token")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise InvalidAccessToken("missing kid")

    key_set = get_key_set(unknown_kid=kid)
    if header.get("alg") != key_set.algorithm:
        raise InvalidAccessToken("unexpected algorithm")
    verification_key = key_set.verification_key(kid)
    if verification_key is None:
        raise InvalidAccessToken("unknown or expired kid")

    try:
        claims = jwt.decode(
            token,
            verification_key.key,
            algorithms=[key_set.algorithm],
            audience=settings.JWT_AUDIENCE,
            issuer=settings.JWT_ISSUER,
            options={"require": ["exp", "iat", "sub", "sid", "jti", "iss", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidAccessToken(str(exc)) from exc

    # Only this server signs with these keys, but the claims still feed database look-ups, so a
    # wrong type must end here as an invalid token rather than as a server error.
    if not isinstance(claims["sub"], str) or not _is_uuid(claims["sid"]):
        raise InvalidAccessToken("sub or sid has the wrong type")
    return claims


def _is_uuid(value):
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True
