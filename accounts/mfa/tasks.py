"""Background work of the MFA app."""

import smtplib

import structlog
from celery import shared_task

logger = structlog.get_logger(__name__)

# Errors worth a retry: the mail server was briefly unreachable. Anything else is a bug or a
# permanent rejection, and retrying would only send a stale code later.
TRANSIENT_MAIL_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError)


@shared_task(bind=True, autoretry_for=TRANSIENT_MAIL_ERRORS, retry_backoff=True, max_retries=3)
def send_mfa_email_task(self, user_id, kind, context):
    """Send one MFA email; the user is fetched again, and a deleted user gets nothing.

    NOTE: a login code travels in the task arguments, so it is stored in the Celery broker until
    a worker takes it. The code is valid for MFA_EMAIL_CODE_LIFETIME seconds and one login attempt.
    """
    from accounts.models import User

    from .emails import send_mfa_email

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        logger.info("mfa_email_skipped_user_gone", user_id=user_id, kind=kind)
        return False
    sent = send_mfa_email(user, kind, context)
    logger.info("mfa_email_sent", user_id=user_id, kind=kind, sent=sent)
    return sent
