import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Domain(models.Model):
    """An email domain an organization claims, proven by a DNS TXT record it publishes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="domains")
    # Lowercase ASCII (IDNA) form, without a trailing dot.
    domain = models.CharField(max_length=253)
    verification_token = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)

    audit_type = "domain"

    class Meta:
        ordering = ["domain", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "domain"], name="domain_unique_per_organization"),
            # Auto-join must lead to one organization, so only one may hold a domain verified.
            models.UniqueConstraint(
                fields=["domain"], condition=Q(verified_at__isnull=False), name="domain_verified_once"
            ),
        ]

    def __str__(self):
        return f"domain {self.domain}"

    @property
    def audit_display(self):
        return self.domain

    @property
    def record_name(self) -> str:
        return f"_plinto-verification.{self.domain}"

    @property
    def record_value(self) -> str:
        return f"plinto-verification={self.verification_token}"
