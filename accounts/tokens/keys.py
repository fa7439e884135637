"""The signing key set: which key signs new tokens and which keys verify them.

Keys are parsed once per process and cached, because PyJWT re-parses a PEM string on every call
(tens of milliseconds for RSA). A process reloads the set from the database every
KEY_SET_TTL seconds, and at once (at most every KEY_RELOAD_MIN_INTERVAL) when a token names a
`kid` it does not know, so a rotation made by another process is picked up without restarts.
"""

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import structlog
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from jwt.algorithms import RSAAlgorithm

logger = structlog.get_logger(__name__)

KEY_SET_TTL = 60.0
KEY_RELOAD_MIN_INTERVAL = 5.0
RSA_KEY_SIZE = 2048


@dataclass(frozen=True)
class VerificationKey:
    kid: str
    algorithm: str
    key: object
    public_jwk: dict | None


@dataclass(frozen=True)
class KeySet:
    algorithm: str
    signing_kid: str
    signing_key: object
    verification_keys: dict

    def jwks(self):
        return {"keys": [k.public_jwk for k in self.verification_keys.values() if k.public_jwk]}


def _fernet():
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"plinto-signing-keys").derive(
        settings.SECRET_KEY.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _thumbprint(jwk):
    """RFC 7638 JWK thumbprint of an RSA public key, used as its `kid`."""
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def _public_jwk(public_key, kid):
    jwk = json.loads(RSAAlgorithm.to_jwk(public_key))
    jwk.update({"kid": kid, "use": "sig", "alg": "RS256"})
    return jwk


def generate_signing_key():
    """Create and store a new RS256 signing key; it becomes the one that signs."""
    from ..models import SigningKey

    private_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SIZE)
    public_jwk = _public_jwk(private_key.public_key(), "")
    kid = _thumbprint(public_jwk)
    public_jwk["kid"] = kid
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SigningKey.objects.create(
        kid=kid, algorithm="RS256", private_key_encrypted=_fernet().encrypt(pem), public_jwk=public_jwk
    )


def rotate_signing_key():
    """Add a new current key and retire the others once the tokens they signed have expired."""
    from ..models import SigningKey

    with transaction.atomic():
        now = timezone.now()
        verify_until = now + timedelta(seconds=settings.ACCESS_TOKEN_LIFETIME + 60)
        SigningKey.objects.filter(retired_at__isnull=True).update(retired_at=now, verify_until=verify_until)
        key = generate_signing_key()
    invalidate()
    return key


def _load_from_settings():
    algorithm = settings.JWT_ALGORITHM
    if algorithm == "HS256":
        secret = settings.JWT_SECRET_KEY.encode()
        kid = "hs-" + hashlib.sha256(secret).hexdigest()[:16]
        return KeySet(algorithm, kid, secret, {kid: VerificationKey(kid, algorithm, secret, None)})

    private_key = serialization.load_pem_private_key(settings.JWT_PRIVATE_KEY.encode(), password=None)
    public_key = private_key.public_key()
    if settings.JWT_PUBLIC_KEY:
        public_key = serialization.load_pem_public_key(settings.JWT_PUBLIC_KEY.encode())
    jwk = _public_jwk(public_key, "")
    kid = _thumbprint(jwk)
    jwk["kid"] = kid
    return KeySet(algorithm, kid, private_key, {kid: VerificationKey(kid, algorithm, public_key, jwk)})


def _decrypt_rows(rows):
    """Return {kid: private key} for the rows this SECRET_KEY can decrypt; log the others."""
    fernet = _fernet()
    keys = {}
    for row in rows:
        try:
            pem = fernet.decrypt(bytes(row.private_key_encrypted))
        except InvalidToken:
            # The key was stored under another SECRET_KEY; tokens it signed can no longer verify.
            logger.error("signing_key_undecryptable", kid=row.kid)
            continue
        keys[row.kid] = serialization.load_pem_private_key(pem, None)
    return keys


def _load_from_database():
    from ..models import SigningKey

    rows = list(SigningKey.objects.exclude(verify_until__lt=timezone.now()))
    private_keys = _decrypt_rows(rows)
    current = [row for row in rows if row.retired_at is None and row.kid in private_keys]
    if not current:
        row = generate_signing_key()
        rows.insert(0, row)
        private_keys.update(_decrypt_rows([row]))
        current = [row]
    signer = current[0]  # Newest first; two keys made in a race are both published.

    verification = {
        row.kid: VerificationKey(row.kid, row.algorithm, private_keys[row.kid].public_key(), row.public_jwk)
        for row in rows
        if row.kid in private_keys
    }
    return KeySet("RS256", signer.kid, private_keys[signer.kid], verification)


def uses_generated_keys():
    return settings.JWT_ALGORITHM != "HS256" and not settings.JWT_PRIVATE_KEY


_lock = threading.Lock()
_cached = {"key_set": None, "loaded_at": 0.0}


def get_key_set(*, unknown_kid=None):
    """Return the cached key set, reloading it when stale or when `unknown_kid` may be new."""
    now = time.monotonic()
    key_set = _cached["key_set"]
    age = now - _cached["loaded_at"]
    stale = key_set is None or age > KEY_SET_TTL
    if unknown_kid and key_set and unknown_kid not in key_set.verification_keys and age > KEY_RELOAD_MIN_INTERVAL:
        stale = True
    if not stale:
        return key_set

    with _lock:
        key_set = _load_from_database() if uses_generated_keys() else _load_from_settings()
        _cached["key_set"] = key_set
        _cached["loaded_at"] = time.monotonic()
    return key_set


def invalidate():
    _cached["key_set"] = None
