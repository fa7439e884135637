"""Signing in with a passkey: passwordless, or as a second factor for a known user."""

import functools

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from rest_framework import status
from webauthn import generate_authentication_options, verify_authentication_response
from webauthn.helpers import base64url_to_bytes, options_to_json_dict
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import PublicKeyCredentialDescriptor

from audit.services import record
from plinto import raw_rows
from plinto.api_errors import ApiError

from ... import ratelimit
from ...login_pipeline import complete_login
from ...models import User
from .. import challenges
from ..models import Passkey
from .common import (
    check_origin_and_rp_id,
    check_user_verification,
    consume_challenge,
    parse_assertion,
    user_handle_of,
    user_verification,
)

# RFC 8176 method references: proof of possession of a key held by an authenticator, and the
# user presence test every WebAuthn assertion includes.
PASSKEY_AMR = ["hwk", "user"]
# Added when the authenticator verified the user (PIN or biometric): the key and that check are
# two factors, so the MFA step of the login pipeline lets the login complete without another one.
MULTI_FACTOR_AMR = "mfa"

_NO_PASSKEY = "No passkey matches this credential; sign in another way or register a passkey first."
_ANONYMOUS = ("user", "", "")


def begin_authentication(request):
    """Return options for a passwordless navigator.credentials.get(), which any discoverable credential may fulfil."""
    ratelimit.enforce(request, "passkey-options")
    challenge = challenges.issue(challenges.Ceremony.AUTHENTICATION)
    options = generate_authentication_options(
        rp_id=settings.PASSKEY_RP_ID,
        challenge=challenge,
        timeout=challenges.CHALLENGE_LIFETIME * 1000,
        user_verification=user_verification(),
    )
    return options_to_json_dict(options)


def authenticate_passwordless(request, credential):
    """Verify a passwordless assertion, then finish the login through the login pipeline.

    Returns the pipeline's response body: a token pair, or the body a completion check returned.
    """
    _, body = sign_in_passwordless(request, credential)
    return body


def sign_in_passwordless(request, credential):
    """Verify a passwordless assertion and finish the login; return the pipeline's (session, body).

    The session is None when a completion check stopped the login, such as the MFA step for an
    assertion without user verification. The hosted login page starts its page session from it.
    """
    ratelimit.enforce(request, "passkey-authenticate")
    parsed, client_data, authenticator_data = parse_assertion(credential)
    consume_challenge(client_data, challenges.Ceremony.AUTHENTICATION)
    check_origin_and_rp_id(client_data, authenticator_data)

    passkey = _passkey_with_user(parsed.id)
    if passkey is None:
        _audit_failure(request, None, "unknown_credential")
        raise ApiError(status.HTTP_401_UNAUTHORIZED, "passkey_not_found", _NO_PASSKEY)
    user = passkey.user
    # The user handle names the account the authenticator stored this credential for.
    if parsed.response.user_handle is not None and parsed.response.user_handle != user_handle_of(user):
        _audit_failure(request, passkey, "user_handle_mismatch")
        raise ApiError(status.HTTP_401_UNAUTHORIZED, "passkey_not_found", _NO_PASSKEY)

    _verify(request, passkey, parsed, client_data, authenticator_data)
    if not user.is_active or not user.email_verified:
        _audit_failure(request, passkey, "account_unavailable")
        raise ApiError(
            status.HTTP_403_FORBIDDEN, "account_unavailable", "This account cannot sign in; contact an administrator."
        )

    amr = list(PASSKEY_AMR)
    if authenticator_data.flags.uv:
        amr.append(MULTI_FACTOR_AMR)
    with transaction.atomic():
        _record_use(passkey, authenticator_data.sign_count)
        return complete_login(request, user, amr=amr, context={"passkey_id": str(passkey.pk)})


@functools.cache
def _passkey_query():
    return raw_rows.joined_query(Passkey, User, "user", "a.credential_id = %s")


def _passkey_with_user(credential_id):
    """Return the passkey with `credential_id` and its user, or None, in one raw query.

    Every passwordless sign-in runs it, and compiling the ORM join cost more than running it.
    """
    sql, passkey, user = _passkey_query()
    pair = raw_rows.fetch_pair(sql, [credential_id], passkey, user)
    if pair is None:
        return None
    passkey, passkey.user = pair
    return passkey


def begin_second_factor(user, challenge_binding):
    """Return options for navigator.credentials.get() limited to the passkeys of `user`.

    `challenge_binding` is an opaque string of the caller's ceremony, such as the MFA token's id.
    verify_assertion_for_user() accepts only a response to a challenge with the same binding.
    """
    challenge = challenges.issue(challenges.Ceremony.SECOND_FACTOR, user_id=user.pk, binding=challenge_binding)
    allowed = [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(credential_id), transports=None)
        for credential_id in Passkey.objects.filter(user=user).values_list("credential_id", flat=True)
    ]
    options = generate_authentication_options(
        rp_id=settings.PASSKEY_RP_ID,
        challenge=challenge,
        timeout=challenges.CHALLENGE_LIFETIME * 1000,
        allow_credentials=allowed,
        user_verification=user_verification(),
    )
    return options_to_json_dict(options)


