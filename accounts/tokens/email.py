"""Signed, stateless tokens for links sent by email.

Verification tokens are bound to the user and the address being verified, so a token stops
working once the address changes. Reset tokens come from Django's PasswordResetTokenGenerator,
which binds them to the user's current password hash and last login, so they die when the
password changes by any path; PASSWORD_RESET_TIMEOUT (one hour) bounds their life.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from ..models import User
from ..normalization import email_key

_VERIFY_SALT = "plinto.accounts.verify-email"


def make_verification_token(user, address):
    return signing.dumps({"u": str(user.pk), "e": email_key(address)}, salt=_VERIFY_SALT, compress=True)


def read_verification_token(token):
    """Return (user_id, email_key) from a valid token, or None."""
    try:
        data = signing.loads(token, salt=_VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_TIMEOUT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), str) or not isinstance(data.get("e"), str):
        return None
    return data["u"], data["e"]


class _ResetTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "plinto.accounts.password-reset"

    def _make_hash_value(self, user, timestamp):
        # The email is included so a reset link dies when the address changes too.
        return super()._make_hash_value(user, timestamp) + user.email_key


reset_tokens = _ResetTokenGenerator()


def make_reset_token(user):
    return f"{urlsafe_base64_encode(force_bytes(user.pk))}.{reset_tokens.make_token(user)}"


def read_reset_token(token):
    """Return the user a valid reset token belongs to, or None."""
    uid, _, secret = (token or "").partition(".")
    try:
        user_id = force_str(urlsafe_base64_decode(uid))
        user = User.objects.filter(pk=user_id).first()
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, ValidationError):
        # ValidationError: the id decodes to text that is not a UUID.
        return None
    if user is None or not user.is_active or not reset_tokens.check_token(user, secret):
        return None
    return user
