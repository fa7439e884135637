"""Sentry reporting: on only with SENTRY_DSN, and no password or token in what it sends.

Each case runs Plinto in a subprocess, because sentry_sdk.init patches Django for the rest of the
process. Events go to a fake Sentry server that the test starts on loopback.
"""

import gzip
import json
import os
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.utils.http import urlsafe_base64_encode

BASE_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "Sentry-Sentinel-Password-41!"
TOKEN = "sentry-sentinel-access-token-5f1e"

# Posts a password reset while the database has no tables, so the view fails with
# OperationalError and Sentry's Django integration reports it. The body's `new_password` is a key
# that Sentry's default scrubber does not match.
SCRIPT = """
import json, os, sys
import django

django.setup()

import sentry_sdk
from django.test import Client

client = sentry_sdk.get_client()
result = {"active": client.is_active()}
if client.is_active():
    for name in ("send_default_pii", "max_request_body_size", "include_local_variables"):
        result[name] = client.options[name]
    response = Client(raise_request_exception=False).post(
        "/api/v1/auth/password/reset",
        data=json.dumps({"token": os.environ["RESET_TOKEN"], "new_password": os.environ["SENTINEL_PASSWORD"]}),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer " + os.environ["SENTINEL_TOKEN"],
        HTTP_COOKIE="sessionid=" + os.environ["SENTINEL_TOKEN"],
    )
    result["status"] = response.status_code
    sentry_sdk.flush(timeout=10)
print(json.dumps(result))
"""


class _FakeSentry(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.server.envelopes.append(body.decode("utf-8", "replace"))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format, *args):
        pass


@pytest.fixture
def fake_sentry():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeSentry)
    server.envelopes = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _run_plinto(tmp_path, **extra_env):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "plinto.settings",
        "PLINTO_VAR_DIR": str(tmp_path / "var"),
        "ALLOWED_HOSTS": "testserver",
        "SENTINEL_PASSWORD": PASSWORD,
        "SENTINEL_TOKEN": TOKEN,
        # Well-formed up to the user look-up, which is where the missing table makes the view fail.
        "RESET_TOKEN": urlsafe_base64_encode(str(uuid.uuid4()).encode()) + ".reset-secret",
        **extra_env,
    }
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_sentry_stays_off_without_dsn(tmp_path, fake_sentry):
    result = _run_plinto(tmp_path)

    assert result == {"active": False}
    assert fake_sentry.envelopes == []


@pytest.mark.slow
def test_sentry_reports_errors_without_secrets(tmp_path, fake_sentry):
    dsn = f"http://publickey@127.0.0.1:{fake_sentry.server_address[1]}/1"

    result = _run_plinto(tmp_path, SENTRY_DSN=dsn)

    assert result["active"] is True
    assert result["send_default_pii"] is False
    assert result["max_request_body_size"] == "never"
    assert result["include_local_variables"] is False
    assert result["status"] == 500
    received = "\n".join(fake_sentry.envelopes)
    assert "OperationalError" in received
    assert "/api/v1/auth/password/reset" in received
    assert PASSWORD not in received
    assert TOKEN not in received
    assert "reset-secret" not in received
