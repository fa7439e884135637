"""The signing key set: which key signs new tokens and which keys verify them.

Keys are parsed once per process and cached, because PyJWT re-parses a PEM string on every call
(tens of milliseconds for RSA). A process reloads the set from the database every KEY_SET_TTL
seconds, and at once when a token names a `kid` that the database contains but the cache does
not, so a rotation made by another process is picked up without restarts. A reload parses only the
keys it has not seen before: public keys come from their stored JWK, and only a new signing key
has its private PEM decrypted and parsed.
"""

import base64
import functools
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.utils import timezone
from jwt.algorithms import RSAAlgorithm

logger = structlog.get_logger(__name__)

KEY_SET_TTL = 60.0
RSA_KEY_SIZE = 2048
# A retired key keeps verifying this long after the last token it may have signed expires, because
# other processes can still sign with it until their next reload (KEY_SET_TTL), plus clock skew.
RETIRED_KEY_GRACE = timedelta(seconds=2 * KEY_SET_TTL)
# Stored kids are RFC 7638 thumbprints in base64url, no longer than SigningKey.kid. Any other `kid`
# cannot name a stored key, so it never reaches the database, where PostgreSQL would reject a NUL.
_STORED_KID = re.compile(r"[A-Za-z0-9_-]{1,64}")

# Settings that decide which keys sign and verify. A change to any of them drops the cached set.
_KEY_SETTINGS = frozenset({"JWT_ALGORITHM", "JWT_PRIVATE_KEY", "JWT_PUBLIC_KEY", "JWT_SECRET_KEY", "SECRET_KEY"})


@dataclass(frozen=True)
class VerificationKey:
    kid: str
    algorithm: str
    key: object
    public_jwk: dict | None
    # None for a key that is not retired, else the moment it stops verifying.
    verify_until: datetime | None = None

    def is_valid_at(self, moment):
        return self.verify_until is None or moment <= self.verify_until


@dataclass(frozen=True)
class KeySet:
    algorithm: str
    signing_kid: str
    signing_key: object
    verification_keys: dict

    def verification_key(self, kid, moment=None):
        """Return the key named `kid` if it still verifies at `moment` (default: now), else None."""
        key = self.verification_keys.get(kid)
        if key is None or not key.is_valid_at(moment or timezone.now()):
            return None
        return key

    def jwks(self, moment=None):
        """Return the public JWK Set (RFC 7517) of the keys that still verify, without any secret."""
        moment = moment or timezone.now()
        published = [key for key in self.verification_keys.values() if key.public_jwk and key.is_valid_at(moment)]
        return {"keys": [key.public_jwk for key in published]}


def _fernet():
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"plinto-signing-keys").derive(
        settings.SECRET_KEY.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _thumbprint(jwk):
    """RFC 7638 JWK thumbprint of an RSA public key, used as its `kid`."""
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def _public_jwk(public_key):
    """Return the public JWK of an RSA key, with its thumbprint as `kid`."""
    jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    jwk.update({"kid": _thumbprint(jwk), "use": "sig", "alg": "RS256"})
    return jwk


def generate_signing_key():
    """Create and store a new RS256 signing key; it becomes the one that signs."""
    from ..models import SigningKey

    private_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SIZE)
    public_jwk = _public_jwk(private_key.public_key())
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SigningKey.objects.create(
        kid=public_jwk["kid"], algorithm="RS256", private_key_encrypted=_fernet().encrypt(pem), public_jwk=public_jwk
    )


def rotate_signing_key():
    """Add a new current key and retire the others once the tokens they signed have expired.

    This process switches to the new key when the transaction commits. Other processes switch at
    their next reload, but they verify the new key's tokens at once because its `kid` is stored.
    """
    from ..models import SigningKey

    if not uses_generated_keys():
        raise ImproperlyConfigured(
            "Rotation is only for generated keys. This signing key comes from JWT_PRIVATE_KEY or "
            "JWT_SECRET_KEY, so rotate it by changing that setting."
        )
    with transaction.atomic():
        now = timezone.now()
        verify_until = now + timedelta(seconds=settings.ACCESS_TOKEN_LIFETIME) + RETIRED_KEY_GRACE
        SigningKey.objects.filter(retired_at__isnull=True).update(retired_at=now, verify_until=verify_until)
        key = generate_signing_key()
        transaction.on_commit(invalidate)
    return key


