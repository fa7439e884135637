import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..roles import ROLE_CHOICES, Role, permissions_of


class Membership(models.Model):
    """A user's place in an organization and the role that grants their permissions there."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=ROLE_CHOICES, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    audit_type = "membership"

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user")]
        # The members list pages through one organization in this order; without the index every
        # page sorts all of the organization's members again.
        indexes = [models.Index(fields=["organization", "created_at", "id"], name="membership_org_created_idx")]

    def __str__(self):
        return f"membership {self.pk}"

    @property
    def audit_display(self):
        return f"{self.user_id} as {self.role}"

    @property
    def permissions(self):
        return permissions_of(self.role)
