"""Password policy validators for Django's AUTH_PASSWORD_VALIDATORS.

Each validator checks the NFKC form of the password, because that is the form the hashers store
(see accounts.passwords.hashers).
"""

import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError

from ..normalization import normalize_password
from .breach import breach_count


class ComplexityValidator:
    """At least `min_length` characters with an upper-case letter, a lower-case letter, a digit
    and a special character; at most PASSWORD_MAX_LENGTH so one request cannot tie up a worker."""

    def __init__(self, min_length=12):
        self.min_length = min_length

    def validate(self, password, user=None):
        password = normalize_password(password)
        # Checked first: NFKC can expand a character into several (U+FDFA becomes 18), so input
        # that fits the API's length limit may still be too long here.
        if len(password) > settings.PASSWORD_MAX_LENGTH:
            raise ValidationError(
                f"The password must be at most {settings.PASSWORD_MAX_LENGTH} characters; choose a shorter one.",
                code="password_too_long",
            )

        problems = []
        if len(password) < self.min_length:
            problems.append(f"at least {self.min_length} characters")
        if not any(ch.isupper() for ch in password):
            problems.append("an upper-case letter")
        if not any(ch.islower() for ch in password):
            problems.append("a lower-case letter")
        if not any(ch.isdigit() for ch in password):
            problems.append("a digit")
        if not any(not ch.isalnum() and not unicodedata.category(ch).startswith("C") for ch in password):
            problems.append("a special character such as ! or #")
        if problems:
            raise ValidationError("The password needs " + ", ".join(problems) + ".", code="password_too_weak")

    def get_help_text(self):
        return (
            f"At least {self.min_length} characters, with upper- and lower-case letters, a digit and a "
            "special character."
        )


class BreachedPasswordValidator:
    """Reject passwords found in the breached-password corpus or the configured range API."""

    def validate(self, password, user=None):
        if breach_count(normalize_password(password)):
            raise ValidationError(
                "This password appears in a list of breached passwords; choose another one.",
                code="password_breached",
            )

    def get_help_text(self):
        return "Not a password known from a data breach."