# NOTE: the MFA app's passkey authenticator calls this from its verify step, after it has resolved
# the user from the MFA token: begin_second_factor(user, binding) for the challenge, then
# verify_assertion_for_user(user, credential_json, binding, request=request) with the same
# binding. It raises ApiError on any failure and returns the passkey used. The MFA app then adds
# PASSKEY_AMR to the login's amr and finishes the login itself, so this never calls complete_login.
def verify_assertion_for_user(user, credential_json, challenge_binding, *, request=None):
    """Verify an assertion as a second factor for `user`; return the Passkey it used."""
    parsed, client_data, authenticator_data = parse_assertion(credential_json)
    stored = consume_challenge(client_data, challenges.Ceremony.SECOND_FACTOR)
    if stored.user_id != str(user.pk) or stored.binding != str(challenge_binding):
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "challenge_invalid",
            "The challenge was issued for another sign-in; request new options and try again.",
        )
    check_origin_and_rp_id(client_data, authenticator_data)

    # Filtering by user as well as by credential id: a passkey of another account is not found.
    passkey = Passkey.objects.filter(user=user, credential_id=parsed.id).first()
    if passkey is None:
        record(
            "passkey.authentication_failed",
            actor=user,
            target=user,
            request=request,
            outcome="failure",
            metadata={"reason": "credential_not_owned", "mode": "second_factor"},
        )
        raise ApiError(status.HTTP_401_UNAUTHORIZED, "passkey_not_found", _NO_PASSKEY)
    passkey.user = user

    _verify(request, passkey, parsed, client_data, authenticator_data)
    with transaction.atomic():
        _record_use(passkey, authenticator_data.sign_count)
    return passkey


def _verify(request, passkey, parsed, client_data, authenticator_data):
    """Check user verification, the signature and the sign counter of an assertion by `passkey`."""
    try:
        check_user_verification(authenticator_data)
    except ApiError:
        _audit_failure(request, passkey, "user_not_verified")
        raise

    try:
        # The stored count is passed as 0 so the library checks only the signature. The counter is
        # compared below, once the signature proved that the count came from the authenticator.
        verify_authentication_response(
            credential=parsed,
            expected_challenge=client_data.challenge,
            expected_rp_id=settings.PASSKEY_RP_ID,
            expected_origin=settings.PASSKEY_ORIGINS,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=0,
            require_user_verification=settings.PASSKEY_REQUIRE_USER_VERIFICATION,
        )
    except WebAuthnException as exc:
        _audit_failure(request, passkey, "invalid_assertion")
        raise ApiError(
            status.HTTP_401_UNAUTHORIZED, "passkey_verification_failed", f"The passkey response is invalid: {exc}"
        ) from exc

    if _counter_went_back(passkey.sign_count, authenticator_data.sign_count):
        _audit_counter_regression(request, passkey, authenticator_data.sign_count)
        raise _counter_error()


def _counter_went_back(stored, presented):
    # Synced passkeys report 0 on every use, which is accepted. Once either count is non-zero,
    # each use must report a higher count than the last: an equal or lower one can come from a
    # cloned authenticator.
    return (stored > 0 or presented > 0) and presented <= stored


def _counter_error():
    return ApiError(
        status.HTTP_401_UNAUTHORIZED,
        "counter_regression",
        "The passkey's signature counter went backwards, a sign of a cloned authenticator; "
        "sign in another way and review your passkeys.",
    )


def _record_use(passkey, sign_count):
    """Store the new counter and the time of use; a concurrent use with a higher count wins."""
    now = timezone.now()
    # Plain SQL, because every passkey sign-in runs it and compiling the ORM update cost more.
    sql = f"UPDATE {Passkey._meta.db_table} SET sign_count = %s, last_used_at = %s WHERE id = %s"  # noqa: S608
    used_at = Passkey._meta.get_field("last_used_at").get_db_prep_save(now, connection)
    params = [sign_count, used_at, raw_rows.db_uuid(passkey.pk)]
    if sign_count > 0:
        sql += " AND sign_count < %s"
        params.append(sign_count)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        updated = cursor.rowcount
    if updated == 0:
        # Another request stored a count at least as high since this one read the passkey.
        raise _counter_error()
    passkey.sign_count = sign_count
    passkey.last_used_at = now


def _audit_failure(request, passkey, reason):
    actor = passkey.user if passkey is not None else _ANONYMOUS
    record(
        "passkey.authentication_failed",
        actor=actor,
        target=passkey if passkey is not None else _ANONYMOUS,
        request=request,
        outcome="failure",
        metadata={"reason": reason},
    )


def _audit_counter_regression(request, passkey, presented):
    record(
        "passkey.counter_regression",
        actor=passkey.user,
        target=passkey,
        request=request,
        outcome="failure",
        metadata={"stored_count": passkey.sign_count, "presented_count": presented},
    )
