"""A real browser sets up TOTP on the account page and logs in with it (Chromium via Playwright).

Playwright drives Debian's /usr/bin/chromium, so no browser download is needed. Outside CI the
test is skipped, with the reason, when Chromium is missing or cannot start. With CI set, that is
a failure instead.
"""

import os
import re
import time
from contextlib import contextmanager

import pytest

from accounts.mfa.authenticators.backup_codes import generate_codes
from accounts.mfa.models import BackupCode, EmailDevice, TOTPDevice
from accounts.models import Session
from plinto.testing.fixtures import STRONG_PASSWORD

from .conftest import totp_code

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Generous for a shared two-core machine; a step that takes longer than this is a failure.
STEP_TIMEOUT_MS = 20_000


def _unavailable(reason):
    if os.environ.get("CI"):
        pytest.fail(f"Browser test cannot run on CI: {reason}")
    pytest.skip(reason)


@contextmanager
def chromium():
    """Launch headless Chromium and yield it; skip (fail on CI) when it cannot start.

    Django refuses ORM calls while Playwright's event loop runs, so tests use the database only
    outside this block.
    """
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("playwright is not installed; pip install -r requirements-dev.txt")
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is missing; run scripts/bootstrap dev or apt-get install chromium")

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        except Error as error:
            _unavailable(f"Chromium did not start: {error.message.splitlines()[0]}")
        yield browser
        browser.close()


def _log_in(page, base_url, email):
    page.goto(f"{base_url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.slow
def test_totp_enrollment_and_login_in_chromium(audit_truncate_allowed, live_server, make_user):
    # Given a verified user
    user = make_user(email="browser@example.org")
    base_url = live_server.url

    with chromium() as browser:
        page = browser.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)

        # When they log in and set up an authenticator app from the secret shown as text
        _log_in(page, base_url, user.email)
        page.wait_for_url(f"{base_url}/account")
        page.goto(f"{base_url}/account/security")
        page.get_by_role("button", name="Set up an authenticator app").click()
        page.wait_for_url(f"{base_url}/account/security/totp")
        secret = page.locator("#totp-secret").inner_text().strip()
        page.get_by_label("Code from your authenticator app").fill(totp_code(secret))
        page.get_by_role("button", name="Confirm", exact=True).click()
        backup_codes = page.locator(".backup-codes code").all_inner_texts()
        warning = page.get_by_role("alert").inner_text()

        # and log out, then log in again with the password and a new code
        page.goto(f"{base_url}/logout")
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(f"{base_url}/login")
        _log_in(page, base_url, user.email)
        page.wait_for_url(f"{base_url}/login/mfa")
        # The confirming code spent the current 30-second step, so this is the next step's code,
        # which the server accepts as one step of clock drift.
        page.get_by_label("Code from your authenticator app").fill(totp_code(secret, at=time.time() + 30))
        page.get_by_role("button", name="Log in", exact=True).click()
        page.wait_for_url(f"{base_url}/account")
        heading = page.get_by_role("heading", level=1).inner_text()

    # Then the second login went through the challenge and landed on the account page
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert len(backup_codes) == 10
    assert "only time these codes are shown" in warning
    assert heading == "Your account"
    assert TOTPDevice.objects.get(user=user).confirmed
    active = Session.objects.filter(user=user, revoked_at__isnull=True)
    assert active.count() == 1
    assert "mfa" in active.get().amr


def _log_out(page, base_url):
    page.goto(f"{base_url}/logout")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base_url}/login")


@pytest.mark.slow
def test_code_methods_log_in_chromium(audit_truncate_allowed, live_server, make_user, mailbox, enroll_sms, sms_outbox):
    # Given a user with backup codes, email codes and a verified mobile number
    user = make_user(email="codes@example.org")
    backup_codes = generate_codes(user)
    EmailDevice.objects.create(user=user, name="Email codes", confirmed=True)
    enroll_sms(user)
    base_url = live_server.url
    landed = []

    with chromium() as browser:
        page = browser.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)

        # When they log in once with a backup code
        _log_in(page, base_url, user.email)
        page.wait_for_url(f"{base_url}/login/mfa")
        page.get_by_role("textbox", name="Backup code").fill(backup_codes[0])
        page.get_by_role("button", name="Log in with a backup code").click()
        page.wait_for_url(f"{base_url}/account")
        landed.append(page.url)
        _log_out(page, base_url)

        # once with a code sent by email
        _log_in(page, base_url, user.email)
        page.wait_for_url(f"{base_url}/login/mfa")
        page.get_by_role("button", name="Send a code").click()
        page.wait_for_url(f"{base_url}/login/mfa")
        email_code = re.search(r"\b(\d{6})\b", mailbox[-1].body).group(1)
        page.get_by_role("textbox", name="Code from the email").fill(email_code)
        page.get_by_role("button", name="Log in with the email code").click()
        page.wait_for_url(f"{base_url}/account")
        landed.append(page.url)
        _log_out(page, base_url)

        # and once with a code sent by text message
        _log_in(page, base_url, user.email)
        page.wait_for_url(f"{base_url}/login/mfa")
        page.get_by_role("button", name="Text me a code").click()
        page.wait_for_url(f"{base_url}/login/mfa")
        page.get_by_role("textbox", name="Code from the text message").fill(sms_outbox.last_code())
        page.get_by_role("button", name="Log in with the text message code").click()
        page.wait_for_url(f"{base_url}/account")
        landed.append(page.url)

    # Then each login finished on the account page with a second factor
    assert landed == [f"{base_url}/account"] * 3
    sessions = Session.objects.filter(user=user).order_by("created_at")
    assert [("mfa" in session.amr) for session in sessions] == [True, True, True]
    assert BackupCode.objects.filter(device__user=user, used_at__isnull=False).count() == 1
