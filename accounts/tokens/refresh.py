"""Opaque refresh tokens: random, stored as SHA-256 digests, rotated on every use.

The successor of a token is derived from it with an HMAC under a server key, so presenting the
same token twice within the reuse interval (a retry, or two tabs racing) returns the same
successor instead of forking the session. Knowing the digests in the database is not enough to
derive any token.
"""

import hashlib
import hmac
import secrets

from django.conf import settings

TOKEN_PREFIX = "plr_"


def new_refresh_token():
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def successor_of(token):
    digest = hmac.new(settings.SECRET_KEY.encode(), b"refresh-rotation:" + token.encode(), hashlib.sha256)
    return TOKEN_PREFIX + digest.hexdigest()


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()
