"""Pieces the registration and authentication ceremonies share: settings, parsing, checks."""

import hashlib

from django.conf import settings
from rest_framework import status
from webauthn.helpers import (
    parse_attestation_object,
    parse_authentication_credential_json,
    parse_authenticator_data,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import UserVerificationRequirement

from plinto.api_errors import ApiError

from .. import challenges

# What py_webauthn and the standard library raise on malformed untrusted input. base64url
# decoding raises ValueError (binascii.Error); a field of the wrong JSON type raises TypeError
# or AttributeError inside the decoders.
MALFORMED_INPUT = (WebAuthnException, ValueError, TypeError, AttributeError, KeyError, IndexError)

CHALLENGE_MESSAGES = {
    "challenge_invalid": "The challenge is unknown or was already used; request new options and try again.",
    "challenge_expired": "The challenge expired (it is valid for 5 minutes); request new options and try again.",
}


def user_verification():
    if settings.PASSKEY_REQUIRE_USER_VERIFICATION:
        return UserVerificationRequirement.REQUIRED
    return UserVerificationRequirement.PREFERRED


def user_handle_of(user):
    """Return the WebAuthn user handle of `user`: its UUID's 16 bytes, which carry no personal data."""
    return user.pk.bytes


def invalid_credential(detail):
    return ApiError(status.HTTP_400_BAD_REQUEST, "invalid_credential", detail, field="credential")


def parse_registration(credential):
    try:
        parsed = parse_registration_credential_json(credential)
        client_data = parse_client_data_json(parsed.response.client_data_json)
        attestation = parse_attestation_object(parsed.response.attestation_object)
    except MALFORMED_INPUT as exc:
        raise invalid_credential(f"The credential is not a valid registration response: {exc}") from exc
    return parsed, client_data, attestation


def parse_assertion(credential):
    try:
        parsed = parse_authentication_credential_json(credential)
        client_data = parse_client_data_json(parsed.response.client_data_json)
        authenticator_data = parse_authenticator_data(parsed.response.authenticator_data)
    except MALFORMED_INPUT as exc:
        raise invalid_credential(f"The credential is not a valid authentication response: {exc}") from exc
    return parsed, client_data, authenticator_data


def consume_challenge(client_data, ceremony):
    """Spend the challenge the response carries and return its stored record."""
    try:
        stored = challenges.consume(client_data.challenge)
    except challenges.ChallengeError as exc:
        raise ApiError(status.HTTP_400_BAD_REQUEST, exc.code, CHALLENGE_MESSAGES[exc.code]) from exc
    if stored.ceremony != ceremony:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "challenge_invalid",
            f"The challenge was issued for {stored.ceremony}, not {ceremony}; request new options.",
        )
    return stored


def check_origin_and_rp_id(client_data, authenticator_data):
    """Match the origin and the RP id hash exactly against the configured values.

    py_webauthn checks both again; checking here first gives each failure its own error code.
    """
    if client_data.origin not in settings.PASSKEY_ORIGINS:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "origin_not_allowed",
            f"The origin {client_data.origin!r} is not allowed; passkeys work only on "
            + ", ".join(settings.PASSKEY_ORIGINS)
            + ".",
        )
    expected_hash = hashlib.sha256(settings.PASSKEY_RP_ID.encode()).digest()
    if authenticator_data.rp_id_hash != expected_hash:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "rp_id_mismatch",
            f"The credential was not made for the relying party {settings.PASSKEY_RP_ID!r}.",
        )


def check_user_verification(authenticator_data):
    if settings.PASSKEY_REQUIRE_USER_VERIFICATION and not authenticator_data.flags.uv:
        raise ApiError(
            status.HTTP_401_UNAUTHORIZED,
            "user_verification_required",
            "The authenticator did not verify the user (PIN or biometric); try again and confirm on the device.",
        )
