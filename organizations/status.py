"""Organization status, cached so the per-request token check costs a cache read, not a query."""

from django.core.cache import cache
from django.db import transaction

from .models import Organization

# Seconds a cached status may be stale if an invalidation is lost, such as after an edit made
# outside the services. Deactivation through the services also revokes sessions at once.
STATUS_CACHE_SECONDS = 60
_MISSING = "missing"


def _key(organization_id):
    return f"org-status:{organization_id}"


def organization_status(organization_id):
    """Return the organization's status, or "missing" when it does not exist."""
    key = _key(organization_id)
    status = cache.get(key)
    if status is None:
        status = Organization.objects.filter(pk=organization_id).values_list("status", flat=True).first() or _MISSING
        cache.set(key, status, STATUS_CACHE_SECONDS)
    return status


def is_active(organization_id):
    return organization_status(organization_id) == Organization.Status.ACTIVE


def forget_status(organization_id):
    """Drop the cached status once the surrounding transaction commits."""
    transaction.on_commit(lambda: cache.delete(_key(organization_id)))
