"""An organization's audit log: filtering, exports with signed download links, and retention."""

import structlog
from django.conf import settings
from django.core import signing
from django.core.files.storage import storages
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import transaction
from django.utils import timezone
from rest_framework import status

from audit import exports
from audit.models import AuditEvent
from audit.retention import purge_before
from audit.services import describe, record
from plinto.api_errors import ApiError

from .. import rls
from ..models import AuditExport, Organization
from ..roles import Permission

logger = structlog.get_logger(__name__)

_LINK_SALT = "plinto.organizations.audit-export"


def filter_events(organization_id, filters):
    """Return the organization's events matching `filters` (actor, action, target, since, until)."""
    events = AuditEvent.objects.filter(organization_id=organization_id)
    if filters.get("actor"):
        events = events.filter(actor_id=filters["actor"])
    if filters.get("action"):
        events = events.filter(action=filters["action"])
    if filters.get("target"):
        events = events.filter(target_id=filters["target"])
    if filters.get("since"):
        events = events.filter(created_at__gte=filters["since"])
    if filters.get("until"):
        events = events.filter(created_at__lt=filters["until"])
    return events


def request_export(request, scope, *, fmt, filters):
    """Queue an export of the events matching `filters` and record who asked for what."""
    scope.require(Permission.AUDIT_EXPORT)
    stored_filters = {
        key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in filters.items()
    }
    actor_type, actor_id, _ = describe(scope.actor)
    with transaction.atomic():
        export = AuditExport.objects.create(
            organization=scope.organization,
            format=fmt,
            filters=stored_filters,
            requested_by_type=actor_type,
            requested_by_id=actor_id,
        )
        record(
            "audit.export_requested",
            actor=scope.actor,
            target=export,
            organization=scope.organization,
            request=request,
            metadata={"format": fmt, "filters": stored_filters},
        )
        from ..tasks import run_audit_export_task

        transaction.on_commit(lambda: run_audit_export_task.delay(str(export.pk)))
    return export


def run_export(export_id):
    """Write one export to the audit_exports storage; a failure marks it failed and is recorded."""
    with rls.bypass():
        export = AuditExport.objects.select_related("organization").filter(pk=export_id).first()
        if export is None or export.status != AuditExport.Status.PENDING:
            return None
        AuditExport.objects.filter(pk=export.pk).update(status=AuditExport.Status.RUNNING)

        events = filter_events(export.organization_id, export.filters)
        name = f"{export.organization_id}/{export.pk}.{export.format}"
        try:
            # A temporary file with a path, because FileSystemStorage then moves it into place
            # instead of copying hundreds of megabytes. Other storages read it as usual.
            with TemporaryUploadedFile(name, "application/octet-stream", 0, None) as spool:
                count = exports.write_events(events, export.format, spool)
                spool.seek(0)
                stored_name = storages["audit_exports"].save(name, spool)
        except Exception as exc:
            logger.exception("audit_export_failed", export_id=str(export.pk))
            AuditExport.objects.filter(pk=export.pk).update(
                status=AuditExport.Status.FAILED, finished_at=timezone.now(), error=type(exc).__name__
            )
            record("audit.export_failed", target=export, organization=export.organization, outcome="failure")
            raise

        AuditExport.objects.filter(pk=export.pk).update(
            status=AuditExport.Status.DONE, finished_at=timezone.now(), file_name=stored_name, row_count=count
        )
        record(
            "audit.export_completed",
            actor=("system", "audit-export", "audit export task"),
            target=export,
            organization=export.organization,
            metadata={"rows": count, "format": export.format},
        )
    return count


def download_link(export):
    """Return a signed link to the finished export, valid for AUDIT_EXPORT_LINK_SECONDS."""
    if export.status != AuditExport.Status.DONE:
        return None
    token = signing.dumps({"e": str(export.pk)}, salt=_LINK_SALT)
    return f"{settings.PUBLIC_BASE_URL}/api/v1/audit-exports/download?token={token}"


def open_download(request, token):
    """Return (export, file) for a valid, unexpired link, or raise 404 for any other token."""
    try:
        data = signing.loads(token, salt=_LINK_SALT, max_age=settings.AUDIT_EXPORT_LINK_SECONDS)
    except signing.BadSignature as exc:
        raise _link_invalid() from exc
    with rls.bypass():
        export = (
            AuditExport.objects.select_related("organization")
            .filter(pk=data.get("e") if isinstance(data, dict) else None, status=AuditExport.Status.DONE)
            .first()
        )
    if export is None or not export.organization.is_active:
        raise _link_invalid()
    record("audit.export_downloaded", target=export, organization=export.organization, request=request)
    return export, storages["audit_exports"].open(export.file_name, "rb")


def _link_invalid():
    return ApiError(
        status.HTTP_404_NOT_FOUND,
        "link_invalid",
        "The download link is invalid or expired; fetch the export again for a new link.",
    )


def apply_retention(now=None):
    """Delete events past each organization's retention and record how many went."""
    now = now or timezone.now()
    results = {}
    for organization in Organization.objects.filter(audit_retention_days__isnull=False):
        cutoff = now - timezone.timedelta(days=organization.audit_retention_days)
        deleted = purge_before(organization.pk, cutoff, batch_size=settings.AUDIT_RETENTION_BATCH_SIZE)
        if deleted:
            record(
                "audit.retention_applied",
                actor=("system", "audit-retention", "audit retention task"),
                target=organization,
                organization=organization,
                metadata={"deleted": deleted, "cutoff": cutoff.isoformat()},
            )
        results[str(organization.pk)] = deleted
    return results
