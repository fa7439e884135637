"""Set a user's password from the command line, end every session and record the change."""

import getpass
import secrets
import string
import sys

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.emails import queue_account_email
from accounts.management.actors import command_actor
from accounts.models import User
from accounts.normalization import email_key
from accounts.services.sessions import RevokeReason, revoke_user_sessions
from audit.services import record

GENERATED_LENGTH = 24
MAX_PROMPTS = 3
# Symbols that survive shells, URLs and copy-paste without quoting.
_SYMBOLS = "-_.!#%+="
_CHARACTER_CLASSES = (string.ascii_uppercase, string.ascii_lowercase, string.digits, _SYMBOLS)


def generate_password(length=GENERATED_LENGTH):
    """Return a random password with at least one character of each class the policy requires."""
    alphabet = "".join(_CHARACTER_CLASSES)
    characters = [secrets.choice(chars) for chars in _CHARACTER_CLASSES]
    characters += [secrets.choice(alphabet) for _ in range(length - len(characters))]
    secrets.SystemRandom().shuffle(characters)
    return "".join(characters)


class Command(BaseCommand):
    help = (
        "Set a new password for the user with EMAIL, end all of the user's sessions and record an audit "
        "event. Prompts for the password twice, or generates one with --generate. Exits with status 1 "
        "when no user has the address or no valid password was given."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("email", help="Email address of the account, in any case.")
        parser.add_argument(
            "--generate",
            action="store_true",
            help=f"Generate a random {GENERATED_LENGTH}-character password and print it once.",
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Never prompt. Requires --generate.",
        )

    def execute(self, *args, **options):
        # Tests pass a stand-in for a terminal, as they do for Django's createsuperuser.
        self.stdin = options.get("stdin", sys.stdin)
        return super().execute(*args, **options)

    def handle(self, *args, email, generate, interactive, **options):
        user = User.objects.filter(email_key=email_key(email)).first()
        if user is None:
            raise CommandError(f"No user has the email address {email!r}. Nothing was changed.")

        if generate:
            password = self._generated_password(user)
        elif interactive and self.stdin.isatty():
            password = self._prompted_password(user)
        else:
            raise CommandError(
                "No terminal to prompt for the password: run the command in a terminal, or pass --generate."
            )

        actor = command_actor("reset_password")
        with transaction.atomic():
            user.set_password(password)
            user.save(update_fields=["password"])
            ended = revoke_user_sessions(user, reason=RevokeReason.PASSWORD_RESET, actor=actor)
            record("password.reset", actor=actor, target=user, metadata={"via": "command", "sessions_ended": ended})
            queue_account_email(user, "password_changed")

        self.stdout.write(f"Password of user {user.pk} reset; {ended} session(s) ended.")
        if generate:
            self.stdout.write(f"Generated password (shown only now): {password}")
        if not user.is_active:
            self.stderr.write("The account is deactivated: it cannot log in until it is reactivated.")

    def _generated_password(self, user):
        # A random 24-character password fails the policy only if it is in the breach corpus. A
        # fresh random value practically never is, so a few tries cover that case.
        for _ in range(5):
            password = generate_password()
            try:
                password_validation.validate_password(password, user)
            except ValidationError:
                continue
            return password
        raise CommandError("Could not generate a password that passes the password policy. Nothing was changed.")

    def _prompted_password(self, user):
        for _ in range(MAX_PROMPTS):
            password = getpass.getpass("New password: ")
            confirmation = getpass.getpass("New password (again): ")
            if password != confirmation:
                self.stderr.write("The two passwords do not match. Try again.")
                continue
            try:
                password_validation.validate_password(password, user)
            except ValidationError as exc:
                self.stderr.write(" ".join(exc.messages))
                continue
            return password
        raise CommandError(f"No valid password after {MAX_PROMPTS} attempts. Nothing was changed.")
