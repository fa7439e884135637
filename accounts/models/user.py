import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from ..normalization import email_key


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_email(self, email):
        return self.get(email_key=email_key(email))

    def get_by_natural_key(self, username):
        return self.get(email_key=email_key(username))

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=email.strip(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("email_verified", True)
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an email address and a password or another factor."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254)
    # NFKC-normalised, case-folded email: the column uniqueness and look-ups use.
    email_key = models.CharField(max_length=254, unique=True, editable=False)
    display_name = models.CharField(max_length=150, blank=True)
    email_verified = models.BooleanField(default=False)
    # An address the user asked to switch to; it replaces `email` once verified.
    pending_email = models.EmailField(max_length=254, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    custom_attributes = models.JSONField(default=dict, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    audit_type = "user"

    class Meta:
        ordering = ["date_joined"]

    def __str__(self):
        # An id, not the address, so log lines stay free of personal data.
        return f"user {self.pk}"

    @property
    def audit_display(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email_key = email_key(self.email)
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.display_name or self.email

    def get_short_name(self):
        return self.display_name or self.email
