"""The second login step: the mfa_token, its limits, and every door going through it (case L1)."""

from datetime import timedelta

import jwt
import pytest
from django.test import RequestFactory
from django.utils import timezone

from accounts.login_pipeline import complete_login
from accounts.mfa import policy
from accounts.mfa.challenges import purge_expired_challenges
from accounts.mfa.models import MfaChallenge
from accounts.models import Session
from audit.models import AuditEvent

from .conftest import fresh_totp_code, totp_code


def _claims(access_token):
    return jwt.decode(access_token, options={"verify_signature": False})


def test_login_with_totp_asks_for_second_factor(api, user, enroll_totp, mfa_login):
    enroll_totp(user)

    body = mfa_login(user)

    assert body["mfa_required"] is True
    assert body["methods"] == ["totp"]
    assert len(body["mfa_token"]) >= 40
    assert "access_token" not in body
    assert Session.objects.count() == 0


def test_verify_completes_login_with_mfa_amr(api, user, enroll_totp, mfa_login):
    seed = enroll_totp(user)
    token = mfa_login(user)["mfa_token"]

    response = api.post("/api/v1/auth/mfa/verify", {"mfa_token": token, "method": "totp", "code": totp_code(seed)})

    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    claims = _claims(response.json()["access_token"])
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert "auth_time" in claims
    assert Session.objects.get().amr == ["pwd", "otp", "mfa"]
    assert AuditEvent.objects.filter(action="mfa.verified").count() == 1


def test_mfa_token_is_single_use(api, user, enroll_totp, mfa_login):
    seed = enroll_totp(user)
    token = mfa_login(user)["mfa_token"]
    first = api.post("/api/v1/auth/mfa/verify", {"mfa_token": token, "method": "totp", "code": totp_code(seed)})
    assert first.status_code == 200

    second = api.post("/api/v1/auth/mfa/verify", {"mfa_token": token, "method": "totp", "code": fresh_totp_code(seed)})

    assert second.status_code == 401
    assert second.json()["code"] == "mfa_token_invalid"
    assert Session.objects.count() == 1


def test_expired_mfa_token_is_refused(api, user, enroll_totp, mfa_login):
    seed = enroll_totp(user)
    token = mfa_login(user)["mfa_token"]
    MfaChallenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = api.post("/api/v1/auth/mfa/verify", {"mfa_token": token, "method": "totp", "code": totp_code(seed)})

    assert response.status_code == 401
    assert response.json()["code"] == "mfa_token_invalid"
    assert Session.objects.count() == 0


def test_unknown_mfa_token_is_refused(api, user, enroll_totp):
    enroll_totp(user)

    response = api.post("/api/v1/auth/mfa/verify", {"mfa_token": "x" * 43, "method": "totp", "code": "123456"})

    assert response.status_code == 401
    assert response.json()["code"] == "mfa_token_invalid"


def test_wrong_codes_use_up_the_mfa_token(api, user, enroll_totp, mfa_login, settings):
    settings.MFA_THROTTLE_FACTOR = 0
    seed = enroll_totp(user)
    token = mfa_login(user)["mfa_token"]

    for _ in range(settings.MFA_CHALLENGE_MAX_ATTEMPTS):
        wrong = api.post("/api/v1/auth/mfa/verify", {"mfa_token": token, "method": "totp", "code": "000000"})
        assert wrong.status_code == 401
        assert wrong.json()["code"] == "invalid_code"
    after = api.post("/api/v1/auth/mfa/verify", {"mfa_token": token, "method": "totp", "code": totp_code(seed)})

    assert after.status_code == 401
    assert after.json()["code"] == "mfa_token_invalid"
    assert Session.objects.count() == 0
    assert AuditEvent.objects.filter(action="mfa.failed").count() == settings.MFA_CHALLENGE_MAX_ATTEMPTS


def test_method_not_enrolled_is_refused(api, user, enroll_totp, mfa_login):
    enroll_totp(user)
    token = mfa_login(user)["mfa_token"]

    response = api.post("/api/v1/auth/mfa/verify", {"mfa_token": token, "method": "email", "code": "123456"})

    assert response.status_code == 400
    assert response.json()["code"] == "method_unavailable"
    assert response.json()["errors"][0]["field"] == "method"
    assert MfaChallenge.objects.get().failed_attempts == 0


@pytest.mark.parametrize("payload", [{}, {"mfa_token": "t"}, {"mfa_token": "t", "method": "totp"}])
def test_verify_with_missing_fields_names_them(api, payload):
    response = api.post("/api/v1/auth/mfa/verify", payload)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"


