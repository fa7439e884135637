"""Registering a passkey: options for navigator.credentials.create() and their verification."""

from django.conf import settings
from django.db import IntegrityError, transaction
from rest_framework import status
from webauthn import generate_registration_options, verify_registration_response
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, options_to_json_dict, parse_backup_flags
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AttestationFormat,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
)

from audit.services import record
from plinto.api_errors import ApiError

from ...emails import queue_account_email
from ...services.stepup import require_recent_authentication
from .. import challenges
from ..models import Passkey
from ..policy import allowed_aaguids, attestation_roots
from .common import (
    check_origin_and_rp_id,
    check_user_verification,
    consume_challenge,
    parse_registration,
    user_handle_of,
    user_verification,
)

MAX_PASSKEYS_PER_USER = 20
_KNOWN_TRANSPORTS = {"usb", "nfc", "ble", "smart-card", "hybrid", "internal", "cable"}


def begin_registration(request, user, session):
    """Return the options for navigator.credentials.create(), after the step-up check."""
    require_recent_authentication(request)
    existing = list(Passkey.objects.filter(user=user).values_list("credential_id", flat=True))
    if len(existing) >= MAX_PASSKEYS_PER_USER:
        raise ApiError(
            status.HTTP_409_CONFLICT,
            "passkey_limit_reached",
            f"An account can hold at most {MAX_PASSKEYS_PER_USER} passkeys; remove one first.",
        )

    allowed = allowed_aaguids(user)
    if allowed is not None and not allowed:
        raise _no_model_allowed()

    challenge = challenges.issue(challenges.Ceremony.REGISTRATION, user_id=user.pk, binding=session.pk)
    attestation = AttestationConveyancePreference.NONE
    if allowed is not None:
        attestation = AttestationConveyancePreference.DIRECT
    options = generate_registration_options(
        rp_id=settings.PASSKEY_RP_ID,
        rp_name=settings.PASSKEY_RP_NAME,
        user_id=user_handle_of(user),
        user_name=user.email,
        user_display_name=user.display_name or user.email,
        challenge=challenge,
        timeout=challenges.CHALLENGE_LIFETIME * 1000,
        attestation=attestation,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=user_verification(),
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(cid)) for cid in existing],
    )
    return options_to_json_dict(options)


def finish_registration(request, user, session, credential, name=""):
    """Verify the response of navigator.credentials.create() and store the new passkey."""
    require_recent_authentication(request)
    parsed, client_data, attestation = parse_registration(credential)
    authenticator_data = attestation.auth_data
    stored = consume_challenge(client_data, challenges.Ceremony.REGISTRATION)
    if stored.user_id != str(user.pk) or stored.binding != str(session.pk):
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "challenge_invalid",
            "The challenge was issued to another session; request new options from this one.",
        )
    check_origin_and_rp_id(client_data, authenticator_data)
    check_user_verification(authenticator_data)

    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=client_data.challenge,
            expected_rp_id=settings.PASSKEY_RP_ID,
            expected_origin=settings.PASSKEY_ORIGINS,
            require_user_verification=settings.PASSKEY_REQUIRE_USER_VERIFICATION,
            pem_root_certs_bytes_by_fmt=attestation_roots(),
        )
    except WebAuthnException as exc:
        record("passkey.registration_failed", actor=user, target=user, request=request, outcome="failure")
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "registration_failed",
            f"The registration response could not be verified: {exc}",
            field="credential",
        ) from exc
    _check_authenticator_model(user, verified, attestation)

    credential_id = bytes_to_base64url(verified.credential_id)
    backup = parse_backup_flags(authenticator_data.flags)
    transports = [str(getattr(t, "value", t)) for t in (parsed.response.transports or [])]
    try:
        with transaction.atomic():
            passkey = Passkey.objects.create(
                user=user,
                credential_id=credential_id,
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                transports=[t for t in transports if t in _KNOWN_TRANSPORTS],
                aaguid=verified.aaguid,
                attestation_format=str(getattr(verified.fmt, "value", verified.fmt)),
                backed_up=backup.credential_backed_up,
                name=(name or "").strip() or _default_name(user),
            )
            record(
                "passkey.registered", actor=user, target=passkey, request=request, metadata={"aaguid": passkey.aaguid}
            )
            queue_account_email(user, "passkey_added")
    except IntegrityError as exc:
        raise ApiError(
            status.HTTP_409_CONFLICT,
            "credential_exists",
            "This authenticator already holds a registered passkey for an account.",
            field="credential",
        ) from exc
    return passkey


def _default_name(user):
    return f"Passkey {Passkey.objects.filter(user=user).count() + 1}"


def _check_authenticator_model(user, verified, attestation):
    allowed = allowed_aaguids(user)
    if allowed is None:
        return
    if not allowed:
        raise _no_model_allowed()
    # Without a certificate (self attestation) the authenticator vouches for its own model.
    if verified.fmt == AttestationFormat.NONE or not attestation.att_stmt.x5c:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "attestation_required",
            "Only approved authenticator models may register here, and this one sent no attestation.",
            field="credential",
        )
    if verified.aaguid.lower() not in allowed:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "authenticator_not_allowed",
            f"The authenticator model {verified.aaguid} is not on the allowed list; use an approved one.",
            field="credential",
        )


def _no_model_allowed():
    return ApiError(
        status.HTTP_403_FORBIDDEN,
        "no_authenticator_allowed",
        "The authenticator model lists that apply to your account have no model in common, so no "
        "passkey can be registered. Ask the administrators of your organizations to allow a common model.",
    )