def _load_from_settings():
    algorithm = settings.JWT_ALGORITHM
    if algorithm == "HS256":
        secret = settings.JWT_SECRET_KEY.encode()
        kid = "hs-" + hashlib.sha256(secret).hexdigest()[:16]
        return KeySet(algorithm, kid, secret, {kid: VerificationKey(kid, algorithm, secret, None)})

    try:
        private_key = serialization.load_pem_private_key(settings.JWT_PRIVATE_KEY.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"JWT_PRIVATE_KEY is not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise ImproperlyConfigured("JWT_PRIVATE_KEY must be an RSA key for RS256.")
    public_key = private_key.public_key()
    if settings.JWT_PUBLIC_KEY:
        configured = serialization.load_pem_public_key(settings.JWT_PUBLIC_KEY.encode())
        if not isinstance(configured, rsa.RSAPublicKey) or configured.public_numbers() != public_key.public_numbers():
            raise ImproperlyConfigured("JWT_PUBLIC_KEY is not the public half of JWT_PRIVATE_KEY.")
    jwk = _public_jwk(public_key)
    kid = jwk["kid"]
    return KeySet(algorithm, kid, private_key, {kid: VerificationKey(kid, algorithm, public_key, jwk)})


def _decrypt_private_key(row):
    """Return the parsed private key of `row`, or None when another SECRET_KEY encrypted it."""
    try:
        pem = _fernet().decrypt(bytes(row.private_key_encrypted))
    except InvalidToken:
        # Tokens it signed still verify through its public JWK, but it can no longer sign.
        logger.error("signing_key_undecryptable", kid=row.kid)
        return None
    return serialization.load_pem_private_key(pem, password=None)


def _load_from_database(previous):
    """Return (key set, whether a key was generated), reusing the parsed keys of `previous`."""
    from ..models import SigningKey

    rows = list(SigningKey.objects.exclude(verify_until__lt=timezone.now()))
    current = [row for row in rows if row.retired_at is None]
    signer = current[0] if current else None  # Newest first; keys made in a race are all published.

    signing_key = None
    if previous and signer and previous.signing_kid == signer.kid:
        signing_key = previous.signing_key
    elif signer:
        signing_key = _decrypt_private_key(signer)

    generated = signing_key is None
    if generated:
        signer = generate_signing_key()
        rows.insert(0, signer)
        signing_key = _decrypt_private_key(signer)

    known = previous.verification_keys if previous else {}
    verification = {}
    for row in rows:
        public_key = known[row.kid].key if row.kid in known else RSAAlgorithm.from_jwk(row.public_jwk)
        verification[row.kid] = VerificationKey(row.kid, row.algorithm, public_key, row.public_jwk, row.verify_until)
    return KeySet("RS256", signer.kid, signing_key, verification), generated


def uses_generated_keys():
    return settings.JWT_ALGORITHM != "HS256" and not settings.JWT_PRIVATE_KEY


@dataclass(frozen=True)
class _CacheEntry:
    key_set: KeySet
    loaded_at: float


_lock = threading.Lock()
# Replaced as a whole, never mutated, so a reader sees a key set and its load time together.
_cache: _CacheEntry | None = None


def _store(key_set):
    global _cache
    _cache = _CacheEntry(key_set, time.monotonic())


def _is_new_stored_kid(kid):
    """Return whether `kid` names a stored key that still verifies, using one indexed query."""
    from ..models import SigningKey

    if not uses_generated_keys() or not _STORED_KID.fullmatch(kid):
        return False
    return SigningKey.objects.filter(kid=kid).exclude(verify_until__lt=timezone.now()).exists()


def get_key_set(*, unknown_kid=None):
    """Return the cached key set, reloading it when stale or when `unknown_kid` is a stored key.

    An unknown `kid` costs one indexed query and no reload unless the database contains that key,
    so tokens with made-up `kid`s cannot make a process reload its keys over and over.
    """
    entry = _cache
    stale = entry is None or time.monotonic() - entry.loaded_at > KEY_SET_TTL
    if not stale and unknown_kid and unknown_kid not in entry.key_set.verification_keys:
        stale = _is_new_stored_kid(unknown_kid)
    if not stale:
        return entry.key_set

    with _lock:
        if _cache is not entry and _cache is not None:
            return _cache.key_set  # Another thread reloaded while this one waited.
        if not uses_generated_keys():
            _store(_load_from_settings())
            return _cache.key_set

        key_set, generated = _load_from_database(entry.key_set if entry else None)
        if generated and connection.in_atomic_block:
            # Other processes see the new key only after the caller's transaction commits. Caching it
            # now would leave this process signing with a key that a rollback erases.
            transaction.on_commit(functools.partial(_store, key_set))
        else:
            _store(key_set)
    return key_set


def invalidate():
    """Drop the cached key set, so the next use loads it again from the settings or the database."""
    global _cache
    _cache = None


def _invalidate_on_key_setting_change(setting, **kwargs):
    if setting in _KEY_SETTINGS:
        invalidate()


# Connected when this module is first imported, because before that no cached key set exists.
setting_changed.connect(_invalidate_on_key_setting_change, dispatch_uid="accounts.tokens.keys.invalidate")
