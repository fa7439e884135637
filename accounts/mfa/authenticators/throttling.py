"""Per-device throttling shared by the built-in methods, on django-otp's ThrottlingMixin."""

import math

from django.utils import timezone

from ..registry import Outcome


def throttled_outcome(device):
    """Return a `throttled` Outcome while the device is inside its back-off, else None."""
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (info or {}).get("locked_until")
    wait = (locked_until - timezone.now()).total_seconds() if locked_until else 1
    return Outcome(False, "throttled", retry_after=max(1, math.ceil(wait)))
