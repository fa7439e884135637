"""Steps a client app takes against a live server: registering and following the emailed link."""

import email
import re
from urllib.parse import parse_qs, urlsplit

import requests

from plinto.testing.fixtures import STRONG_PASSWORD

REQUEST_TIMEOUT = 30


def read_verification_link(server, address):
    """Return the verification link in the newest email the server wrote to `address`."""
    messages = []
    for path in server.email_dir.glob("*.log"):
        message = email.message_from_bytes(path.read_bytes())
        if message["To"] == address:
            messages.append((path.stat().st_mtime_ns, message))
    assert messages, f"no email to {address} in {server.email_dir}"

    _, newest = max(messages, key=lambda pair: pair[0])
    body = newest.get_payload(decode=True).decode()
    match = re.search(r"\S+/verify-email\?token=\S+", body)
    assert match, f"no verification link in the newest email to {address}:\n{body}"
    return match.group(0)


def token_in(link):
    return parse_qs(urlsplit(link).query)["token"][0]


def register_verified_user(server, address, password=STRONG_PASSWORD):
    """Register `address` through the API and follow its verification link."""
    response = requests.post(
        server.url("/api/v1/auth/register"), json={"email": address, "password": password}, timeout=REQUEST_TIMEOUT
    )
    assert response.status_code == 202, response.text

    token = token_in(read_verification_link(server, address))
    response = requests.post(server.url("/api/v1/auth/verify-email"), json={"token": token}, timeout=REQUEST_TIMEOUT)
    assert response.status_code == 200, response.text
