"""Passkeys on the hosted pages: passwordless login, the MFA step and the security page."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client

from accounts.models import Session
from accounts.passkeys.models import Passkey
from plinto.testing.fixtures import STRONG_PASSWORD, PageClient, page_login

from .authenticator import SoftAuthenticator
from .conftest import ORIGIN, authenticate_options


@pytest.fixture
def page_client(db):
    # A plain Django client: this folder's `client` fixture is a logged-in API client.
    return Client()


def _post_json(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("path", ["/login"])
def test_page_has_no_inline_script(page_client, path):
    response = page_client.get(path)

    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts == [(' src="/static/passkeys/passkeys.js" defer', "")]


def test_login_page_offers_passkeys(page_client):
    html = page_client.get("/login").content.decode()

    assert 'autocomplete="username webauthn"' in html
    assert 'id="passkey-button"' in html


@pytest.mark.parametrize(("old", "new"), [("/passkeys/login", "/login"), ("/passkeys/manage", "/account/security")])
def test_old_pages_redirect(page_client, old, new):
    response = page_client.get(old)

    assert response.status_code == 302
    assert response["Location"] == new


def test_script_is_served(page_client):
    response = page_client.get("/static/passkeys/passkeys.js")

    assert response.status_code == 200
    assert b"isConditionalMediationAvailable" in b"".join(response.streaming_content)


def test_passwordless_starts_page_session(anonymous, authenticator, passkey):
    browser = PageClient()
    options = authenticate_options(anonymous)

    response = _post_json(
        browser,
        "/login/passkey",
        {"credential": authenticator.get(options, origin=ORIGIN), "next": "/account/security"},
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"redirect": "/account/security"}
    assert browser.get("/account").status_code == 200


def test_passwordless_rejects_unsafe_next(anonymous, authenticator, passkey):
    browser = PageClient()
    options = authenticate_options(anonymous)

    response = _post_json(
        browser,
        "/login/passkey",
        {"credential": authenticator.get(options, origin=ORIGIN), "next": "https://evil.test/"},
    )

    assert response.json() == {"redirect": "/account"}


def test_passwordless_bad_credential_rejected(passkey):
    browser = PageClient()
    sessions_before = Session.objects.count()

    response = _post_json(browser, "/login/passkey", {"credential": "nope"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credential"
    assert Session.objects.count() == sessions_before
    assert browser.get("/account").status_code == 302


def test_mfa_page_finishes_with_passkey(authenticator, passkey, user):
    browser = PageClient()
    browser.post("/login", {"email": user.email, "password": STRONG_PASSWORD})
    assert b'data-method="passkey"' in browser.get("/login/mfa").content

    options = browser.post("/login/mfa/passkey/options").json()["public_key"]
    response = _post_json(
        browser, "/login/mfa/passkey/verify", {"credential": authenticator.get(options, origin=ORIGIN)}
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"redirect": "/account"}
    assert Session.objects.latest("created_at").amr == ["pwd", "hwk", "mfa"]
    assert browser.get("/account").status_code == 200


def test_mfa_page_rejects_other_device(passkey, user):
    browser = PageClient()
    browser.post("/login", {"email": user.email, "password": STRONG_PASSWORD})
    options = browser.post("/login/mfa/passkey/options").json()["public_key"]
    stranger = SoftAuthenticator()
    stranger.create({"rp": {"id": "plinto.test"}, "user": {"id": "AA"}, "challenge": "AA"}, origin=ORIGIN)

    response = _post_json(browser, "/login/mfa/passkey/verify", {"credential": stranger.get(options, origin=ORIGIN)})

    assert response.status_code == 401
    assert response.json()["code"] == "passkey_not_found"
    assert browser.get("/account").status_code == 302


def test_security_page_adds_passkey(user):
    browser = page_login(PageClient(), user)
    device = SoftAuthenticator()

    options = browser.post("/account/security/passkeys/options").json()["public_key"]
    response = _post_json(
        browser,
        "/account/security/passkeys/register",
        {"credential": device.create(options, origin=ORIGIN), "name": "Phone"},
    )

    assert response.status_code == 200, response.content
    assert Passkey.objects.get(user=user).name == "Phone"
    assert b"Phone" in browser.get("/account/security").content


def test_security_page_step_up_redirect(user):
    browser = page_login(PageClient(), user)
    Session.objects.update(auth_time=Session.objects.get().auth_time - timedelta(hours=1))

    response = browser.post("/account/security/passkeys/options")

    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_required"
    assert response.json()["redirect"] == "/account/reauthenticate?next=/account/security"


@pytest.fixture
def passkey_browser(authenticator, passkey):
    """A browser logged in through the page endpoint with the user's passkey."""
    browser = PageClient()
    options = authenticate_options(Client())
    response = _post_json(browser, "/login/passkey", {"credential": authenticator.get(options, origin=ORIGIN)})
    assert response.status_code == 200, response.content
    return browser


def test_security_page_renames_and_removes(passkey_browser):
    passkey_id = Passkey.objects.get().pk

    renamed = passkey_browser.post(f"/account/security/passkeys/{passkey_id}/rename", {"name": "Desk"})
    removed = passkey_browser.post(f"/account/security/passkeys/{passkey_id}/remove")

    assert renamed.status_code == 302
    assert removed.status_code == 302
    assert not Passkey.objects.exists()


def test_security_page_rename_stores_name(passkey_browser):
    passkey_id = Passkey.objects.get().pk

    passkey_browser.post(f"/account/security/passkeys/{passkey_id}/rename", {"name": "Desk"})

    assert Passkey.objects.get().name == "Desk"


def test_security_page_remove_needs_step_up(passkey_browser):
    Session.objects.update(auth_time=Session.objects.latest("created_at").auth_time - timedelta(hours=1))
    passkey_id = Passkey.objects.get().pk

    response = passkey_browser.post(f"/account/security/passkeys/{passkey_id}/remove")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/reauthenticate")
    assert Passkey.objects.count() == 1


def test_json_endpoint_needs_csrf_token(passkey):
    browser = PageClient(enforce_csrf_checks=True)

    response = _post_json(browser, "/login/passkey", {"credential": {}})

    assert response.status_code == 403
