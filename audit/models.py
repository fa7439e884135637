"""Append-only audit events.

Actor, target and organization are kept as ids and display names rather than foreign keys, so
deleting a user or an organization never deletes or rewrites its history.
"""

import uuid

from django.db import models


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a recorded audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only and cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only and cannot be deleted.")

    # Retention removes old events on purpose and goes through this one named door.
    def _purge(self):
        return super().delete()


class AuditEvent(models.Model):
    class Outcome(models.TextChoices):
        SUCCESS = "success"
        FAILURE = "failure"

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)

    actor_type = models.CharField(max_length=32, blank=True)
    actor_id = models.CharField(max_length=64, blank=True, db_index=True)
    actor_display = models.CharField(max_length=255, blank=True)
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.CharField(max_length=64, blank=True, db_index=True)
    target_display = models.CharField(max_length=255, blank=True)
    organization_id = models.UUIDField(null=True, blank=True, db_index=True)
    organization_display = models.CharField(max_length=255, blank=True)

    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["organization_id", "-id"], name="audit_org_recent_idx")]

    def __str__(self):
        return f"{self.action} #{self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only and cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only and cannot be deleted.")
