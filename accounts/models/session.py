import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class SessionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class Session(models.Model):
    """One login: the family of refresh tokens it issues and the access tokens that name it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auth_sessions")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    auth_time = models.DateTimeField(default=timezone.now)
    amr = models.JSONField(default=list)
    # The organization this session acts in. A plain UUID rather than a foreign key because
    # accounts sits below organizations; the organizations app validates it.
    organization_id = models.UUIDField(null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    device = models.CharField(max_length=128, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=32, blank=True)

    objects = SessionQuerySet.as_manager()

    audit_type = "session"

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="session_user_active_idx")]

    def __str__(self):
        return f"session {self.pk}"

    @property
    def audit_display(self):
        return f"session {self.pk}"

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


class RefreshToken(models.Model):
    """One refresh token of a session, stored as a SHA-256 digest; rotated on every use."""

    token_hash = models.CharField(max_length=64, unique=True)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="refresh_tokens")
    created_at = models.DateTimeField(default=timezone.now)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["session", "-created_at"], name="refresh_session_recent_idx")]

    def __str__(self):
        return f"refresh token {self.pk}"
