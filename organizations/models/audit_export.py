import uuid

from django.db import models
from django.utils import timezone


class AuditExport(models.Model):
    """One export of an organization's audit events, written by a background task."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=8)
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    # Who asked, as audit events name actors: a user or an API key.
    requested_by_type = models.CharField(max_length=32)
    requested_by_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    row_count = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)

    audit_type = "audit_export"

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self):
        return f"audit export {self.pk}"

    @property
    def audit_display(self):
        return f"{self.format} export {self.pk}"
