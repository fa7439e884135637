"""Delete sessions and signing keys that can no longer be used."""

from collections import Counter
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.management.actors import command_actor
from accounts.models import RefreshToken, Session, SigningKey
from accounts.tokens.keys import invalidate
from audit.services import record

DEFAULT_BATCH_SIZE = 1000
DEFAULT_REVOKED_DAYS = 30


def delete_in_batches(queryset, batch_size):
    """Delete the rows of `queryset` by primary key, `batch_size` at a time, each batch in a transaction.

    Return the number of rows deleted per model label, including rows removed by cascade.
    """
    model = queryset.model
    deleted = Counter()
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by().values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            # Django deletes the cascaded rows with one statement per related table, not per row.
            _, per_model = model.objects.filter(pk__in=ids).delete()
        deleted.update(per_model)


class Command(BaseCommand):
    help = (
        "Delete expired sessions and sessions revoked more than --revoked-days ago, with their refresh "
        "tokens, and retired signing keys whose verification window has ended."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows deleted per batch, each batch in one transaction (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--revoked-days",
            type=int,
            default=DEFAULT_REVOKED_DAYS,
            help=(
                "Keep revoked sessions this many days so users and staff can still see them "
                f"(default {DEFAULT_REVOKED_DAYS})."
            ),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print how many rows would be deleted, and delete nothing."
        )

    def handle(self, *args, batch_size, revoked_days, dry_run, **options):
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1, not {batch_size}.")
        if revoked_days < 0:
            raise CommandError(f"--revoked-days must be 0 or more, not {revoked_days}.")

        now = timezone.now()
        sessions = Session.objects.filter(
            Q(expires_at__lte=now) | Q(revoked_at__lte=now - timedelta(days=revoked_days))
        )
        keys = SigningKey.objects.filter(retired_at__isnull=False, verify_until__lte=now)

        if dry_run:
            self.stdout.write(
                f"Would delete {sessions.count()} session(s), "
                f"{RefreshToken.objects.filter(session__in=sessions).count()} refresh token(s) "
                f"and {keys.count()} signing key(s)."
            )
            return

        deleted = delete_in_batches(sessions, batch_size)
        deleted.update(delete_in_batches(keys, batch_size))
        sessions_deleted = deleted[Session._meta.label]
        refresh_deleted = deleted[RefreshToken._meta.label]
        keys_deleted = deleted[SigningKey._meta.label]
        if keys_deleted:
            invalidate()
        # audit.services masks metadata keys that contain "token" or "key", so the counts of refresh
        # tokens and signing keys are stored under names without them.
        metadata = {"sessions": sessions_deleted, "refresh_rows": refresh_deleted, "signing_rows": keys_deleted}
        record("maintenance.cleanup", actor=command_actor("cleanup_expired"), metadata=metadata)

        self.stdout.write(
            f"Deleted {sessions_deleted} session(s), {refresh_deleted} refresh token(s) "
            f"and {keys_deleted} signing key(s)."
        )
