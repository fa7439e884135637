"""Passkey business rules; the API views and the MFA app call these functions."""

from .authentication import (
    PASSKEY_AMR,
    authenticate_passwordless,
    begin_authentication,
    begin_second_factor,
    sign_in_passwordless,
    verify_assertion_for_user,
)
from .management import find_passkey, list_passkeys, remove_passkey, rename_passkey
from .registration import begin_registration, finish_registration

__all__ = [
    "PASSKEY_AMR",
    "authenticate_passwordless",
    "begin_authentication",
    "begin_registration",
    "begin_second_factor",
    "find_passkey",
    "finish_registration",
    "list_passkeys",
    "remove_passkey",
    "rename_passkey",
    "sign_in_passwordless",
    "verify_assertion_for_user",
]
