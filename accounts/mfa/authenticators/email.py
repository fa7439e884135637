"""Six-digit codes mailed to the verified address, each bound to one login attempt."""

import hmac
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ..codes import new_numeric_code, normalize_code
from ..crypto import code_digest
from ..emails import queue_mfa_email
from ..models import EmailDevice
from ..registry import ACCEPTED, INVALID, BaseAuthenticator
from .throttling import throttled_outcome


def _bound_digest(challenge, code):
    # The challenge id is part of the digest, so a code only ever matches the attempt it was sent for.
    return code_digest(f"{challenge.pk}:{code}")


class EmailAuthenticator(BaseAuthenticator):
    method = "email"
    amr = "otp"
    needs_challenge = True

    def is_enrolled(self, user):
        return user.email_verified and EmailDevice.objects.filter(user=user, confirmed=True).exists()

    def send_challenge(self, user, challenge, *, request=None):
        """Store a new code's digest on the challenge (voiding an earlier one) and mail the code."""
        code = new_numeric_code(6)
        lifetime = settings.MFA_EMAIL_CODE_LIFETIME
        challenge.email_code_digest = _bound_digest(challenge, code)
        challenge.email_code_expires_at = timezone.now() + timedelta(seconds=lifetime)
        challenge.save(update_fields=["email_code_digest", "email_code_expires_at"])
        queue_mfa_email(user, "login_code", code=code, minutes=lifetime // 60)

    def verify(self, user, code, *, challenge=None, request=None):
        # Without a login attempt there is no code to compare with (step-up uses other methods).
        if challenge is None or not challenge.email_code_digest:
            return INVALID
        device = EmailDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            return INVALID
        throttled = throttled_outcome(device)
        if throttled:
            return throttled

        expired = challenge.email_code_expires_at is None or challenge.email_code_expires_at <= timezone.now()
        digest = _bound_digest(challenge, normalize_code(code))
        if expired or not hmac.compare_digest(digest, challenge.email_code_digest):
            device.throttle_increment()
            return INVALID

        challenge.email_code_digest = ""
        challenge.email_code_expires_at = None
        challenge.save(update_fields=["email_code_digest", "email_code_expires_at"])
        device.last_used_at = timezone.now()
        device.throttle_reset(commit=False)
        device.save()
        return ACCEPTED

    def enable(self, user):
        """Turn email codes on; the address is already verified, so no extra confirmation is asked."""
        device, created = EmailDevice.objects.get_or_create(
            user=user, defaults={"name": "Email codes", "confirmed": True}
        )
        return created

    def remove(self, user):
        deleted, _ = EmailDevice.objects.filter(user=user).delete()
        return deleted > 0
