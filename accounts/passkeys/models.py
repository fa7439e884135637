"""Registered WebAuthn credentials (passkeys)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Passkey(models.Model):
    """A public key credential a user registered, with what the authenticator reported about it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys")
    # The credential id, base64url without padding as WebAuthn's JSON encodes it. The standard
    # caps the raw id at 1023 bytes, which is 1364 characters in this encoding.
    credential_id = models.CharField(max_length=1364, unique=True)
    # The COSE_Key from the attested credential data, as registered.
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    # The authenticator model; all zeros when the attestation was `none`.
    aaguid = models.CharField(max_length=36, blank=True)
    attestation_format = models.CharField(max_length=32, blank=True)
    # True for a credential synced between devices (the backup state flag was set).
    backed_up = models.BooleanField(default=False)
    name = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    audit_type = "passkey"

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["user", "created_at"], name="passkey_user_created_idx")]

    def __str__(self):
        return f"passkey {self.pk}"

    @property
    def audit_display(self):
        return f"passkey {self.name}"[:255]
