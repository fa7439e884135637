"""Fixtures and factories shared by every app's tests."""

import re
import uuid

import pytest
from django.core import mail
from django.test import Client, TestCase
from rest_framework.test import APIClient

STRONG_PASSWORD = "Correct-Horse-42-battery"


class ApiClient(APIClient):
    """An API client that runs on-commit callbacks (queued emails, tasks) when each request ends."""

    default_format = "json"

    def request(self, **kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**kwargs)

    def bearer(self, access_token):
        self.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
        return self


class PageClient(Client):
    """A browser-like client that runs on-commit callbacks (queued emails) as each request ends."""

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


def page_login(client, user, password=STRONG_PASSWORD):
    """Log `client` in through the hosted login page, as a browser does, and return it.

    Django's force_login() is not enough for pages that need a live Plinto session, such as the
    admin, because only the login pipeline creates one.
    """
    response = client.post("/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.content
    return client


@pytest.fixture
def api(db):
    return ApiClient()


@pytest.fixture
def make_user(db):
    """Create a verified, active user; keyword arguments override the defaults."""
    from accounts.models import User

    def make(email=None, password=STRONG_PASSWORD, **fields):
        fields.setdefault("email_verified", True)
        email = email or f"user-{uuid.uuid4().hex[:8]}@example.org"
        return User.objects.create_user(email=email, password=password, **fields)

    return make


@pytest.fixture
def user(make_user):
    return make_user(email="mike@example.org")


@pytest.fixture
def login(api):
    """Log in through the API and return the token response body."""

    def do_login(email, password=STRONG_PASSWORD, client=None):
        response = (client or api).post("/api/v1/auth/login", {"email": email, "password": password})
        assert response.status_code == 200, response.content
        return response.json()

    return do_login


@pytest.fixture
def mailbox():
    mail.outbox.clear()
    return mail.outbox


def link_in(message, path):
    """Return the token of the first link to `path` in an email body."""
    match = re.search(re.escape(path) + r"\?token=([^\s]+)", message.body)
    assert match, f"no {path} link in: {message.body}"
    return match.group(1)


@pytest.fixture
def audit_truncate_allowed(transactional_db):
    """Let a transactional test's flush empty the audit table on PostgreSQL.

    Django empties the database after a transactional test with TRUNCATE, which the audit
    append-only trigger rejects. After the test this deletes the audit rows through the purge
    setting the retention job uses, then disables the TRUNCATE trigger for the flush.
    NOTE: the TRUNCATE trigger stays disabled in the test database until the next test that uses
    this fixture starts. Row updates and deletes stay rejected throughout.
    """
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        yield
        return

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_truncate")
    yield
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL plinto.audit_purge = 'on'")
        cursor.execute("DELETE FROM audit_auditevent")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_truncate")
