"""Passkeys on the hosted pages in Debian's Chromium, with a CDP virtual authenticator.

Django's live server listens on localhost, because browsers accept neither an IP address as a
relying party id nor WebAuthn outside a secure context, and localhost counts as secure. Outside
CI a test is skipped, with the reason, when Chromium is missing or cannot start. With CI set,
that is a failure instead (see `chromium()`).
"""

import pytest

from accounts.mfa.tests.test_browser_mfa import STEP_TIMEOUT_MS, chromium
from accounts.models import Session
from accounts.passkeys.models import Passkey
from plinto.testing.fixtures import STRONG_PASSWORD

pytestmark = pytest.mark.slow

PASSKEY_NAME = "Test laptop"


@pytest.fixture(autouse=True)
def _relying_party(settings, live_server):
    # Replaces the suite's plinto.test relying party with the live server's own origin.
    settings.PASSKEY_RP_ID = "localhost"
    settings.PASSKEY_ORIGINS = [live_server.url]
    settings.PASSKEY_REQUIRE_USER_VERIFICATION = True
    settings.PASSKEY_ALLOWED_AAGUIDS = []
    settings.RATE_LIMIT_ENABLED = False


class VirtualAuthenticator:
    """A CTAP2 platform authenticator with resident keys and user verification, added through CDP."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("WebAuthn.enable")
        options = {
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": True,
            "hasUserVerification": True,
            "isUserVerified": True,
            # Reports user presence on every request, as if the user touched the authenticator.
            "automaticPresenceSimulation": True,
        }
        result = self.cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
        self.authenticator_id = result["authenticatorId"]

    def set_user_verified(self, verified):
        params = {"authenticatorId": self.authenticator_id, "isUserVerified": verified}
        self.cdp.send("WebAuthn.setUserVerified", params)

    def credentials(self):
        return self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.authenticator_id})["credentials"]


def _open_page(browser, *, conditional_ui=False):
    page = browser.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    if not conditional_ui:
        # Chromium's virtual authenticator completes a pending conditional request by itself, which
        # would sign in as soon as /login loads. Without autofill support only the button signs in.
        page.add_init_script("PublicKeyCredential.isConditionalMediationAvailable = async () => false;")
    return page


def _log_in_with_password(page, base_url, email):
    page.goto(f"{base_url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()


def _add_passkey(page, base_url):
    """Add a passkey on the security page, confirming the password first on a step-up redirect.

    Returns whether the step-up redirect happened.
    """
    page.goto(f"{base_url}/account/security")
    page.get_by_label("Name of the new passkey").fill(PASSKEY_NAME)
    page.get_by_role("button", name="Add a passkey").click()
    listed = page.locator("#passkey-list .passkey-name", has_text=PASSKEY_NAME)
    reauthenticate = page.get_by_role("heading", name="Confirm it's you")
    listed.or_(reauthenticate).wait_for()
    stepped_up = reauthenticate.is_visible()
    if stepped_up:
        _confirm_password(page, base_url)
        page.get_by_label("Name of the new passkey").fill(PASSKEY_NAME)
        page.get_by_role("button", name="Add a passkey").click()
    listed.wait_for()
    return stepped_up


def _confirm_password(page, base_url):
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Confirm", exact=True).click()
    page.wait_for_url(f"{base_url}/account/security")


def _log_out(page, base_url):
    page.goto(f"{base_url}/logout")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base_url}/login")


def _active_sessions(user):
    return list(Session.objects.filter(user=user, revoked_at__isnull=True))


def test_register_then_sign_in_with_button(audit_truncate_allowed, live_server, make_user):
    # Given a user logged in with their password, who adds a passkey on the security page
    user = make_user(email="passkey@example.org")
    base_url = live_server.url
    with chromium() as browser:
        page = _open_page(browser)
        authenticator = VirtualAuthenticator(page)
        _log_in_with_password(page, base_url, user.email)
        page.wait_for_url(f"{base_url}/account")
        _add_passkey(page, base_url)
        credentials = authenticator.credentials()

        # When they log out and sign in from /login with the passkey button
        _log_out(page, base_url)
        autocomplete = page.get_by_label("Email address").get_attribute("autocomplete")
        page.get_by_role("button", name="Sign in with a passkey").click()
        page.wait_for_url(f"{base_url}/account")
        heading = page.get_by_role("heading", level=1).inner_text()

    # Then the authenticator stores one discoverable credential for the stored passkey
    passkey = Passkey.objects.get()
    assert passkey.user == user
    assert passkey.name == PASSKEY_NAME
    assert len(credentials) == 1
    assert credentials[0]["isResidentCredential"] is True
    # and the passwordless login landed on the account page with a passkey session
    assert autocomplete == "username webauthn"
    assert heading == "Your account"
    assert passkey.last_used_at is not None
    sessions = _active_sessions(user)
    assert len(sessions) == 1
    assert "hwk" in sessions[0].amr
    assert "mfa" in sessions[0].amr
    assert "pwd" not in sessions[0].amr


def test_add_passkey_after_step_up(audit_truncate_allowed, live_server, make_user, settings):
    # Given a logged-in user whose login no longer counts as recent
    user = make_user(email="step-up@example.org")
    base_url = live_server.url
    with chromium() as browser:
        page = _open_page(browser)
        VirtualAuthenticator(page)
        _log_in_with_password(page, base_url, user.email)
        page.wait_for_url(f"{base_url}/account")
        # A negative maximum age makes every authentication too old, so adding a passkey redirects
        # to /account/reauthenticate. The setting changes back before the password is confirmed.
        settings.MFA_STEP_UP_MAX_AGE = -1

        # When they try to add a passkey, confirm their password and try again
        page.goto(f"{base_url}/account/security")
        page.get_by_label("Name of the new passkey").fill(PASSKEY_NAME)
        page.get_by_role("button", name="Add a passkey").click()
        page.wait_for_url(f"{base_url}/account/reauthenticate?next=/account/security")
        settings.MFA_STEP_UP_MAX_AGE = 300
        _confirm_password(page, base_url)
        stepped_up_again = _add_passkey(page, base_url)

    # Then the confirmed password counts as recent, and only the second attempt stored a passkey
    assert stepped_up_again is False
    assert Passkey.objects.get().user == user


def test_sign_in_with_conditional_ui(audit_truncate_allowed, live_server, make_user):
    # Given a user with a passkey on this browser's authenticator
    user = make_user(email="autofill@example.org")
    base_url = live_server.url
    with chromium() as browser:
        page = _open_page(browser, conditional_ui=True)
        VirtualAuthenticator(page)
        _log_in_with_password(page, base_url, user.email)
        page.wait_for_url(f"{base_url}/account")
        _add_passkey(page, base_url)

        # When they log out and /login starts its conditional request on load, which the virtual
        # authenticator completes as a user picking the passkey from the email field's autofill would
        with page.expect_response(lambda response: response.url.endswith("/login/passkey")) as signed_in:
            _log_out(page, base_url)
        page.wait_for_url(f"{base_url}/account")
        sign_in_status = signed_in.value.status

    # Then the login finished without the button or a password
    assert sign_in_status == 200
    sessions = _active_sessions(user)
    assert len(sessions) == 1
    assert "hwk" in sessions[0].amr
    assert Passkey.objects.get().last_used_at is not None


def test_unverified_user_rejected(audit_truncate_allowed, live_server, make_user):
    # Given a user with a passkey whose authenticator stops verifying the user
    user = make_user(email="unverified@example.org")
    base_url = live_server.url
    with chromium() as browser:
        page = _open_page(browser)
        authenticator = VirtualAuthenticator(page)
        _log_in_with_password(page, base_url, user.email)
        page.wait_for_url(f"{base_url}/account")
        _add_passkey(page, base_url)
        _log_out(page, base_url)
        authenticator.set_user_verified(False)

        # When they try to sign in with the passkey button
        page.get_by_role("button", name="Sign in with a passkey").click()
        status = page.locator("#passkey-status.error")
        status.wait_for()
        message = status.inner_text()
        url = page.url

    # Then Chromium rejects the request, because the options require user verification, so the
    # page shows the error and no login starts. The API tests cover the server's own UV check.
    assert "not allowed" in message
    assert url == f"{base_url}/login"
    assert _active_sessions(user) == []
    assert Passkey.objects.get().last_used_at is None


def test_password_login_asks_for_passkey(audit_truncate_allowed, live_server, make_user):
    # Given a user whose only second factor is a passkey
    user = make_user(email="second-factor@example.org")
    base_url = live_server.url
    with chromium() as browser:
        page = _open_page(browser)
        VirtualAuthenticator(page)
        _log_in_with_password(page, base_url, user.email)
        page.wait_for_url(f"{base_url}/account")
        _add_passkey(page, base_url)
        _log_out(page, base_url)

        # When they log in with their password, then confirm with the passkey on /login/mfa
        _log_in_with_password(page, base_url, user.email)
        page.wait_for_url(f"{base_url}/login/mfa")
        code_forms = page.locator("input[name=code]").count()
        page.get_by_role("button", name="Log in with a passkey").click()
        page.wait_for_url(f"{base_url}/account")
        heading = page.get_by_role("heading", level=1).inner_text()

    # Then the login landed on the account page with both factors in its session
    assert code_forms == 0
    assert heading == "Your account"
    sessions = _active_sessions(user)
    assert len(sessions) == 1
    assert "pwd" in sessions[0].amr
    assert "hwk" in sessions[0].amr
    assert "mfa" in sessions[0].amr
    assert Passkey.objects.get().last_used_at is not None
