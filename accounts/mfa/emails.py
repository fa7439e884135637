"""Emails about second factors: one-time login codes and notices of factor changes."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

# kind -> subject; the body is templates/mfa/email/<kind>.txt.
SUBJECTS = {
    "login_code": "Your login code",
    "factor_changed": "Your two-factor settings were changed",
    "backup_codes_low": "You are running out of backup codes",
    "factors_reset": "Your two-factor methods were removed",
}


def send_mfa_email(user, kind, context):
    """Render and send one MFA email to the user's stored, verified address."""
    if not user.email or not user.email_verified:
        return False
    body = render_to_string(
        f"mfa/email/{kind}.txt", {**context, "user": user, "public_base_url": settings.PUBLIC_BASE_URL}
    )
    EmailMultiAlternatives(SUBJECTS[kind], body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
    return True


def queue_mfa_email(user, kind, **context):
    """Send the email from a Celery task once the current transaction commits."""
    from .tasks import send_mfa_email_task

    user_id = str(user.pk)
    transaction.on_commit(lambda: send_mfa_email_task.delay(user_id, kind, context))
