"""Rotate the generated token signing key."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.management.actors import command_actor
from accounts.models import SigningKey
from accounts.tokens.keys import rotate_signing_key
from audit.services import record


class Command(BaseCommand):
    help = (
        "Create a new signing key for access tokens and print its kid. Older keys stop signing at once "
        "and keep verifying until the tokens they signed have expired. Only for the key set Plinto "
        "generates itself, not for JWT_PRIVATE_KEY or HS256."
    )

    def handle(self, *args, **options):
        if settings.JWT_ALGORITHM == "HS256":
            raise CommandError(
                "JWT_ALGORITHM is HS256, so tokens are signed with JWT_SECRET_KEY, which this command cannot "
                "rotate. Set a new JWT_SECRET_KEY instead; access tokens signed with the old one stop working."
            )
        if settings.JWT_PRIVATE_KEY:
            raise CommandError(
                "Tokens are signed with JWT_PRIVATE_KEY, which this command cannot rotate. Deploy a new key "
                "pair in JWT_PRIVATE_KEY and JWT_PUBLIC_KEY instead."
            )

        key = rotate_signing_key()
        record("signing_key.rotated", actor=command_actor("rotate_signing_key"), target=key)

        self.stdout.write(f"New signing key: {key.kid}")
        retired = SigningKey.objects.filter(retired_at__isnull=False, verify_until__gt=key.created_at)
        for old in retired.order_by("verify_until"):
            self.stdout.write(f"Key {old.kid} no longer signs and verifies until {old.verify_until.isoformat()}.")
