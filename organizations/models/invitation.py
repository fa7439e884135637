import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..roles import ROLE_CHOICES, Role


class Invitation(models.Model):
    """An offer to join an organization, sent to one address and accepted once.

    Only the SHA-256 digest of the token is stored; the token itself is in the emailed link.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    # The normalised address (accounts.normalization.email_key) the accepting account must have.
    email_key = models.CharField(max_length=254)
    role = models.CharField(max_length=16, choices=ROLE_CHOICES, default=Role.MEMBER)
    inviter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    audit_type = "invitation"

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email_key"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_address",
            )
        ]
        # The invitations list pages through one organization, newest first.
        indexes = [models.Index(fields=["organization", "-created_at", "id"], name="invitation_org_created_idx")]

    def __str__(self):
        return f"invitation {self.pk}"

    @property
    def audit_display(self):
        return f"invitation {self.pk}"

    @property
    def status(self):
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
