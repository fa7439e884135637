"""Second-factor devices and the pending logins that wait for a second factor."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin


class ThrottledDevice(ThrottlingMixin, Device):
    """A django-otp device whose failed verifications slow down this device only.

    The throttle state is stored on the device row, so every process reads the same count. A
    device of another method keeps its own count.
    """

    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    audit_type = "mfa_device"

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self._meta.model_name} {self.pk}"

    @property
    def audit_display(self):
        return str(self)

    def get_throttle_factor(self):
        return settings.MFA_THROTTLE_FACTOR


class TOTPDevice(ThrottledDevice):
    """An authenticator app (RFC 6238 TOTP) with its seed encrypted at rest."""

    encrypted_seed = models.TextField()
    # The time step of the last accepted code. Codes of this step or earlier are rejected, so each
    # code is single use, including the one that confirmed the device.
    last_t = models.BigIntegerField(default=-1)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user"], name="mfa_one_totp_device_per_user")]


class BackupCodeDevice(ThrottledDevice):
    """The user's current set of backup codes; regenerating replaces the codes, not the device."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user"], name="mfa_one_backup_device_per_user")]


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    # Keyed digest (accounts.mfa.crypto.code_digest) of the normalised code.
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["device", "digest"], name="mfa_backup_code_lookup_idx")]

    def __str__(self):
        return f"backup code {self.pk}"


class EmailDevice(ThrottledDevice):
    """Codes mailed to the account's verified address; each code belongs to one login attempt."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user"], name="mfa_one_email_device_per_user")]


class SMSDevice(ThrottledDevice):
    """A phone number that receives login codes by SMS; usable for login once `confirmed`.

    An unconfirmed device waits for the code sent to its number during enrollment.
    """

    # E.164, such as +14155550123: a plus sign and at most 15 digits.
    phone_number = models.CharField(max_length=16)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Keyed digest of the pending enrollment code, bound to this device and number.
    code_digest = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user"], name="mfa_one_sms_device_per_user")]


class MfaChallengeQuerySet(models.QuerySet):
    def open(self):
        return self.filter(consumed_at__isnull=True, expires_at__gt=timezone.now())


class MfaChallenge(models.Model):
    """A login whose first factor succeeded and that waits for a second one.

    The client keeps the mfa_token, and only its keyed digest is stored. `consumed_at` is set once,
    by the request that completes the login or by the attempt that spends the last try.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    token_digest = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfa_challenges")
    first_amr = models.JSONField(default=list)
    # The JSON-safe part of the login context, such as the organization the client named.
    context = models.JSONField(default=dict)
    # The user has no factor but a policy requires one: they must enroll before tokens are issued.
    enrollment_required = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    consumed_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveIntegerField(default=0)
    email_code_digest = models.CharField(max_length=64, blank=True)
    email_code_expires_at = models.DateTimeField(null=True, blank=True)
    sms_code_digest = models.CharField(max_length=64, blank=True)
    sms_code_expires_at = models.DateTimeField(null=True, blank=True)

    objects = MfaChallengeQuerySet.as_manager()

    audit_type = "mfa_challenge"

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="mfa_challenge_expiry_idx")]

    def __str__(self):
        return f"mfa challenge {self.pk}"

    @property
    def audit_display(self):
        return str(self)

    @property
    def is_open(self):
        return self.consumed_at is None and self.expires_at > timezone.now()
