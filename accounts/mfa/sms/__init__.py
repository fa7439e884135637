"""Sending SMS through a backend chosen by the SMS_BACKEND setting: console, file or http."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .base import BaseSMSBackend, SMSError, SMSMessage, SMSRejectedError, TransientSMSError, masked_number

__all__ = [
    "BaseSMSBackend",
    "SMSError",
    "SMSMessage",
    "SMSRejectedError",
    "TransientSMSError",
    "get_backend",
    "masked_number",
]

BUILTIN_BACKENDS = {
    "console": "accounts.mfa.sms.console.ConsoleBackend",
    "file": "accounts.mfa.sms.filebased.FileBackend",
    "http": "accounts.mfa.sms.http.HTTPBackend",
}


def get_backend():
    """Return a new instance of the configured backend: a built-in name or a dotted class path."""
    name = settings.SMS_BACKEND
    path = BUILTIN_BACKENDS.get(name, name)
    if "." not in path:
        raise ImproperlyConfigured(
            f"SMS_BACKEND={name!r} is unknown; use console, file, http or the dotted path of a backend class."
        )
    try:
        backend_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"SMS_BACKEND={name!r} cannot be imported: {exc}") from exc
    return backend_class()
