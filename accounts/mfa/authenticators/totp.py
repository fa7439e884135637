"""TOTP (RFC 6238) in an authenticator app: setup with a QR code, confirmation, verification."""

import base64
import hmac
import io
import secrets
from urllib.parse import quote, urlencode

import qrcode
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP
from qrcode.image.pure import PyPNGImage
from rest_framework import status

from audit.services import record
from plinto.api_errors import ApiError

from ..codes import normalize_code
from ..crypto import decrypt_secret, encrypt_secret
from ..models import TOTPDevice
from ..registry import ACCEPTED, INVALID, BaseAuthenticator, Outcome
from .throttling import throttled_outcome

STEP = 30
DIGITS = 6
SEED_BYTES = 20  # 160 bits, the HMAC-SHA1 key length RFC 4226 recommends


def _matching_step(device, code):
    """Return the time step whose code equals `code` within the allowed drift, or None."""
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = TOTP(decrypt_secret(device.encrypted_seed), step=STEP, digits=DIGITS)
    tolerance = settings.MFA_TOTP_TOLERANCE
    for offset in range(-tolerance, tolerance + 1):
        totp.drift = offset
        if hmac.compare_digest(f"{totp.token():0{DIGITS}d}", code):
            return totp.t()
    return None


def check_code(device, code, *, request=None):
    """Verify `code` on a locked device row, consume its time step, and save the throttle state."""
    throttled = throttled_outcome(device)
    if throttled:
        return throttled

    step = _matching_step(device, normalize_code(code))
    if step is None:
        device.throttle_increment()
        return INVALID
    if step <= device.last_t:
        device.throttle_increment()
        # A valid code seen twice means it was observed or replayed, so it is audited as suspicious.
        record(
            "mfa.totp_reused",
            actor=device.user,
            target=device,
            request=request,
            outcome="failure",
            metadata={"suspicious": True},
        )
        return Outcome(False, "reused")

    device.last_t = step
    device.last_used_at = timezone.now()
    device.throttle_reset(commit=False)
    device.save()
    return ACCEPTED


def otpauth_uri(user, seed):
    """Return the otpauth:// URI authenticator apps read from the QR code."""
    issuer = settings.MFA_TOTP_ISSUER
    label = quote(f"{issuer}:{user.email}")
    secret = base64.b32encode(seed).decode().rstrip("=")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": STEP})
    return f"otpauth://totp/{label}?{query}"


def qr_code_data_uri(text):
    image = qrcode.make(text, image_factory=PyPNGImage, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _setup_details(user, seed):
    uri = otpauth_uri(user, seed)
    return {
        "secret": base64.b32encode(seed).decode().rstrip("="),
        "otpauth_uri": uri,
        "qr_code": qr_code_data_uri(uri),
    }


def pending_setup(user):
    """Return the secret, URI and QR code of the device being set up, or None when there is none.

    The hosted pages show the setup again after a wrong confirmation code, so the person need
    not scan a new QR code.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        return None
    return _setup_details(user, decrypt_secret(device.encrypted_seed))


def start_setup(user):
    """Create (or replace) the user's unconfirmed TOTP device; return the secret, URI and QR code."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ApiError(
            status.HTTP_409_CONFLICT,
            "totp_already_enrolled",
            "An authenticator app is already set up; remove it first to set up another.",
        )
    seed = secrets.token_bytes(SEED_BYTES)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=False, encrypted_seed=encrypt_secret(seed)
        )
    return _setup_details(user, seed)


def confirm_pending_device(user, code, *, request=None):
    """Check `code` against the device being set up and confirm it; return the Outcome.

    The confirming code's time step is consumed, so that code cannot log in afterwards.
    """
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise ApiError(
            status.HTTP_409_CONFLICT,
            "totp_setup_missing",
            "No authenticator app is being set up; start with POST /api/v1/mfa/totp.",
        )
    outcome = check_code(device, code, request=request)
    if outcome.accepted:
        device.confirmed = True
        device.confirmed_at = timezone.now()
        device.save(update_fields=["confirmed", "confirmed_at"])
    return outcome


class TOTPAuthenticator(BaseAuthenticator):
    method = "totp"
    amr = "otp"
    enrollable_at_login = True

    def is_enrolled(self, user):
        return TOTPDevice.objects.filter(user=user, confirmed=True).exists()

    def verify(self, user, code, *, challenge=None, request=None):
        if challenge is not None and challenge.enrollment_required:
            return confirm_pending_device(user, code, request=request)
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            return INVALID
        return check_code(device, code, request=request)

    def begin_enrollment(self, user):
        return start_setup(user)

    def remove(self, user):
        deleted, _ = TOTPDevice.objects.filter(user=user).delete()
        return deleted > 0
