"""The README's walkthrough and the operational endpoints, over HTTP against gunicorn."""

import os
import re
import time
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import jwt
import pytest
import requests

from plinto.testing.fixtures import STRONG_PASSWORD

from .gunicorn_server import WORKERS
from .live_api import REQUEST_TIMEOUT, read_verification_link, register_verified_user, token_in

pytestmark = pytest.mark.slow

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _post(server, path, body, access_token=None):
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    return requests.post(server.url(path), json=body, headers=headers, timeout=REQUEST_TIMEOUT)


def _get(server, path, access_token=None):
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    return requests.get(server.url(path), headers=headers, timeout=REQUEST_TIMEOUT)


def test_account_walkthrough(smoke_server):
    # Given an account registered through the API and verified through the link it was mailed.
    register = _post(
        smoke_server, "/api/v1/auth/register", {"email": "walkthrough@example.org", "password": STRONG_PASSWORD}
    )
    assert register.status_code == 202, register.text

    link = read_verification_link(smoke_server, "walkthrough@example.org")
    assert link.startswith(f"{smoke_server.base_url}/verify-email?token=")
    verify = _post(smoke_server, "/api/v1/auth/verify-email", {"token": token_in(link)})
    assert verify.status_code == 200, verify.text
    assert verify.json()["email_verified"] is True

    # When the user logs in, the response is a token pair that must not be cached.
    login = _post(smoke_server, "/api/v1/auth/login", {"email": "walkthrough@example.org", "password": STRONG_PASSWORD})
    assert login.status_code == 200, login.text
    assert login.headers["Cache-Control"] == "no-store"
    first = login.json()
    assert first["token_type"] == "Bearer"
    assert first["expires_in"] == 900

    # Then the access token reaches the API as that user.
    me = _get(smoke_server, "/api/v1/me", first["access_token"])
    assert me.status_code == 200, me.text
    assert me.json()["email"] == "walkthrough@example.org"
    assert me.json()["email_verified"] is True

    # A refresh rotates the refresh token.
    refreshed = _post(smoke_server, "/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]

    # The old refresh token presented again within the reuse interval (a retry, a second tab) gets
    # the same successor and revokes nothing.
    retried = _post(smoke_server, "/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert retried.status_code == 200, retried.text
    assert retried.json()["refresh_token"] == second["refresh_token"]
    assert _get(smoke_server, "/api/v1/me", second["access_token"]).status_code == 200

    # Logout ends the session: its access and refresh tokens stop working at once.
    logout = _post(smoke_server, "/api/v1/auth/logout", {}, second["access_token"])
    assert logout.status_code == 204, logout.text

    rejected_me = _get(smoke_server, "/api/v1/me", second["access_token"])
    assert rejected_me.status_code == 401
    assert rejected_me.headers["Content-Type"] == "application/problem+json"
    assert rejected_me.json()["code"] == "session_revoked"

    rejected_refresh = _post(smoke_server, "/api/v1/auth/refresh", {"refresh_token": second["refresh_token"]})
    assert rejected_refresh.status_code == 401
    assert rejected_refresh.json()["code"] == "invalid_token"
    assert "access_token" not in rejected_refresh.json()


def test_access_token_verifies_against_jwks(smoke_server):
    register_verified_user(smoke_server, "jwks@example.org")
    login = _post(smoke_server, "/api/v1/auth/login", {"email": "jwks@example.org", "password": STRONG_PASSWORD})
    access_token = login.json()["access_token"]

    response = _get(smoke_server, "/.well-known/jwks.json")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    keys = {key["kid"]: key for key in response.json()["keys"]}
    kid = jwt.get_unverified_header(access_token)["kid"]
    assert kid in keys
    claims = jwt.decode(
        access_token,
        jwt.PyJWK(keys[kid]).key,
        algorithms=["RS256"],
        audience=f"{smoke_server.base_url}/api",
        issuer=smoke_server.base_url,
    )
    assert claims["sub"] == _get(smoke_server, "/api/v1/me", access_token).json()["id"]


def test_health_and_ready(smoke_server):
    health = _get(smoke_server, "/health")
    ready = _get(smoke_server, "/ready")

    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "broker": "ok"}}


def test_metrics_exported(smoke_server):
    _get(smoke_server, "/health")

    response = _get(smoke_server, "/metrics")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "django_http_requests_total_by_method_total" in response.text


