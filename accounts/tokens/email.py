"""Signed, stateless tokens for links sent by email.

Verification tokens are bound to the user and the address being verified, so a token stops
working once the address changes. Reset tokens come from Django's PasswordResetTokenGenerator,
which binds them to the user's current password hash and last login, so they die when the
password changes by any path; PASSWORD_RESET_TIMEOUT (one hour) bounds their life.
"""

import uuid

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from ..models import User
from ..normalization import email_key

_VERIFY_SALT = "plinto.accounts.verify-email"


def make_verification_token(user, address):
    return signing.dumps({"u": str(user.pk), "e": email_key(address)}, salt=_VERIFY_SALT, compress=True)


def _parse_uuid(value):
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


def read_verification_token(token):
    """Return (user_id, email_key) from a valid token, or None."""
    try:
        data = signing.loads(token, salt=_VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_TIMEOUT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        return None
    user_id = _parse_uuid(data.get("u"))
    if user_id is None:
        return None
    return user_id, data["e"]


class _ResetTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "plinto.accounts.password-reset"

    def _make_hash_value(self, user, timestamp):
        # The email is included so a reset link dies when the address changes too.
        return super()._make_hash_value(user, timestamp) + user.email_key


reset_tokens = _ResetTokenGenerator()


def make_reset_token(user):
    return f"{urlsafe_base64_encode(force_bytes(user.pk))}.{reset_tokens.make_token(user)}"


def reset_token_user_id(token):
    """Return the user id a reset token names, without checking the token, or None."""
    uid, _, _ = (token or "").partition(".")
    try:
        return _parse_uuid(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, UnicodeDecodeError):
        return None


def read_reset_token(token, *, for_update=False):
    """Return the active user a valid reset token belongs to, or None.

    With `for_update`, the user row is locked until the caller's transaction ends, so a second
    request with the same token waits and then finds the token spent.
    """
    user_id = reset_token_user_id(token)
    if user_id is None:
        return None
    users = User.objects.select_for_update() if for_update else User.objects
    user = users.filter(pk=user_id, is_active=True).first()
    _, _, secret = token.partition(".")
    if user is None or not reset_tokens.check_token(user, secret):
        return None
    return user
