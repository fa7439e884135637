"""Account emails. Links are built from PUBLIC_BASE_URL, never from the request's Host header."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .models import User
from .tokens.email import make_reset_token, make_verification_token

# kind -> (template name, subject, which stored address receives it)
KINDS = {
    "verify_email": ("verify_email", "Verify your email address", "email"),
    "verify_new_email": ("verify_email", "Confirm your new email address", "pending_email"),
    "email_change_notice": ("email_change_notice", "Your email address is being changed", "email"),
    "email_changed": ("email_changed", "Your email address was changed", "previous"),
    "password_reset": ("password_reset", "Reset your password", "email"),
    "password_changed": ("password_changed", "Your password was changed", "email"),
    "account_exists": ("account_exists", "Someone tried to sign up with your address", "email"),
    "passkey_added": ("passkey_added", "A passkey was added to your account", "email"),
    "passkey_removed": ("passkey_removed", "A passkey was removed from your account", "email"),
}


def _link(path):
    return settings.PUBLIC_BASE_URL + path


def build_context(user, kind):
    context = {"user": user, "public_base_url": settings.PUBLIC_BASE_URL}
    if kind == "verify_email":
        context["link"] = _link(f"/verify-email?token={make_verification_token(user, user.email)}")
    elif kind == "verify_new_email":
        context["link"] = _link(f"/verify-email?token={make_verification_token(user, user.pending_email)}")
    elif kind == "password_reset":
        context["link"] = _link(f"/password/reset?token={make_reset_token(user)}")
    return context


def send_account_email(user, kind, *, previous_address=None):
    """Render and send one account email to the stored address the kind names."""
    template, subject, recipient_field = KINDS[kind]
    if recipient_field == "previous":
        recipient = previous_address
    else:
        recipient = getattr(user, recipient_field)
    if not recipient:
        return False

    context = build_context(user, kind)
    text = render_to_string(f"email/{template}.txt", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [recipient])
    message.send()
    return True


def queue_account_email(user, kind, **kwargs):
    """Send the email from a Celery task once the current transaction commits."""
    from django.db import transaction

    from .tasks import send_account_email_task

    transaction.on_commit(lambda: send_account_email_task.delay(str(user.pk), kind, **kwargs))


__all__ = ["KINDS", "User", "queue_account_email", "send_account_email"]
