"""`manage.py reset_mfa EMAIL`: remove every second factor of one account (admin recovery)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.mfa.services import reset_factors
from accounts.models import User


class Command(BaseCommand):
    help = "Remove every second factor of the account with this email address, end its sessions and notify it."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The account's email address (case and Unicode forms are ignored).")

    def handle(self, *args, email, **options):
        try:
            user = User.objects.get_by_email(email)
        except User.DoesNotExist as exc:
            raise CommandError(f"No account uses the email address {email!r}.") from exc
        removed = reset_factors(user, actor=("system", "", "manage.py reset_mfa"))
        if removed:
            self.stdout.write(f"Removed {', '.join(removed)} from {user}; its sessions were ended.")
        else:
            self.stdout.write(f"{user} had no second factor; its sessions were ended anyway.")
