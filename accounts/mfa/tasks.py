"""Background work of the MFA app: emails and SMS codes."""

import smtplib

import structlog
from celery import shared_task
from django.conf import settings

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


# Wait before retry n (counted from 0): 5, 10, 20, 40 seconds, at most 60, because a login code
# lives MFA_SMS_CODE_LIFETIME seconds (10 minutes by default) and a later one is useless.
SMS_RETRY_BASE_DELAY = 5
SMS_RETRY_MAX_DELAY = 60


def sms_retry_delay(retries, retry_after=None):
    """Return the seconds to wait before the next attempt; a provider's Retry-After wins, capped."""
    delay = retry_after if retry_after is not None else SMS_RETRY_BASE_DELAY * 2**retries
    return min(delay, SMS_RETRY_MAX_DELAY)


@shared_task(bind=True)
def send_sms_code_task(self, purpose, object_id):
    """Generate a code for a login attempt or a phone enrollment, store its digest and send it.

    `purpose` is `login` (object_id is an MfaChallenge id) or `enrollment` (an SMSDevice id). The
    code is made inside the task, so it is never in the broker. Transient failures are retried
    up to SMS_SEND_MAX_RETRIES times, each with a new code. A rejection (a 4xx other than 429)
    or the last failed retry is logged and ends the task, returning False.
    """
    from .authenticators.sms import issue_code_message
    from .sms import SMSRejectedError, TransientSMSError, get_backend, masked_number

    message = issue_code_message(purpose, object_id)
    if message is None:
        logger.info("sms_code_skipped", purpose=purpose, object_id=object_id, reason="no longer waiting for a code")
        return False

    attempt = self.request.retries + 1
    log = logger.bind(purpose=purpose, object_id=object_id, to=masked_number(message.to), attempt=attempt)
    try:
        provider_id = get_backend().send(message)
    except TransientSMSError as exc:
        max_retries = settings.SMS_SEND_MAX_RETRIES
        if self.request.retries >= max_retries:
            log.error("sms_send_failed", error=str(exc), retries=self.request.retries)
            return False
        delay = sms_retry_delay(self.request.retries, exc.retry_after)
        if self.request.is_eager:
            # Eager mode (the embedded default, and tests) has no broker to hold a delayed attempt,
            # and with task_eager_propagates Celery would raise Retry into the request. The next
            # attempt runs at once instead.
            # NOTE: with the http backend in eager mode, a provider that hangs keeps the request waiting for
            # up to (SMS_SEND_MAX_RETRIES + 1) * SMS_HTTP_TIMEOUT seconds.
            log.warning("sms_send_retrying", error=str(exc), retry_in=0)
            return self.apply(args=(purpose, object_id), retries=self.request.retries + 1).result
        log.warning("sms_send_retrying", error=str(exc), retry_in=delay)
        raise self.retry(exc=exc, countdown=delay, max_retries=max_retries) from exc
    except SMSRejectedError as exc:
        log.error("sms_send_rejected", error=str(exc))
        return False

    log.info("sms_code_sent", provider_message_id=provider_id)
    return True
