"""Django's createsuperuser, adapted to users that log in with a normalised email address."""

import os

from django.contrib.auth import password_validation
from django.contrib.auth.management.commands import createsuperuser
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.functional import cached_property

from accounts.management.actors import command_actor
from accounts.models import User
from audit.services import record


class Command(createsuperuser.Command):
    @cached_property
    def username_is_unique(self):
        # `email` is unique through `email_key`, its normalised form, which get_by_natural_key looks
        # up. Django finds no unique constraint on `email` itself and would skip its check for a
        # taken address, so the insert would fail on the database constraint instead.
        return True

    def handle(self, *args, **options):
        if not options["interactive"]:
            self._validate_environment_password(options)

        existing = set(User.objects.filter(is_superuser=True).values_list("pk", flat=True))
        super().handle(*args, **options)

        for user in User.objects.filter(is_superuser=True).exclude(pk__in=existing):
            record("user.created", actor=command_actor("createsuperuser"), target=user, metadata={"superuser": True})

    def _validate_environment_password(self, options):
        """Run the password policy on DJANGO_SUPERUSER_PASSWORD, which Django accepts unchecked."""
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if password is None:
            return
        email = options.get(User.USERNAME_FIELD) or os.environ.get("DJANGO_SUPERUSER_EMAIL", "")
        try:
            password_validation.validate_password(password, User(email=email))
        except ValidationError as exc:
            raise CommandError("DJANGO_SUPERUSER_PASSWORD is rejected: " + " ".join(exc.messages)) from exc
