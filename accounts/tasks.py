"""Background work of the accounts app."""

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
def send_account_email_task(self, user_id, kind, previous_address=None):
    """Send one account email; the user is fetched again, and a deleted user sends nothing."""
    from .emails import send_account_email
    from .models import User

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        logger.info("email_skipped_user_gone", user_id=user_id, kind=kind)
        return False
    sent = send_account_email(user, kind, previous_address=previous_address)
    logger.info("email_sent", user_id=user_id, kind=kind, sent=sent)
    return sent
