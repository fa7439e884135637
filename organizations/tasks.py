"""Background work of the organizations app."""

import smtplib

import structlog
from celery import shared_task

logger = structlog.get_logger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def send_invitation_email_task(self, invitation_id):
    """Mail the invitation link; a revoked, accepted or deleted invitation sends nothing."""
    from .emails import send_invitation_email
    from .models import Invitation
    from .rls import bypass

    with bypass():
        invitation = (
            Invitation.objects.select_related("organization")
            .filter(pk=invitation_id, accepted_at__isnull=True, revoked_at__isnull=True)
            .first()
        )
        if invitation is None:
            logger.info("invitation_email_skipped", invitation_id=invitation_id)
            return False
        send_invitation_email(invitation)
    logger.info("invitation_email_sent", invitation_id=invitation_id)
    return True


@shared_task
def run_audit_export_task(export_id):
    """Write one audit export; an export already started or gone is skipped."""
    from .services.audit_log import run_export

    return run_export(export_id)


@shared_task
def apply_audit_retention_task():
    """Delete audit events past each organization's retention (scheduled hourly by celery beat)."""
    from .services.audit_log import apply_retention

    return apply_retention()
