"""Passkey business rules; the API views and the MFA app call these functions."""

from .authentication import (
    PASSKEY_AMR,
    authenticate_passwordless,
    begin_authentication,
    begin_second_factor,
    verify_assertion_for_user,
)
from .management import find_passkey, list_passkeys, remove_passkey, rename_passkey
from .registration import begin_registration, finish_registration
from .step_up import require_recent_authentication

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
    "require_recent_authentication",
    "verify_assertion_for_user",
]
