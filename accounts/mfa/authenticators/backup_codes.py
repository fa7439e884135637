"""Backup codes: ten single-use codes, stored as keyed digests and shown only when generated."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..codes import format_backup_code, new_backup_code, normalize_code
from ..crypto import code_digest
from ..emails import queue_mfa_email
from ..models import BackupCode, BackupCodeDevice
from ..registry import INVALID, BaseAuthenticator, Outcome
from .throttling import throttled_outcome


def generate_codes(user):
    """Replace the user's backup codes with a new set and return the codes, formatted for display.

    The old set stops working in the same transaction.
    """
    codes = [new_backup_code() for _ in range(settings.MFA_BACKUP_CODE_COUNT)]
    with transaction.atomic():
        device, _ = BackupCodeDevice.objects.get_or_create(user=user, defaults={"name": "Backup codes"})
        device.codes.all().delete()
        BackupCode.objects.bulk_create(BackupCode(device=device, digest=code_digest(code)) for code in codes)
        device.throttle_reset()
    return [format_backup_code(code) for code in codes]


def remaining_codes(user):
    return BackupCode.objects.filter(device__user=user, used_at__isnull=True).count()


def backup_code_status(user):
    """Return how many unused codes remain and whether that is few enough to warn about."""
    exists = BackupCodeDevice.objects.filter(user=user).exists()
    remaining = remaining_codes(user) if exists else 0
    return {
        "enrolled": exists,
        "remaining": remaining,
        "warning": exists and remaining < settings.MFA_BACKUP_CODE_WARN_BELOW,
    }


class BackupCodeAuthenticator(BaseAuthenticator):
    method = "backup_code"
    amr = "otp"
    # Backup codes stand in for another factor; on their own they do not turn MFA on.
    counts_as_factor = False

    def is_enrolled(self, user):
        return BackupCode.objects.filter(device__user=user, used_at__isnull=True).exists()

    def verify(self, user, code, *, challenge=None, request=None):
        device = BackupCodeDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            return INVALID
        throttled = throttled_outcome(device)
        if throttled:
            return throttled

        match = device.codes.filter(digest=code_digest(normalize_code(code)), used_at__isnull=True).first()
        if match is None:
            device.throttle_increment()
            return INVALID

        now = timezone.now()
        match.used_at = now
        match.save(update_fields=["used_at"])
        device.last_used_at = now
        device.throttle_reset(commit=False)
        device.save()

        remaining = device.codes.filter(used_at__isnull=True).count()
        if remaining < settings.MFA_BACKUP_CODE_WARN_BELOW:
            queue_mfa_email(user, "backup_codes_low", remaining=remaining)
        return Outcome(True, details={"backup_codes_remaining": remaining})

    def remove(self, user):
        deleted, _ = BackupCodeDevice.objects.filter(user=user).delete()
        return deleted > 0
