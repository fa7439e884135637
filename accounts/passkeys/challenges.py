"""Server-side WebAuthn challenges: random, single-use, bound to a ceremony, valid 5 minutes.

A challenge is stored in the cache (Redis when REDIS_URL is set, so every process reads the same record) under
the SHA-256 digest of its bytes, never the challenge itself. The response's clientDataJSON
carries the challenge back, which is how the server finds the stored record.
"""

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.core.cache import cache

from plinto import cache_ops

CHALLENGE_BYTES = 32
CHALLENGE_LIFETIME = 300
# The record outlives its lifetime a little, so a late response gets "expired" rather than
# "unknown"; the expiry itself is checked against `expires_at`.
_CACHE_GRACE = 120


class Ceremony:
    REGISTRATION = "registration"
    AUTHENTICATION = "authentication"
    SECOND_FACTOR = "second_factor"


@dataclass(frozen=True)
class StoredChallenge:
    ceremony: str
    user_id: str | None
    binding: str | None
    expires_at: float

    @property
    def expired(self):
        return _now() > self.expires_at


class ChallengeError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _now():
    return time.time()


def _key(challenge):
    return "passkey-challenge:" + hashlib.sha256(challenge).hexdigest()


def issue(ceremony, *, user_id=None, binding=None):
    """Create and store a new challenge for `ceremony`; return its bytes."""
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    record = {
        "ceremony": ceremony,
        "user_id": str(user_id) if user_id else None,
        "binding": str(binding) if binding else None,
        "expires_at": _now() + CHALLENGE_LIFETIME,
    }
    cache.set(_key(challenge), record, timeout=CHALLENGE_LIFETIME + _CACHE_GRACE)
    return challenge


def consume(challenge):
    """Remove the stored challenge and return it, or raise ChallengeError.

    The record is read and removed in one atomic step, so two requests racing with one challenge
    cannot both use it. A challenge is spent by any attempt, including a failed one.
    """
    record = cache_ops.take(_key(challenge))
    if record is None:
        raise ChallengeError("challenge_invalid")
    stored = StoredChallenge(**record)
    if stored.expired:
        raise ChallengeError("challenge_expired")
    return stored
