"""The hosted passkey pages in Debian's Chromium with a CDP virtual authenticator.

Django's live server runs on localhost (a loopback address), because browsers accept neither an
IP address as a relying party id nor WebAuthn outside a secure context, and localhost is one.
"""

import os
import shutil
from types import SimpleNamespace

import pytest
from django.db import connection, connections

from accounts.models import Session
from accounts.passkeys.models import Passkey
from plinto.testing.fixtures import STRONG_PASSWORD

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM}; `scripts/bootstrap dev` installs it with apt-get.")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is missing; run `scripts/bootstrap dev`.")

    # Playwright's sync API runs an event loop in this thread. Django raises on ORM calls from a
    # thread with a running loop unless this variable marks the use as safe, as it is here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # While Playwright's loop runs, Django keeps this thread's connections apart from the ones
        # it uses after the loop ends. Unless they are closed here, the test database stays in use.
        connections.close_all()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _relying_party(settings, live_server):
    # Overrides the suite's plinto.test relying party with the live server's own origin.
    settings.PASSKEY_RP_ID = "localhost"
    settings.PASSKEY_ORIGINS = [live_server.url]
    settings.PASSKEY_REQUIRE_USER_VERIFICATION = True
    settings.PASSKEY_ALLOWED_AAGUIDS = []
    settings.RATE_LIMIT_ENABLED = False


@pytest.fixture(scope="module")
def _audit_truncate_allowed(django_db_setup, django_db_blocker):
    """Let pytest-django empty the audit table with TRUNCATE between these tests, on PostgreSQL.

    The live server reads only committed rows, so these tests commit and the tables are emptied
    afterwards with TRUNCATE, which the append-only trigger on audit events rejects. Module scope
    puts the trigger back after the last flush of this module.
    """
    with django_db_blocker.unblock():
        _set_truncate_trigger("DISABLE")
    yield
    with django_db_blocker.unblock():
        _set_truncate_trigger("ENABLE")


def _set_truncate_trigger(state):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE audit_auditevent {state} TRIGGER audit_event_no_truncate")


@pytest.fixture
def page(browser, _audit_truncate_allowed, transactional_db):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


@pytest.fixture
def virtual_authenticator(page):
    """Attach a platform authenticator with resident keys and user verification to the page."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    result = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    authenticator_id = result["authenticatorId"]

    def set_user_verified(verified):
        cdp.send("WebAuthn.setUserVerified", {"authenticatorId": authenticator_id, "isUserVerified": verified})

    def credentials():
        return cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]

    return SimpleNamespace(set_user_verified=set_user_verified, credentials=credentials)


def _register_on_manage_page(page, live_server, user):
    page.goto(live_server.url + "/passkeys/manage")
    page.fill("#email", user.email)
    page.fill("#password", STRONG_PASSWORD)
    page.click("#password-form button[type=submit]")
    page.wait_for_selector("#account:not([hidden])")

    page.fill("#passkey-name", "Test laptop")
    page.click("#add-passkey")
    page.wait_for_selector("#passkey-list li .passkey-name:text('Test laptop')")


def _log_out(page):
    page.click("#logout")


def _without_conditional_ui(page):
    """Make the pages see a browser without autofill support for passkeys, so only the button signs in.

    Chromium's virtual authenticator completes a pending conditional request by itself, which would
    sign in before the button is pressed.
    """
    page.add_init_script("PublicKeyCredential.isConditionalMediationAvailable = async () => false;")


def _passkey_sessions():
    return Session.objects.filter(amr=["hwk", "user", "mfa"]).count()


def test_register_log_out_sign_in_passwordless(page, live_server, user, virtual_authenticator):
    _without_conditional_ui(page)
    _register_on_manage_page(page, live_server, user)
    passkey = Passkey.objects.get()
    assert passkey.user == user
    assert passkey.name == "Test laptop"
    assert len(virtual_authenticator.credentials()) == 1
    assert virtual_authenticator.credentials()[0]["isResidentCredential"] is True

    _log_out(page)
    page.wait_for_url(live_server.url + "/passkeys/login")
    assert page.get_attribute("#username", "autocomplete") == "username webauthn"
    page.click("#passkey-button")
    page.wait_for_url(live_server.url + "/passkeys/manage")
    page.wait_for_selector("#passkey-list li .passkey-name:text('Test laptop')")

    assert _passkey_sessions() == 1
    assert Passkey.objects.get().last_used_at is not None


def test_sign_in_with_conditional_ui(page, live_server, user, virtual_authenticator):
    _register_on_manage_page(page, live_server, user)

    # The login page starts a conditional request on load. The virtual authenticator completes it
    # as a user picking the passkey from the username field's autofill would, with no button.
    with page.expect_response(lambda response: response.url.endswith("/api/v1/passkeys/authenticate")) as signed_in:
        _log_out(page)
    assert signed_in.value.status == 200
    page.wait_for_url(live_server.url + "/passkeys/manage")
    page.wait_for_selector("#passkey-list li .passkey-name:text('Test laptop')")

    assert _passkey_sessions() == 1


def test_unverified_user_refused(page, live_server, user, virtual_authenticator):
    _without_conditional_ui(page)
    _register_on_manage_page(page, live_server, user)
    virtual_authenticator.set_user_verified(False)
    _log_out(page)
    page.wait_for_url(live_server.url + "/passkeys/login")

    page.click("#passkey-button")
    page.wait_for_selector("#status.error")

    # Chromium itself rejects the request (NotAllowedError) because the options require user
    # verification. The API tests cover the server's own check of the UV flag.
    assert "not allowed" in page.text_content("#status")
    assert page.url == live_server.url + "/passkeys/login"
    assert _passkey_sessions() == 0
    assert Passkey.objects.get().last_used_at is None
