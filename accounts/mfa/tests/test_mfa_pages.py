"""Second-factor pages driven through Django's test client: challenge, security, step-up."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.mfa import policy
from accounts.mfa.authenticators.backup_codes import generate_codes
from accounts.mfa.models import BackupCode, EmailDevice, MfaChallenge, TOTPDevice
from accounts.models import Session
from accounts.pages.session import PENDING_LOGIN_KEY, SESSION_KEY
from plinto.testing.fixtures import STRONG_PASSWORD, PageClient

from .conftest import fresh_totp_code, totp_code


@pytest.fixture
def browser(db):
    return PageClient()


def password_step(browser, user, next_url=""):
    data = {"email": user.email, "password": STRONG_PASSWORD}
    if next_url:
        data["next"] = next_url
    return browser.post("/login", data)


def verify(browser, method, code):
    return browser.post("/login/mfa/verify", {"method": method, "code": code})


def page_session(browser):
    return Session.objects.get(pk=browser.session[SESSION_KEY])


def error_codes(form):
    return {field: [error.code for error in errors] for field, errors in form.errors.as_data().items()}


@pytest.fixture
def totp_user(user, enroll_totp):
    user.seed = enroll_totp(user)
    return user


@pytest.fixture
def logged_in(browser, totp_user):
    """A browser that finished the hosted login with the authenticator app."""
    password_step(browser, totp_user)
    response = verify(browser, "totp", fresh_totp_code(totp_user.seed))
    assert response.status_code == 302, response.content
    return browser


def make_session_old(browser):
    Session.objects.filter(pk=browser.session[SESSION_KEY]).update(auth_time=timezone.now() - timedelta(hours=1))


# The challenge page


def test_password_step_redirects_to_challenge(browser, totp_user):
    response = password_step(browser, totp_user)

    assert response.status_code == 302
    assert response["Location"] == "/login/mfa"
    assert Session.objects.count() == 0
    assert browser.session.get("_auth_user_id") is None


def test_mfa_token_stays_on_server(browser, totp_user):
    login = password_step(browser, totp_user)
    page = browser.get("/login/mfa")

    token = browser.session[PENDING_LOGIN_KEY]["mfa_token"]
    assert MfaChallenge.objects.filter(user=totp_user).count() == 1
    assert token not in login["Location"]
    assert token not in page.content.decode()
    assert all(token not in cookie.value for cookie in browser.cookies.values())


def test_password_step_rotates_session_key(browser, totp_user):
    browser.get("/login")
    browser.session.save()
    before = browser.cookies["sessionid"].value

    password_step(browser, totp_user)

    assert browser.cookies["sessionid"].value != before


def test_challenge_page_lists_enrolled_methods(browser, totp_user):
    generate_codes(totp_user)
    password_step(browser, totp_user)

    response = browser.get("/login/mfa")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert 'id="id_totp_code"' in html
    assert 'id="id_backup_code_code"' in html
    assert 'id="id_email_code"' not in html
    assert html.count('autocomplete="one-time-code"') == 2
    assert 'for="id_totp_code"' in html
    assert '<h2 id="totp-heading">Authenticator app</h2>' in html
    assert '<h2 id="backup_code-heading">Backup code</h2>' in html


def test_totp_code_finishes_login(browser, totp_user):
    password_step(browser, totp_user, next_url="/account/security")

    response = verify(browser, "totp", fresh_totp_code(totp_user.seed))

    assert response.status_code == 302
    assert response["Location"] == "/account/security"
    session = page_session(browser)
    assert "mfa" in session.amr
    assert str(browser.session["_auth_user_id"]) == str(totp_user.pk)
    assert PENDING_LOGIN_KEY not in browser.session
    assert browser.get("/account").status_code == 200


def test_wrong_code_shows_error_and_no_session(browser, totp_user):
    password_step(browser, totp_user)

    response = verify(browser, "totp", "000000")

    assert response.status_code == 200
    assert error_codes(response.context["error_form"]) == {"code": ["invalid_code"]}
    assert 'role="alert"' in response.content.decode()
    assert Session.objects.count() == 0
    assert MfaChallenge.objects.get().failed_attempts == 1


def test_empty_code_is_rejected_by_form(browser, totp_user):
    password_step(browser, totp_user)

    response = verify(browser, "totp", "")

    assert response.status_code == 400
    assert error_codes(response.context["error_form"]) == {"code": ["required"]}
    assert MfaChallenge.objects.get().failed_attempts == 0


def test_unknown_method_is_reported(browser, totp_user):
    password_step(browser, totp_user)

    response = verify(browser, "sms", "123456")

    assert response.status_code == 400
    assert error_codes(response.context["error_form"]) == {"__all__": ["method_unavailable"]}
    assert "cannot be used for this login" in response.content.decode()
    assert Session.objects.count() == 0


def test_used_up_challenge_restarts_login(browser, totp_user, settings):
    settings.MFA_CHALLENGE_MAX_ATTEMPTS = 2
    # No back-off between wrong codes, so both count against the challenge.
    settings.MFA_THROTTLE_FACTOR = 0
    password_step(browser, totp_user)
    verify(browser, "totp", "000000")
    verify(browser, "totp", "000000")

    response = verify(browser, "totp", fresh_totp_code(totp_user.seed))

    assert response.status_code == 302
    assert response["Location"] == "/login"
    assert PENDING_LOGIN_KEY not in browser.session
    assert Session.objects.count() == 0
    assert "Log in again" in browser.get("/login").content.decode()


def test_expired_challenge_restarts_login(browser, totp_user):
    password_step(browser, totp_user)
    MfaChallenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = browser.get("/login/mfa")

    assert response.status_code == 302
    assert response["Location"] == "/login"
    assert PENDING_LOGIN_KEY not in browser.session


def test_challenge_page_without_pending_login_redirects(browser):
    assert browser.get("/login/mfa")["Location"] == "/login"
    assert browser.post("/login/mfa/verify", {"method": "totp", "code": "1"})["Location"] == "/login"


def test_backup_code_finishes_login(browser, totp_user):
    codes = generate_codes(totp_user)
    password_step(browser, totp_user)

    response = verify(browser, "backup_code", codes[0])

    assert response.status_code == 302
    assert page_session(browser).is_active
    assert BackupCode.objects.filter(used_at__isnull=False).count() == 1


def test_email_code_is_sent_and_finishes_login(browser, user, mailbox):
    EmailDevice.objects.create(user=user, name="Email codes", confirmed=True)
    password_step(browser, user)

    sent = browser.post("/login/mfa/send", {"method": "email"})

    assert sent.status_code == 302
    assert sent["Location"] == "/login/mfa"
    assert len(mailbox) == 1
    code = re.search(r"\b(\d{6})\b", mailbox[0].body).group(1)
    response = verify(browser, "email", code)
    assert response.status_code == 302
    assert page_session(browser).is_active


def test_sms_code_is_sent_and_finishes_login(browser, user, enroll_sms, sms_outbox):
    enroll_sms(user)
    password_step(browser, user)
    challenge = browser.get("/login/mfa").content.decode()

    sent = browser.post("/login/mfa/send", {"method": "sms"})

    assert "Text me a code" in challenge
    assert sent.status_code == 302
    assert sent["Location"] == "/login/mfa"
    response = verify(browser, "sms", sms_outbox.last_code())
    assert response.status_code == 302
    assert page_session(browser).is_active


def test_send_code_for_totp_is_rejected(browser, totp_user, mailbox):
    password_step(browser, totp_user)

    response = browser.post("/login/mfa/send", {"method": "totp"})

    assert response.status_code == 400
    assert "needs no code to be sent" in response.content.decode()
    assert mailbox == []


@pytest.fixture
def mfa_required_for_everyone():
    def everyone(user, context):
        return True

    policy.register_requirement(everyone)
    yield
    policy.unregister_requirement(everyone)


@pytest.mark.usefixtures("mfa_required_for_everyone")
def test_enrollment_at_login_sets_up_app(browser, user):
    password_step(browser, user)
    assert b"Set up an authenticator app" in browser.get("/login/mfa").content

    started = browser.post("/login/mfa/enroll")
    page = browser.get("/login/mfa").content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    response = verify(browser, "totp", totp_code(secret))

    assert started["Location"] == "/login/mfa"
    assert 'src="data:image/png;base64,' in page
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=user).confirmed
    assert "mfa" in page_session(browser).amr


@pytest.mark.usefixtures("mfa_required_for_everyone")
def test_enrollment_confirm_without_setup_is_reported(browser, user):
    password_step(browser, user)

    response = verify(browser, "totp", "123456")

    assert response.status_code == 409
    assert error_codes(response.context["form"]) == {"__all__": ["totp_setup_missing"]}
    assert Session.objects.count() == 0


# The security page


def test_totp_enrollment_on_security_page(browser, user):
    browser.post("/login", {"email": user.email, "password": STRONG_PASSWORD})
    current = page_session(browser)

    started = browser.post("/account/security/totp/start")
    page = browser.get("/account/security/totp")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
    confirmed = browser.post("/account/security/totp/confirm", {"method": "totp", "code": totp_code(secret)})

    assert started["Location"] == "/account/security/totp"
    assert 'src="data:image/png;base64,' in page.content.decode()
    assert confirmed.status_code == 200
    assert "no-store" in confirmed["Cache-Control"]
    assert len(confirmed.context["codes"]) == 10
    assert "only time these codes are shown" in confirmed.content.decode()
    assert TOTPDevice.objects.get(user=user).confirmed
    current.refresh_from_db()
    assert current.is_active


def test_wrong_setup_code_shows_same_secret(browser, user):
    browser.post("/login", {"email": user.email, "password": STRONG_PASSWORD})
    browser.post("/account/security/totp/start")
    secret = browser.get("/account/security/totp").context["setup"]["secret"]

    response = browser.post("/account/security/totp/confirm", {"method": "totp", "code": "000000"})

    assert response.status_code == 400
    assert error_codes(response.context["form"]) == {"code": ["invalid_code"]}
    assert response.context["setup"]["secret"] == secret
    assert not TOTPDevice.objects.get(user=user).confirmed


def test_backup_codes_regenerate_shows_new_set(logged_in, totp_user):
    old = generate_codes(totp_user)

    response = logged_in.post("/account/security/backup-codes")

    assert response.status_code == 200
    assert set(response.context["codes"]).isdisjoint(old)
    assert BackupCode.objects.filter(device__user=totp_user).count() == 10


def test_email_codes_toggle(logged_in, totp_user):
    on = logged_in.post("/account/security/email")
    assert on["Location"] == "/account/security"
    assert EmailDevice.objects.filter(user=totp_user).exists()

    off = logged_in.post("/account/security/email/remove")
    assert off["Location"] == "/account/security"
    assert not EmailDevice.objects.filter(user=totp_user).exists()


def test_totp_remove_keeps_this_session(logged_in, totp_user):
    response = logged_in.post("/account/security/totp/remove")

    assert response["Location"] == "/account/security"
    assert not TOTPDevice.objects.filter(user=totp_user).exists()
    assert logged_in.get("/account/security").status_code == 200


def test_remove_missing_method_shows_error(logged_in, totp_user):
    response = logged_in.post("/account/security/email/remove")

    assert response.status_code == 404
    assert "not set up for this account" in response.content.decode()
    assert TOTPDevice.objects.filter(user=totp_user).exists()


def test_security_page_needs_login(browser):
    response = browser.get("/account/security")

    assert response.status_code == 302
    assert response["Location"] == "/login?next=/account/security"


# Step-up re-authentication


@pytest.mark.parametrize(
    "path",
    [
        "/account/security/totp/start",
        "/account/security/totp/remove",
        "/account/security/backup-codes",
        "/account/security/email",
    ],
)
def test_stale_session_is_sent_to_reauthenticate(logged_in, totp_user, path):
    make_session_old(logged_in)

    response = logged_in.post(path)

    assert response.status_code == 302
    assert response["Location"] == "/account/reauthenticate?next=%2Faccount%2Fsecurity"
    assert TOTPDevice.objects.filter(user=totp_user, confirmed=True).count() == 1
    assert not EmailDevice.objects.filter(user=totp_user).exists()
    assert not BackupCode.objects.exists()


def test_stale_password_change_is_sent_to_reauthenticate(logged_in, totp_user):
    make_session_old(logged_in)

    response = logged_in.post(
        "/account/password", {"current_password": STRONG_PASSWORD, "new_password": "Another-Strong-77-phrase"}
    )

    assert response["Location"] == "/account/reauthenticate?next=%2Faccount"
    totp_user.refresh_from_db()
    assert totp_user.check_password(STRONG_PASSWORD)


def test_reauthenticate_with_password_refreshes_auth_time(logged_in):
    make_session_old(logged_in)

    response = logged_in.post("/account/reauthenticate", {"password": STRONG_PASSWORD, "next": "/account/security"})

    assert response.status_code == 302
    assert response["Location"] == "/account/security"
    assert timezone.now() - page_session(logged_in).auth_time < timedelta(seconds=5)
    assert logged_in.post("/account/security/email")["Location"] == "/account/security"


def test_reauthenticate_with_totp_code(logged_in, totp_user, settings):
    make_session_old(logged_in)
    # The login spent the step after the current one, so this code is two steps ahead.
    settings.MFA_TOTP_TOLERANCE = 2
    code = totp_code(totp_user.seed, at=timezone.now().timestamp() + 60)

    response = logged_in.post("/account/reauthenticate", {"method": "totp", "code": code, "next": "/account"})

    assert response.status_code == 302
    assert "otp" in page_session(logged_in).amr
    assert timezone.now() - page_session(logged_in).auth_time < timedelta(seconds=5)


def test_reauthenticate_wrong_password_keeps_auth_time(logged_in):
    make_session_old(logged_in)
    before = page_session(logged_in).auth_time

    response = logged_in.post("/account/reauthenticate", {"password": "wrong", "next": "/account"})

    assert response.status_code == 400
    assert error_codes(response.context["error_form"]) == {"password": ["invalid_password"]}
    assert 'role="alert"' in response.content.decode()
    assert page_session(logged_in).auth_time == before


def test_reauthenticate_ignores_offsite_next(logged_in):
    response = logged_in.post(
        "/account/reauthenticate", {"password": STRONG_PASSWORD, "next": "https://elsewhere.example/"}
    )

    assert response["Location"] == "/account"


def test_reauthenticate_page_offers_enrolled_methods(logged_in, totp_user):
    generate_codes(totp_user)

    html = logged_in.get("/account/reauthenticate?next=/account/security").content.decode()

    assert 'name="next" value="/account/security"' in html
    assert 'id="id_password_password"' in html
    assert 'id="id_totp_code"' in html
    assert 'id="id_backup_code_code"' in html


# Markup rules shared by the pages


@pytest.mark.parametrize(
    ("path", "setup"),
    [
        ("/login/mfa", None),
        ("/account/security", None),
        ("/account/reauthenticate", None),
        ("/account/security/totp", "/account/security/totp/start"),
    ],
)
def test_page_has_no_inline_script_or_style(logged_in, totp_user, path, setup):
    generate_codes(totp_user)
    if path == "/login/mfa":
        password_step(logged_in, totp_user)
    if setup:
        TOTPDevice.objects.filter(user=totp_user).delete()
        logged_in.post(setup)

    response = logged_in.get(path)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert all(body == "" and 'src="/static/' in attributes for attributes, body in scripts)
    assert " style=" not in html
    assert re.search(r" on[a-z]+=", html) is None
