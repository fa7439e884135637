"""A user's own passkeys: list, rename and remove."""

from django.db import transaction
from rest_framework import status

from audit.services import record
from plinto.api_errors import ApiError

from ...emails import queue_account_email
from ...services.stepup import require_recent_authentication
from ..models import Passkey


def list_passkeys(user):
    return Passkey.objects.filter(user=user).order_by("created_at")


def find_passkey(user, passkey_id):
    """Return the user's passkey with `passkey_id`, or raise 404 (also for another user's passkey)."""
    passkey = Passkey.objects.filter(user=user, pk=passkey_id).first()
    if passkey is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, "not_found", f"No passkey with id {passkey_id}.")
    return passkey


def rename_passkey(request, passkey, name):
    old_name = passkey.name
    if name == old_name:
        return passkey
    with transaction.atomic():
        passkey.name = name
        passkey.save(update_fields=["name"])
        record(
            "passkey.renamed",
            actor=passkey.user,
            target=passkey,
            request=request,
            metadata={"old_name": old_name, "new_name": name},
        )
    return passkey


def remove_passkey(request, passkey):
    """Delete `passkey` after the step-up check and email the user a notice."""
    require_recent_authentication(request)
    user = passkey.user
    with transaction.atomic():
        record("passkey.removed", actor=user, target=passkey, request=request, metadata={"aaguid": passkey.aaguid})
        passkey.delete()
        queue_account_email(user, "passkey_removed")
