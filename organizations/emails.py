"""Invitation emails; links are built from PUBLIC_BASE_URL, never from a request's Host."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .services.invitations import invitation_token


def send_invitation_email(invitation):
    organization = invitation.organization
    context = {
        "organization_name": organization.display_name or organization.name,
        "role": invitation.role,
        "expires_at": invitation.expires_at,
        "link": f"{settings.PUBLIC_BASE_URL}/invitations/accept?token={invitation_token(invitation)}",
    }
    text = render_to_string("email/invitation.txt", context)
    subject = f"You are invited to join {context['organization_name']}"
    EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [invitation.email]).send()
