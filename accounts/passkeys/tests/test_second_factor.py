"""A passkey as the second factor: the service the MFA app's authenticator calls."""

import pytest

from accounts.passkeys import services
from accounts.passkeys.models import Passkey
from audit.models import AuditEvent
from plinto.api_errors import ApiError

from .authenticator import SoftAuthenticator
from .conftest import ORIGIN, authenticate_options

BINDING = "mfa-token-1"


def test_own_passkey_verifies(authenticator, passkey, user):
    options = services.begin_second_factor(user, BINDING)

    used = services.verify_assertion_for_user(user, authenticator.get(options, origin=ORIGIN), BINDING)

    assert str(used.pk) == passkey["id"]
    assert Passkey.objects.get().sign_count == 1
    assert [c["id"] for c in options["allowCredentials"]] == [Passkey.objects.get().credential_id]


def test_other_users_passkey_rejected(make_user, signed_in, register, passkey, user):
    other = make_user()
    other_device = SoftAuthenticator()
    assert register(signed_in(other), with_authenticator=other_device).status_code == 201
    options = services.begin_second_factor(user, BINDING)

    with pytest.raises(ApiError) as error:
        services.verify_assertion_for_user(user, other_device.get(options, origin=ORIGIN), BINDING)

    assert error.value.status_code == 401
    assert error.value.code == "passkey_not_found"
    assert list(Passkey.objects.order_by("sign_count").values_list("sign_count", flat=True)) == [0, 0]
    event = AuditEvent.objects.get(action="passkey.authentication_failed")
    assert event.actor_id == str(user.pk)
    assert event.metadata["reason"] == "credential_not_owned"


def test_challenge_of_other_user_rejected(authenticator, passkey, user, make_user):
    options = services.begin_second_factor(make_user(), BINDING)

    with pytest.raises(ApiError) as error:
        services.verify_assertion_for_user(user, authenticator.get(options, origin=ORIGIN), BINDING)

    assert error.value.code == "challenge_invalid"
    assert Passkey.objects.get().sign_count == 0


def test_challenge_of_other_binding_rejected(authenticator, passkey, user):
    options = services.begin_second_factor(user, "mfa-token-2")

    with pytest.raises(ApiError) as error:
        services.verify_assertion_for_user(user, authenticator.get(options, origin=ORIGIN), BINDING)

    assert error.value.code == "challenge_invalid"
    assert Passkey.objects.get().sign_count == 0


def test_passwordless_challenge_rejected(anonymous, authenticator, passkey, user):
    options = authenticate_options(anonymous)

    with pytest.raises(ApiError) as error:
        services.verify_assertion_for_user(user, authenticator.get(options, origin=ORIGIN), BINDING)

    assert error.value.code == "challenge_invalid"


def test_second_factor_counter_regression_rejected(authenticator, passkey, user):
    Passkey.objects.update(sign_count=7)
    options = services.begin_second_factor(user, BINDING)

    with pytest.raises(ApiError) as error:
        services.verify_assertion_for_user(user, authenticator.get(options, origin=ORIGIN, sign_count=3), BINDING)

    assert error.value.code == "counter_regression"
    assert Passkey.objects.get().sign_count == 7
    assert AuditEvent.objects.filter(action="passkey.counter_regression").count() == 1


def test_second_factor_not_verified_rejected(authenticator, passkey, user):
    authenticator.user_verified = False
    options = services.begin_second_factor(user, BINDING)

    with pytest.raises(ApiError) as error:
        services.verify_assertion_for_user(user, authenticator.get(options, origin=ORIGIN), BINDING)

    assert error.value.code == "user_verification_required"
