"""Encryption of TOTP seeds at rest, and keyed digests of codes and tokens stored for comparison."""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _derive(info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(settings.SECRET_KEY.encode())


@lru_cache(maxsize=4)
def _fernet(configured_key, secret_key):
    # Both arguments are the cache key, so a changed setting (tests override it) takes effect.
    if configured_key:
        try:
            return Fernet(configured_key.encode())
        except ValueError as exc:
            raise ImproperlyConfigured(
                "MFA_ENCRYPTION_KEY must be a Fernet key: 32 bytes in urlsafe base64, "
                "as printed by `python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())'`."
            ) from exc
    return Fernet(base64.urlsafe_b64encode(_derive(b"plinto mfa seed encryption")))


def encrypt_secret(raw):
    """Encrypt the bytes `raw` and return the token as text."""
    return _fernet(settings.MFA_ENCRYPTION_KEY, settings.SECRET_KEY).encrypt(raw).decode()


def decrypt_secret(token):
    """Decrypt a token made by encrypt_secret; raise ImproperlyConfigured when the key changed."""
    try:
        return _fernet(settings.MFA_ENCRYPTION_KEY, settings.SECRET_KEY).decrypt(token.encode())
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored TOTP seed cannot be decrypted: MFA_ENCRYPTION_KEY (or SECRET_KEY when it is unset) "
            "differs from the key that encrypted it."
        ) from exc


def code_digest(value):
    """Return a keyed SHA-256 digest of a code or token, as hex.

    Backup codes carry about 49 bits (10 characters from 30), so a plain hash of a leaked table
    could be reversed by trying every code. The key derived from SECRET_KEY prevents that.
    """
    key = _derive(b"plinto mfa code digest")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
