"""Append-only audit events.

Actor, target and organization are kept as ids and display names rather than foreign keys, so
deleting a user or an organization never deletes or rewrites its history.
"""

import uuid

from django.db import models
from django.utils import timezone


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
    # Set before saving (not auto_now_add) because the hash covers it.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
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
    # Each organization's events (and the events of no organization) form a hash chain:
    # `hash` covers this event's fields and `prev_hash`, the hash of the chain's previous event.
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

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


class AuditChain(models.Model):
    """The head of one hash chain: the last event's hash, updated under a row lock."""

    # "org:<uuid>" for an organization's chain, "platform" for events of no organization.
    key = models.CharField(max_length=64, unique=True)
    last_hash = models.CharField(max_length=64, blank=True)
    # The hash of the last event retention deleted: the `prev_hash` the oldest kept event has.
    anchor_hash = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return f"audit chain {self.key}"