def _health_count(text):
    pattern = r'django_http_requests_total_by_view_transport_method_total\{[^}]*view="health"[^}]*\} ([0-9.]+)'
    match = re.search(pattern, text)
    return float(match.group(1)) if match else 0.0


def test_metrics_sum_every_worker(smoke_server):
    before = _health_count(_get(smoke_server, "/metrics").text)

    # Twenty new connections spread over both gunicorn workers.
    for _ in range(20):
        requests.get(smoke_server.url("/health"), timeout=REQUEST_TIMEOUT)
    first = _health_count(_get(smoke_server, "/metrics").text)
    second = _health_count(_get(smoke_server, "/metrics").text)

    # Whichever worker serves /metrics reports the requests of both.
    assert first - before == 20
    assert second == first


def test_openapi_schema_served(smoke_server):
    response = requests.get(
        smoke_server.url("/api/v1/schema"), headers={"Accept": "application/json"}, timeout=REQUEST_TIMEOUT
    )

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/auth/login" in schema["paths"]
    assert "/api/v1/me" in schema["paths"]


class _AssetLinks(HTMLParser):
    """Collects the URLs of the scripts, style sheets and icons a page loads."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.urls.append(attributes["src"])
        if tag == "link" and attributes.get("href") and attributes.get("rel") in ("stylesheet", "icon"):
            self.urls.append(attributes["href"])


def test_swagger_ui_assets_served_by_plinto(smoke_server):
    page = _get(smoke_server, "/api/v1/docs")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")

    parser = _AssetLinks()
    parser.feed(page.text)
    asset_urls = [urljoin(page.url, url) for url in parser.urls]
    # The bundle, the standalone preset, the style sheet and the icon.
    assert len(asset_urls) >= 4, parser.urls

    for url in asset_urls:
        assert urlsplit(url).netloc == urlsplit(smoke_server.base_url).netloc, f"{url} is not served by Plinto"
        asset = requests.get(url, timeout=REQUEST_TIMEOUT)
        assert asset.status_code == 200, url


@pytest.mark.parametrize("path", ["/health", "/api/v1/me", "/api/v1/docs", "/.well-known/jwks.json"])
def test_security_headers_present(smoke_server, path):
    response = _get(smoke_server, path)

    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Request-ID"]


def _forgot_until_rejected(server, max_attempts):
    """Request password resets until one is rejected. Return the responses and the seconds taken."""
    started = time.monotonic()
    responses = []
    while len(responses) < max_attempts:
        responses.append(_post(server, "/api/v1/auth/password/forgot", {"email": "nobody@example.org"}))
        if responses[-1].status_code != 202:
            break
    return responses, time.monotonic() - started


def test_rate_limit_enforced_across_workers(smoke_server):
    # Given the default budget of 20 requests a minute per client IP and endpoint. Without Redis
    # each worker counts in its own memory, so up to 20 requests per worker pass.
    budget = 20
    shared_counters = bool(os.environ.get("REDIS_URL"))
    allowed = budget if shared_counters else budget * WORKERS

    # When one client asks for password resets of an address without an account.
    for _ in range(2):
        responses, elapsed = _forgot_until_rejected(smoke_server, allowed + 1)
        rejected = responses[-1]
        assert rejected.status_code == 429, [response.status_code for response in responses]
        # The budget is counted in fixed one-minute windows, and Retry-After is the time left in the
        # window of the rejection. When that window began during the requests, some of them were
        # counted in the previous window, so wait for a fresh window and repeat once.
        retry_after = int(rejected.headers["Retry-After"])
        if 60 - retry_after >= elapsed + 1:
            break
        time.sleep(retry_after)

    # Then the request past the budget is rejected with 429, and with Redis every worker shares it.
    assert rejected.json()["code"] == "rate_limited"
    assert retry_after > 0
    passed = len(responses) - 1
    if shared_counters:
        assert passed == budget
    else:
        assert budget <= passed <= allowed


def test_request_id_echoed(smoke_server):
    response = requests.get(smoke_server.url("/health"), headers={"X-Request-ID": "smoke-42"}, timeout=REQUEST_TIMEOUT)

    assert response.headers["X-Request-ID"] == "smoke-42"
