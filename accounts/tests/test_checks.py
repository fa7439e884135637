"""System checks that stop a dangerous configuration at start-up."""

import pytest
from django.core.checks import run_checks
from django.test import override_settings

PUBLIC = ["auth.example.com"]
STRONG_SECRET_KEY = "k3Jx9-vQ2mZp7LrT0aWc4YhN8sFb6GdE1uKo5iXq_RtVwMy2nPzA"
STRONG_HS256_SECRET = "s" * 16 + "T" * 16 + "0123456789"


def _ids():
    return {message.id for message in run_checks()}


def test_safe_production_settings_pass():
    with override_settings(
        DEBUG=False,
        ALLOWED_HOSTS=PUBLIC,
        SECRET_KEY=STRONG_SECRET_KEY,
        SECRET_KEY_FROM_ENV=True,
        PUBLIC_BASE_URL="https://auth.example.com",
    ):
        ids = _ids()

    assert not {check_id for check_id in ids if check_id.startswith("plinto.")}


def test_debug_with_public_host_fails():
    with override_settings(DEBUG=True, ALLOWED_HOSTS=PUBLIC, PUBLIC_BASE_URL="https://auth.example.com"):
        ids = _ids()

    assert "plinto.E001" in ids


@pytest.mark.parametrize("hosts", [["127.0.0.1", "localhost", "[::1]"], ["testserver"]])
def test_debug_on_local_hosts_passes(hosts):
    with override_settings(DEBUG=True, ALLOWED_HOSTS=hosts):
        assert "plinto.E001" not in _ids()


@pytest.mark.parametrize("secret_key", ["short", "a" * 60, "django-insecure-" + "x1y2z3w4" * 6])
def test_weak_secret_key_with_public_host_fails(secret_key):
    with override_settings(ALLOWED_HOSTS=PUBLIC, SECRET_KEY=secret_key, SECRET_KEY_FROM_ENV=True):
        ids = _ids()

    assert "plinto.E002" in ids


def test_generated_secret_key_passes():
    # The key generated into VAR_DIR is random. Only a key set by the operator is judged.
    with override_settings(ALLOWED_HOSTS=PUBLIC, SECRET_KEY="short", SECRET_KEY_FROM_ENV=False):
        assert "plinto.E002" not in _ids()


@pytest.mark.parametrize("secret", ["", "too-short", "x" * 31])
def test_hs256_short_secret_fails(secret):
    with override_settings(JWT_ALGORITHM="HS256", JWT_SECRET_KEY=secret):
        ids = _ids()

    assert "plinto.E004" in ids


def test_hs256_long_secret_passes():
    with override_settings(JWT_ALGORITHM="HS256", JWT_SECRET_KEY=STRONG_HS256_SECRET):
        ids = _ids()

    assert "plinto.E004" not in ids
    assert "plinto.E003" not in ids


@pytest.mark.parametrize("algorithm", ["none", "HS512", "ES256", "rs256"])
def test_unsupported_algorithm_fails(algorithm):
    with override_settings(JWT_ALGORITHM=algorithm):
        ids = _ids()

    assert "plinto.E003" in ids


def test_public_key_without_private_key_fails():
    with override_settings(JWT_PUBLIC_KEY="-----BEGIN PUBLIC KEY-----", JWT_PRIVATE_KEY=""):
        assert "plinto.E005" in _ids()


def test_plain_http_public_url_warns():
    with override_settings(ALLOWED_HOSTS=PUBLIC, PUBLIC_BASE_URL="http://auth.example.com"):
        assert "plinto.W001" in _ids()


def test_error_messages_name_the_fix():
    with override_settings(DEBUG=True, ALLOWED_HOSTS=PUBLIC, JWT_ALGORITHM="HS256", JWT_SECRET_KEY="short"):
        messages = {message.id: message for message in run_checks()}

    assert "auth.example.com" in messages["plinto.E001"].msg
    assert "DEBUG=false" in messages["plinto.E001"].hint
    assert "32 bytes" in messages["plinto.E004"].msg
    assert "secrets.token_urlsafe" in messages["plinto.E004"].hint