def test_user_without_factor_logs_in_directly(api, user, mfa_login):
    body = mfa_login(user)

    assert "access_token" in body
    assert _claims(body["access_token"])["amr"] == ["pwd"]


def test_complete_login_demands_factor_from_any_door(user, enroll_totp):
    # Every door (hosted pages, admin, password reset, SSO) finishes through complete_login,
    # so a door that is not the API, with its own first factor, must get the challenge too.
    enroll_totp(user)
    request = RequestFactory().post("/some-other-door")

    session, body = complete_login(request, user, amr=["pwd"], context={"client_hint": "acme"})

    assert session is None
    assert body["mfa_required"] is True
    assert Session.objects.count() == 0
    assert MfaChallenge.objects.get().context == {"client_hint": "acme"}


def test_challenge_keeps_first_step_context(api, user, enroll_totp):
    from organizations import rls
    from organizations.models import Membership, Organization

    seed = enroll_totp(user)
    with rls.bypass():
        organization = Organization.objects.create(name="Acme", slug="acme")
        Membership.objects.create(organization=organization, user=user, role="member")
    organization_id = str(organization.pk)
    request = RequestFactory().post("/sso/saml/acme/acs")
    _, body = complete_login(request, user, amr=["ext"], context={"organization_id": organization_id})

    response = api.post(
        "/api/v1/auth/mfa/verify", {"mfa_token": body["mfa_token"], "method": "totp", "code": totp_code(seed)}
    )

    assert response.status_code == 200, response.content
    session = Session.objects.get()
    assert str(session.organization_id) == organization_id
    assert session.amr == ["ext", "otp", "mfa"]


@pytest.fixture
def require_mfa_for_acme():
    def acme_requires_mfa(user, context):
        return context.get("client_hint") == "acme"

    policy.register_requirement(acme_requires_mfa)
    yield
    policy.unregister_requirement(acme_requires_mfa)


def test_policy_sends_user_without_factor_to_enrollment(user, require_mfa_for_acme):
    request = RequestFactory().post("/login")

    session, body = complete_login(request, user, amr=["pwd"], context={"client_hint": "acme"})

    assert session is None
    assert body["enrollment_required"] is True
    assert body["enrollment_methods"] == ["totp"]
    assert Session.objects.count() == 0


def test_policy_ignores_other_organizations(user, require_mfa_for_acme):
    request = RequestFactory().post("/login")

    session, body = complete_login(request, user, amr=["pwd"], context={"client_hint": "globex"})

    assert session is not None
    assert "access_token" in body


def test_enrollment_at_login_then_verify_issues_tokens(api, user, require_mfa_for_acme, mailbox):
    request = RequestFactory().post("/login")
    _, body = complete_login(request, user, amr=["pwd"], context={"client_hint": "acme"})
    token = body["mfa_token"]

    setup = api.post("/api/v1/auth/mfa/enroll", {"mfa_token": token, "method": "totp"})
    assert setup.status_code == 200, setup.content
    code = totp_code(setup.json()["secret"])
    response = api.post("/api/v1/auth/mfa/verify", {"mfa_token": token, "method": "totp", "code": code})

    assert response.status_code == 200, response.content
    assert Session.objects.get().amr == ["pwd", "otp", "mfa"]
    assert user.totpdevice_set.get().confirmed is True
    assert AuditEvent.objects.filter(action="mfa.enrolled").count() == 1
    assert [m.subject for m in mailbox] == ["Your two-factor settings were changed"]


def test_enrollment_not_offered_to_user_with_factor(api, user, enroll_totp, mfa_login):
    enroll_totp(user)
    token = mfa_login(user)["mfa_token"]

    response = api.post("/api/v1/auth/mfa/enroll", {"mfa_token": token, "method": "totp"})

    assert response.status_code == 409
    assert response.json()["code"] == "enrollment_not_required"
    assert user.totpdevice_set.count() == 1


def test_purge_deletes_only_expired_challenges(api, user, enroll_totp, mfa_login):
    enroll_totp(user)
    mfa_login(user)
    mfa_login(user)
    expired = MfaChallenge.objects.first()
    MfaChallenge.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    deleted = purge_expired_challenges()

    assert deleted == 1
    assert not MfaChallenge.objects.filter(pk=expired.pk).exists()
    assert MfaChallenge.objects.count() == 1
