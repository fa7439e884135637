"""Six-digit codes sent by SMS: confirming a phone number, and login codes bound to one login attempt."""

import hmac
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import status

from plinto.api_errors import ApiError

from ... import ratelimit
from ..codes import new_numeric_code, normalize_code
from ..crypto import code_digest
from ..models import MfaChallenge, SMSDevice
from ..registry import ACCEPTED, INVALID, BaseAuthenticator
from ..sms import SMSMessage
from .throttling import throttled_outcome

# The purpose of a queued code, which selects the row that stores the code's digest.
LOGIN = "login"
ENROLLMENT = "enrollment"


def _login_digest(challenge_id, code):
    # The challenge id is part of the digest, so a code only matches the login attempt it was sent for.
    return code_digest(f"sms-login:{challenge_id}:{code}")


def _enrollment_digest(device_id, phone_number, code):
    # The number is part of the digest, so a code cannot confirm a number it was not sent to.
    return code_digest(f"sms-enrollment:{device_id}:{phone_number}:{code}")


def _code_matches(stored_digest, expires_at, candidate_digest):
    if not stored_digest or expires_at is None or expires_at <= timezone.now():
        return False
    return hmac.compare_digest(stored_digest, candidate_digest)


def enforce_send_limits(request, user, phone_number):
    """Count one SMS against the number's and the account's hourly budgets; raise 429 when spent."""
    ratelimit.enforce_hourly_budget(
        request,
        "mfa-sms-number",
        code_digest(f"sms-number:{phone_number}")[:32],
        settings.MFA_SMS_PER_NUMBER_PER_HOUR,
        subject="codes sent to this phone number",
    )
    ratelimit.enforce_hourly_budget(
        request,
        "mfa-sms-account",
        str(user.pk),
        settings.MFA_SMS_PER_ACCOUNT_PER_HOUR,
        subject="SMS codes sent for this account",
    )


def _queue_code(purpose, object_id):
    from ..tasks import send_sms_code_task

    object_id = str(object_id)
    transaction.on_commit(lambda: send_sms_code_task.delay(purpose, object_id))


