"""Opaque refresh tokens: random, stored as SHA-256 digests, rotated on every use.

The successor of a token is derived from it with an HMAC under a server key, so presenting the
same token twice within the reuse interval (a retry, or two tabs racing) returns the same
successor instead of forking the session. Knowing the digests in the database is not enough to
derive any token.
"""

import hashlib
import hmac
import re
import secrets

from django.conf import settings

TOKEN_PREFIX = "plr_"
# New tokens carry 43 base64url characters after the prefix, and successors carry 64 hex digits.
# The bounds leave room for longer tokens later without accepting arbitrary input.
_WELL_FORMED = re.compile(r"plr_[A-Za-z0-9_-]{32,128}")


def new_refresh_token():
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def is_well_formed(token):
    """Return whether `token` has the shape of a refresh token this server issues."""
    return isinstance(token, str) and _WELL_FORMED.fullmatch(token) is not None


def successor_of(token):
    digest = hmac.new(settings.SECRET_KEY.encode(), b"refresh-rotation:" + token.encode(), hashlib.sha256)
    return TOKEN_PREFIX + digest.hexdigest()


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()
