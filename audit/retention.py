"""Deleting old audit events in batches without breaking the hash chain.

Only a prefix of a chain is deleted (every event up to the newest one older than the cutoff),
and the chain head remembers the last deleted hash as its anchor, so the kept events still
verify. On PostgreSQL the append-only trigger lets the delete through because each batch's
transaction sets `plinto.audit_purge` to `on` (SET LOCAL, so it ends with the transaction).
"""

from django.db import connection, transaction

from .chain import lock_chain
from .models import AuditEvent

DEFAULT_BATCH_SIZE = 1000


def purge_before(organization_id, cutoff, *, batch_size=DEFAULT_BATCH_SIZE):
    """Delete the organization's events older than `cutoff`, `batch_size` per transaction.

    Returns how many events were deleted; the caller records that it happened.
    """
    events = AuditEvent.objects.filter(organization_id=organization_id)
    last_id = events.filter(created_at__lt=cutoff).order_by("-id").values_list("id", flat=True).first()
    if last_id is None:
        return 0

    deleted = 0
    while True:
        with transaction.atomic():
            head = lock_chain(organization_id)
            batch = list(events.filter(id__lte=last_id).order_by("id").values_list("id", "hash")[:batch_size])
            if not batch:
                return deleted
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('plinto.audit_purge', 'on', true)")
            AuditEvent.objects.filter(id__in=[event_id for event_id, _ in batch])._purge()
            head.anchor_hash = batch[-1][1]
            head.save(update_fields=["anchor_hash"])
            deleted += len(batch)
