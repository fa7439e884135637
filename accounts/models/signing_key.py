from django.db import models
from django.utils import timezone


class SigningKey(models.Model):
    """A generated token signing key, kept in the database so every process shares one key set.

    The private key is stored encrypted with a key derived from SECRET_KEY. The newest key that is
    not retired signs; retired keys still verify until `verify_until`.
    """

    kid = models.CharField(max_length=64, unique=True)
    algorithm = models.CharField(max_length=16)
    private_key_encrypted = models.BinaryField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)
    verify_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"signing key {self.kid}"
