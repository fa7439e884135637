"""The recording API: services call `record()` explicitly for every event worth keeping."""

import structlog

from plinto.client_ip import get_client_ip

from .chain import append
from .models import AuditEvent

logger = structlog.get_logger(__name__)

# Metadata keys that look like they could carry a secret are masked before storage.
_SECRET_MARKERS = ("password", "secret", "token", "code", "key", "otp", "credential")


def describe(obj):
    """Return (type, id, display) for a model instance, a (type, id, display) tuple or None."""
    if obj is None:
        return "", "", ""
    if isinstance(obj, tuple):
        kind, ident, display = obj
        return kind, str(ident), display
    kind = getattr(obj, "audit_type", obj._meta.model_name)
    display = getattr(obj, "audit_display", None) or str(obj)
    return kind, str(obj.pk), display[:255]


def _mask(metadata):
    cleaned = {}
    for key, value in (metadata or {}).items():
        if any(marker in key.lower() for marker in _SECRET_MARKERS):
            cleaned[key] = "[masked]"
        elif isinstance(value, dict):
            cleaned[key] = _mask(value)
        else:
            cleaned[key] = value
    return cleaned


def record(action, *, actor=None, target=None, organization=None, request=None, outcome="success", metadata=None):
    """Append one audit event and return it.

    `actor`, `target` and `organization` are model instances or (type, id, display) tuples; a
    `request` supplies the client IP, user agent and request id. The event joins its
    organization's hash chain, whose lock is held until the surrounding transaction commits.
    """
    actor_type, actor_id, actor_display = describe(actor)
    target_type, target_id, target_display = describe(target)
    _, organization_id, organization_display = describe(organization)

    event = AuditEvent(
        action=action,
        outcome=outcome,
        actor_type=actor_type,
        actor_id=actor_id,
        actor_display=actor_display,
        target_type=target_type,
        target_id=target_id,
        target_display=target_display,
        organization_id=organization_id or None,
        organization_display=organization_display,
        metadata=_mask(metadata),
    )
    if request is not None:
        event.ip_address = get_client_ip(request)
        event.user_agent = request.META.get("HTTP_USER_AGENT", "")[:512]
        event.request_id = getattr(request, "request_id", "")
    append(event)
    logger.info("audit_event", action=action, outcome=outcome, actor_id=actor_id, target_id=target_id)
    return event
