"""Registration and email verification."""

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework import status

from audit.services import record
from plinto.api_errors import ApiError

from .. import ratelimit
from ..emails import queue_account_email
from ..hooks import run_email_verified_hooks
from ..models import User
from ..normalization import email_key, normalize_email, normalize_password
from ..tokens.email import read_verification_token

# Django's own messages for these codes state what is wrong but not what to choose instead.
_PASSWORD_FIXES = {
    "password_too_common": "Choose a less predictable one, such as several unrelated words.",
    "password_too_similar": "Choose one that does not contain your email address or name.",
}


def validate_new_password(password, user=None, field="password"):
    """Run the password policy on the NFKC form; raise a 400 naming `field`, the problems and the fix."""
    try:
        password_validation.validate_password(normalize_password(password), user)
    except ValidationError as exc:
        messages = []
        for error in exc.error_list:
            message = " ".join(error.messages)
            if error.code in _PASSWORD_FIXES:
                message = f"{message} {_PASSWORD_FIXES[error.code]}"
            messages.append(message)
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            exc.error_list[0].code or "password_invalid",
            " ".join(messages),
            field=field,
        ) from exc


def register(request, *, email, password, display_name=""):
    """Create an unverified account and mail a verification link.

    The outcome looks the same whether or not the address is taken, so registration cannot be
    used to find out who has an account; the owner of a taken address gets a notice instead.
    """
    email = normalize_email(email)
    ratelimit.enforce(request, "register", account=email)
    validate_new_password(password, User(email=email, display_name=display_name))

    existing = User.objects.filter(email_key=email_key(email)).first()
    if existing is not None:
        # Spend one hash, as creating the account would, so the response time does not reveal
        # whether the address is taken.
        make_password(password)
        record("user.register_existing", target=existing, request=request, outcome="failure")
        queue_account_email(existing, "account_exists")
        return None

    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, display_name=display_name)
            record("user.registered", actor=user, target=user, request=request)
            queue_account_email(user, "verify_email")
    except IntegrityError:
        return None  # A concurrent registration took the address first.
    return user


def _invalid_token():
    return ApiError(
        status.HTTP_400_BAD_REQUEST,
        "token_invalid",
        "The verification link is invalid or expired; ask for a new one.",
        field="token",
    )


def verify_email(request, token):
    """Mark the address named by `token` verified, or switch to it when it is a pending change."""
    ratelimit.enforce(request, "verify-email")
    parsed = read_verification_token(token)
    if parsed is None:
        raise _invalid_token()
    user_id, address_key = parsed

    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
        if user is None:
            raise _invalid_token()
        if user.email_key == address_key:
            if not user.email_verified:
                user.email_verified = True
                user.save(update_fields=["email_verified"])
                record("user.email_verified", actor=user, target=user, request=request)
                run_email_verified_hooks(request, user)
            return user
        if user.pending_email and email_key(user.pending_email) == address_key:
            return _switch_to_pending_email(request, user)
    raise _invalid_token()


def _email_taken():
    return ApiError(
        status.HTTP_409_CONFLICT,
        "email_taken",
        "Another account now uses this address; choose a different one.",
        field="email",
    )


def _switch_to_pending_email(request, user):
    previous = user.email
    if User.objects.filter(email_key=email_key(user.pending_email)).exclude(pk=user.pk).exists():
        raise _email_taken()
    user.email = user.pending_email
    user.pending_email = ""
    user.email_verified = True
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "email_key", "pending_email", "email_verified"])
    except IntegrityError as exc:
        # Another account took the address between the check above and this write.
        raise _email_taken() from exc
    record("user.email_changed", actor=user, target=user, request=request)
    queue_account_email(user, "email_changed", previous_address=previous)
    return user


def resend_verification(request, email):
    """Send a new verification link when the address has an unverified account; silent otherwise."""
    ratelimit.enforce(request, "resend-verification", account=email)
    user = User.objects.filter(email_key=email_key(email), is_active=True, email_verified=False).first()
    if user is not None:
        queue_account_email(user, "verify_email")
