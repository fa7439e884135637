"""The hosted passkey pages render as static shells that the strict CSP allows."""

import re

import pytest
from django.test import Client


@pytest.fixture
def page_client(db):
    # A plain Django client: this folder's `client` fixture is a logged-in API client.
    return Client()


@pytest.mark.parametrize("path", ["/passkeys/login", "/passkeys/manage"])
def test_page_has_no_inline_script(page_client, path):
    response = page_client.get(path)

    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts == [(' src="/static/passkeys/passkeys.js" defer', "")]
    assert "style=" not in html


def test_login_page_offers_autofill(page_client):
    html = page_client.get("/passkeys/login").content.decode()

    assert 'autocomplete="username webauthn"' in html


def test_pages_accept_only_get(page_client):
    response = page_client.post("/passkeys/login")

    assert response.status_code == 405


def test_script_is_served(page_client):
    response = page_client.get("/static/passkeys/passkeys.js")

    assert response.status_code == 200
    assert b"isConditionalMediationAvailable" in b"".join(response.streaming_content)