def issue_code_message(purpose, object_id):
    """Generate a code for a login or an enrollment, store its digest, and return the SMSMessage.

    The Celery task calls this, so the code never travels through the broker. Each call replaces
    the stored digest, so a retried send voids the code of the attempt before it. Returns None when
    the login attempt or the enrollment no longer waits for a code.
    """
    code = new_numeric_code(6)
    lifetime = settings.MFA_SMS_CODE_LIFETIME
    expires_at = timezone.now() + timedelta(seconds=lifetime)
    minutes = max(1, lifetime // 60)

    if purpose == LOGIN:
        challenge = MfaChallenge.objects.open().filter(pk=object_id).first()
        device = None
        if challenge is not None:
            device = SMSDevice.objects.filter(user_id=challenge.user_id, confirmed=True).first()
        if device is None:
            return None
        updated = (
            MfaChallenge.objects.open()
            .filter(pk=object_id)
            .update(sms_code_digest=_login_digest(challenge.pk, code), sms_code_expires_at=expires_at)
        )
        body = f"Your login code is {code}. It expires in {minutes} minutes. Never share it."
    elif purpose == ENROLLMENT:
        device = SMSDevice.objects.filter(pk=object_id, confirmed=False).first()
        if device is None:
            return None
        # The number is part of the filter, so a number changed meanwhile gets no stale code.
        updated = SMSDevice.objects.filter(pk=device.pk, confirmed=False, phone_number=device.phone_number).update(
            code_digest=_enrollment_digest(device.pk, device.phone_number, code), code_expires_at=expires_at
        )
        body = f"Your code to confirm this phone number is {code}. It expires in {minutes} minutes."
    else:
        raise ValueError(f"Unknown SMS code purpose {purpose!r}; expected {LOGIN!r} or {ENROLLMENT!r}.")

    if not updated:
        return None
    return SMSMessage(to=device.phone_number, body=body)


def _already_enrolled():
    return ApiError(
        status.HTTP_409_CONFLICT,
        "sms_already_enrolled",
        "A phone number is already verified for SMS codes; remove it with DELETE /api/v1/mfa/sms first.",
    )


def start_setup(request, user, phone_number):
    """Attach `phone_number` (E.164) to the user's unconfirmed SMS device and send it a code.

    Sending again, with the same number or another, replaces the pending code. The device row is
    kept, so its throttle count survives a new request.
    """
    if SMSDevice.objects.filter(user=user, confirmed=True).exists():
        raise _already_enrolled()
    enforce_send_limits(request, user, phone_number)
    with transaction.atomic():
        device, created = SMSDevice.objects.select_for_update().get_or_create(
            user=user, defaults={"name": "SMS", "confirmed": False, "phone_number": phone_number}
        )
        if device.confirmed:
            raise _already_enrolled()
        if not created:
            device.phone_number = phone_number
            device.code_digest = ""
            device.code_expires_at = None
            device.save(update_fields=["phone_number", "code_digest", "code_expires_at"])
        _queue_code(ENROLLMENT, device.pk)
    return {"phone_number": phone_number, "code_lifetime": settings.MFA_SMS_CODE_LIFETIME}


def confirm_pending_device(user, code):
    """Check `code` against the number being enrolled and confirm it; return the Outcome."""
    device = SMSDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise ApiError(
            status.HTTP_409_CONFLICT,
            "sms_setup_missing",
            "No phone number is waiting for confirmation; start with POST /api/v1/mfa/sms.",
        )
    throttled = throttled_outcome(device)
    if throttled:
        return throttled

    candidate = _enrollment_digest(device.pk, device.phone_number, normalize_code(code))
    if not _code_matches(device.code_digest, device.code_expires_at, candidate):
        device.throttle_increment()
        return INVALID

    now = timezone.now()
    device.confirmed = True
    device.confirmed_at = now
    device.code_digest = ""
    device.code_expires_at = None
    device.throttle_reset(commit=False)
    device.save()
    return ACCEPTED


def sms_status(user):
    """Return the user's number and whether it is verified, or None when there is none."""
    device = SMSDevice.objects.filter(user=user).first()
    if device is None:
        return None
    return {"phone_number": device.phone_number, "verified": device.confirmed}


class SMSAuthenticator(BaseAuthenticator):
    method = "sms"
    amr = "sms"
    needs_challenge = True
    # NOTE: not offered when a policy forces enrollment during login (enrollable_at_login is False),
    # because POST /api/v1/auth/mfa/enroll takes no phone number; such users enroll TOTP first.

    def is_enrolled(self, user):
        return SMSDevice.objects.filter(user=user, confirmed=True).exists()

    def send_challenge(self, user, challenge, *, request=None):
        """Queue a login code for `challenge`; the task stores its digest, voiding an earlier one."""
        device = SMSDevice.objects.get(user=user, confirmed=True)
        enforce_send_limits(request, user, device.phone_number)
        _queue_code(LOGIN, challenge.pk)

    def verify(self, user, code, *, challenge=None, request=None):
        # Without a login attempt there is no code to compare with (step-up uses other methods).
        if challenge is None or not challenge.sms_code_digest:
            return INVALID
        device = SMSDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            return INVALID
        throttled = throttled_outcome(device)
        if throttled:
            return throttled

        candidate = _login_digest(challenge.pk, normalize_code(code))
        if not _code_matches(challenge.sms_code_digest, challenge.sms_code_expires_at, candidate):
            device.throttle_increment()
            return INVALID

        challenge.sms_code_digest = ""
        challenge.sms_code_expires_at = None
        challenge.save(update_fields=["sms_code_digest", "sms_code_expires_at"])
        device.last_used_at = timezone.now()
        device.throttle_reset(commit=False)
        device.save()
        return ACCEPTED

    def remove(self, user):
        deleted, _ = SMSDevice.objects.filter(user=user).delete()
        return deleted > 0
