import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

# Login methods an organization can allow, named after the `amr` values they produce.
LOGIN_METHODS = {"password": "pwd", "passkey": "hwk", "sso": "sso"}

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a hex colour such as #1a73e8.")
slug_format = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    "Use 1 to 50 lowercase letters, digits and inner hyphens, such as acme-corp.",
)


def default_login_methods():
    return list(LOGIN_METHODS)


class Organization(models.Model):
    """A tenant: a customer of the platform's operator, run by its own owners and admins."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        DEACTIVATED = "deactivated"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=50, unique=True, validators=[slug_format])
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)

    # Login policy.
    require_mfa = models.BooleanField(default=False)
    allowed_login_methods = models.JSONField(default=default_login_methods)
    # Seconds a session (its refresh token family) may live; null means the platform default.
    session_lifetime = models.PositiveIntegerField(null=True, blank=True)
    # Stricter than the platform minimum for members' new passwords; null means the platform's.
    password_min_length = models.PositiveSmallIntegerField(null=True, blank=True)
    # Users who verify an address at one of the organization's verified domains join as members.
    auto_join_verified_domains = models.BooleanField(default=False)
    # Days audit events are kept; null keeps them forever.
    audit_retention_days = models.PositiveIntegerField(null=True, blank=True)
    # Lower-case AAGUIDs of the authenticator models members may register as passkeys; empty
    # allows any model. Enforced through accounts.passkeys.policy, see services/passkeys.py.
    passkey_allowed_aaguids = models.JSONField(default=list, blank=True)

    # Branding for the hosted pages.
    display_name = models.CharField(max_length=150, blank=True)
    logo_url = models.URLField(max_length=500, blank=True)
    primary_colour = models.CharField(max_length=7, blank=True, validators=[hex_colour])
    support_email = models.EmailField(max_length=254, blank=True)

    audit_type = "organization"

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"organization {self.slug}"

    @property
    def audit_display(self):
        return self.name

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE
