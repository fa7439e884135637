"""Rate limits per IP and per account, the failed-login delay and forwarded client addresses."""

import threading
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import ratelimit
from accounts.models import Session, User
from audit.models import AuditEvent
from plinto.client_ip import get_client_ip
from plinto.testing.fixtures import STRONG_PASSWORD

WRONG_PASSWORD = "Wrong-Password-42!"


@pytest.fixture
def per_minute(settings):
    """Two requests a minute per bucket, and an hourly budget that never interferes."""
    settings.RATE_LIMIT_PER_MINUTE = 2
    settings.RATE_LIMIT_PER_HOUR = 1000


@pytest.fixture
def per_hour(settings):
    settings.RATE_LIMIT_PER_MINUTE = 1000
    settings.RATE_LIMIT_PER_HOUR = 2


def snapshot(mailbox):
    """Everything a rejected request must leave as it was."""
    users = list(User.objects.order_by("email_key").values_list("email", "password", "pending_email", "email_verified"))
    return users, len(mailbox), AuditEvent.objects.count(), Session.objects.count()


def assert_rate_limited(response, max_retry_after):
    assert response.status_code == 429, response.content
    assert response.json()["code"] == "rate_limited"
    assert response["Content-Type"] == "application/problem+json"
    assert 1 <= int(response["Retry-After"]) <= max_retry_after


@dataclass
class Endpoint:
    """One rate-limited endpoint: `send(api, account, ip, context)` makes a request acting on `account`."""

    name: str
    send: object
    per_account: bool = True


def _post(path, body):
    return lambda api, account, ip, ctx: api.post(path, body(account, ctx), REMOTE_ADDR=ip)


def _authenticated(method, path, body):
    def send(api, account, ip, ctx):
        api.bearer(ctx["tokens"][account])
        try:
            return getattr(api, method)(path, body, REMOTE_ADDR=ip)
        finally:
            api.credentials()

    return send


ENDPOINTS = [
    Endpoint(
        "login", _post("/api/v1/auth/login", lambda a, ctx: {"email": f"{a}@example.org", "password": STRONG_PASSWORD})
    ),
    Endpoint(
        "register",
        _post("/api/v1/auth/register", lambda a, ctx: {"email": f"{a}@example.org", "password": STRONG_PASSWORD}),
    ),
    Endpoint("forgot", _post("/api/v1/auth/password/forgot", lambda a, ctx: {"email": f"{a}@example.org"})),
    Endpoint("resend", _post("/api/v1/auth/verify-email/resend", lambda a, ctx: {"email": f"{a}@example.org"})),
    Endpoint(
        "reset",
        # A token naming the account's user id with a wrong secret: rejected, but counted for the account.
        _post(
            "/api/v1/auth/password/reset",
            lambda a, ctx: {"token": f"{ctx['uids'][a]}.wrong-secret", "new_password": "Fresh-Start-2025-river"},
        ),
    ),
    Endpoint("verify-email", _post("/api/v1/auth/verify-email", lambda a, ctx: {"token": f"not-a-token-{a}"}), False),
    Endpoint(
        "password-change",
        _authenticated(
            "post", "/api/v1/auth/password/change", {"current_password": WRONG_PASSWORD, "new_password": "X-1a" * 4}
        ),
    ),
    Endpoint(
        "email-change",
        _authenticated("patch", "/api/v1/me", {"email": "other@new.example", "current_password": WRONG_PASSWORD}),
    ),
]


def clear_counters():
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture
def accounts(make_user, login):
    """Three verified accounts, each with an access token, and no request counted yet."""
    names = ["ana", "ben", "cy"]
    users = {name: make_user(email=f"{name}@example.org") for name in names}
    tokens = {name: login(f"{name}@example.org")["access_token"] for name in names}
    clear_counters()
    return {
        "tokens": tokens,
        "uids": {name: urlsafe_base64_encode(force_bytes(user.pk)) for name, user in users.items()},
    }


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_ip_budget_per_minute(api, accounts, mailbox, per_minute, endpoint):
    # Given two requests from one IP, each acting on a different account
    for name in ("ana", "ben"):
        assert endpoint.send(api, name, "198.51.100.7", accounts).status_code != 429
    before = snapshot(mailbox)

    # When a third request comes from that IP for yet another account
    response = endpoint.send(api, "cy", "198.51.100.7", accounts)

    # Then it is rejected and changes nothing, while another IP still gets through
    assert_rate_limited(response, 60)
    assert snapshot(mailbox) == before
    assert endpoint.send(api, "cy", "198.51.100.8", accounts).status_code != 429


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.per_account], ids=lambda e: e.name)
def test_account_budget_per_minute(api, accounts, mailbox, per_minute, endpoint):
    for ip in ("198.51.100.1", "198.51.100.2"):
        assert endpoint.send(api, "ana", ip, accounts).status_code != 429
    before = snapshot(mailbox)

    response = endpoint.send(api, "ana", "198.51.100.3", accounts)

    assert_rate_limited(response, 60)
    assert snapshot(mailbox) == before
    assert endpoint.send(api, "ben", "198.51.100.4", accounts).status_code != 429


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_ip_budget_per_hour(api, accounts, mailbox, per_hour, endpoint):
    for name in ("ana", "ben"):
        assert endpoint.send(api, name, "198.51.100.7", accounts).status_code != 429
    before = snapshot(mailbox)

    response = endpoint.send(api, "cy", "198.51.100.7", accounts)

    assert_rate_limited(response, 3600)
    assert snapshot(mailbox) == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.per_account], ids=lambda e: e.name)
def test_account_budget_per_hour(api, accounts, mailbox, per_hour, endpoint):
    for ip in ("198.51.100.1", "198.51.100.2"):
        assert endpoint.send(api, "ana", ip, accounts).status_code != 429
    before = snapshot(mailbox)

    response = endpoint.send(api, "ana", "198.51.100.3", accounts)

    assert_rate_limited(response, 3600)
    assert snapshot(mailbox) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_disabled_rate_limits_reject_nothing(api, accounts, settings, endpoint):
    settings.RATE_LIMIT_ENABLED = False
    settings.RATE_LIMIT_PER_MINUTE = 1
    settings.RATE_LIMIT_PER_HOUR = 1

    statuses = [endpoint.send(api, "ana", "198.51.100.7", accounts).status_code for _ in range(4)]

    assert 429 not in statuses


def test_ipv6_clients_share_a_budget_per_64(api, per_minute, mailbox):
    (send,) = [endpoint.send for endpoint in ENDPOINTS if endpoint.name == "forgot"]
    context = {}
    send(api, "a", "2001:db8:0:7::1", context)
    send(api, "b", "2001:db8:0:7:ffff::2", context)

    assert_rate_limited(send(api, "c", "2001:db8:0:7::3", context), 60)
    assert send(api, "c", "2001:db8:0:8::1", context).status_code == 202


@pytest.mark.parametrize(
    ("address", "bucket"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:0:7:1:2:3:4", "2001:db8:0:7::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("0.0.0.0", "0.0.0.0"),
    ],
)
def test_ip_bucket(address, bucket):
    assert ratelimit._ip_bucket(address) == bucket


# --- failed-login delay -----------------------------------------------------------------------


class Clock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch, settings):
    """Control the delay's clock; raise the request budgets so only the delay rejects requests."""
    settings.RATE_LIMIT_PER_MINUTE = 1000
    settings.RATE_LIMIT_PER_HOUR = 1000
    settings.LOGIN_FAILURE_THRESHOLD = 3
    settings.LOGIN_FAILURE_MAX_DELAY = 60
    fake = Clock()
    monkeypatch.setattr(ratelimit, "_now", fake)
    return fake


def attempt(api, password, email="mike@example.org"):
    return api.post("/api/v1/auth/login", {"email": email, "password": password})


@pytest.mark.parametrize(("failures", "delay"), [(0, 0), (2, 0), (3, 1), (4, 2), (5, 4), (9, 60), (500, 60)])
def test_login_delay_doubles_up_to_the_cap(clock, failures, delay):
    assert ratelimit.login_delay(failures) == delay


def test_failures_below_threshold_do_not_delay(api, user, clock):
    for _ in range(2):
        assert attempt(api, WRONG_PASSWORD).status_code == 401

    assert attempt(api, STRONG_PASSWORD).status_code == 200


def test_failures_delay_further_attempts(api, user, clock):
    for _ in range(3):
        assert attempt(api, WRONG_PASSWORD).status_code == 401
    sessions = Session.objects.count()

    # Even the right password waits, so the delay cannot be used to test guesses.
    response = attempt(api, STRONG_PASSWORD)

    assert_rate_limited(response, 1)
    assert Session.objects.count() == sessions
    assert ratelimit.login_failure_count(user.email) == 3  # A rejected attempt is not a failure.

    clock.now += 1
    assert attempt(api, WRONG_PASSWORD).status_code == 401
    assert int(attempt(api, STRONG_PASSWORD)["Retry-After"]) == 2


def test_delay_is_capped(api, user, clock):
    for _ in range(20):
        clock.now += 60
        assert attempt(api, WRONG_PASSWORD).status_code == 401

    response = attempt(api, STRONG_PASSWORD)

    assert_rate_limited(response, 60)
    assert int(response["Retry-After"]) == 60
    clock.now += 60
    assert attempt(api, STRONG_PASSWORD).status_code == 200


def test_successful_login_clears_failures(api, user, clock):
    for _ in range(5):
        clock.now += 60
        attempt(api, WRONG_PASSWORD)
    clock.now += 60

    assert attempt(api, STRONG_PASSWORD).status_code == 200

    assert ratelimit.login_failure_count(user.email) == 0
    assert attempt(api, WRONG_PASSWORD).status_code == 401
    assert attempt(api, STRONG_PASSWORD).status_code == 200


def test_unknown_address_is_delayed_alike(api, clock):
    for _ in range(3):
        assert attempt(api, WRONG_PASSWORD, email="nobody@example.org").status_code == 401

    assert_rate_limited(attempt(api, WRONG_PASSWORD, email="nobody@example.org"), 1)


def test_delay_is_per_account(api, user, make_user, clock):
    make_user(email="ana@example.org")
    for _ in range(3):
        attempt(api, WRONG_PASSWORD)

    assert attempt(api, STRONG_PASSWORD, email="ana@example.org").status_code == 200


def test_disabled_rate_limits_skip_the_delay(api, user, clock, settings):
    settings.RATE_LIMIT_ENABLED = False
    for _ in range(5):
        attempt(api, WRONG_PASSWORD)

    assert attempt(api, STRONG_PASSWORD).status_code == 200


def test_concurrent_failures_are_all_counted():
    threads, per_thread = 8, 25
    start = threading.Barrier(threads, timeout=10)

    def fail_repeatedly():
        start.wait()
        for _ in range(per_thread):
            ratelimit.record_login_failure("race@example.org")

    workers = [threading.Thread(target=fail_repeatedly) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)

    assert ratelimit.login_failure_count("race@example.org") == threads * per_thread


# --- client IP behind proxies -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("hops", "forwarded_for", "expected"),
    [
        (0, "", "10.0.0.1"),
        (0, "203.0.113.9", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),
        (1, "  203.0.113.9  ", "203.0.113.9"),
        (1, "not-an-ip", "10.0.0.1"),
        (1, "203.0.113.9, not-an-ip", "10.0.0.1"),
        (1, "203.0.113.9:4711", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "2001:DB8::0:1", "2001:db8::1"),
        (2, "203.0.113.9", "10.0.0.1"),
        (2, "203.0.113.9, 192.0.2.50", "203.0.113.9"),
        (2, "198.51.100.1, 203.0.113.9, 192.0.2.50", "203.0.113.9"),
    ],
)
def test_client_ip(settings, hops, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = hops
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert get_client_ip(request) == expected


def forgot(api, forwarded_for, email, remote="10.0.0.1"):
    return api.post(
        "/api/v1/auth/password/forgot", {"email": email}, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded_for
    )


def test_forwarded_for_ignored_without_trusted_proxy(api, per_minute, settings, mailbox):
    settings.TRUSTED_PROXY_COUNT = 0
    forgot(api, "203.0.113.1", "a@example.org")
    forgot(api, "203.0.113.2", "b@example.org")

    assert_rate_limited(forgot(api, "203.0.113.3", "c@example.org"), 60)


def test_forwarded_for_ignored_in_audit_without_trusted_proxy(api, user, settings):
    settings.TRUSTED_PROXY_COUNT = 0

    attempt_response = api.post(
        "/api/v1/auth/login",
        {"email": user.email, "password": WRONG_PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )

    assert attempt_response.status_code == 401
    assert AuditEvent.objects.get(action="login.failed").ip_address == "10.0.0.1"


def test_forwarded_for_used_in_audit_with_trusted_proxy(api, user, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    api.post(
        "/api/v1/auth/login",
        {"email": user.email, "password": WRONG_PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9",
    )

    assert AuditEvent.objects.get(action="login.failed").ip_address == "203.0.113.9"


def test_garbage_forwarded_for_fails_closed_to_proxy(api, per_minute, settings, mailbox):
    settings.TRUSTED_PROXY_COUNT = 1
    forgot(api, "not-an-ip", "a@example.org")
    forgot(api, "not-an-ip", "b@example.org")

    # The garbage shares the proxy's bucket, so it is limited like the proxy itself...
    assert_rate_limited(forgot(api, "not-an-ip", "c@example.org"), 60)
    assert_rate_limited(forgot(api, "", "c@example.org"), 60)
    # ...while a well-formed client address behind the same proxy has its own budget.
    assert forgot(api, "203.0.113.9", "c@example.org").status_code == 202


def test_rotating_leftmost_entry_gets_no_fresh_budget(api, per_minute, settings, mailbox):
    settings.TRUSTED_PROXY_COUNT = 1
    forgot(api, "192.0.2.1, 203.0.113.9", "a@example.org")
    forgot(api, "192.0.2.2, 203.0.113.9", "b@example.org")

    assert_rate_limited(forgot(api, "192.0.2.3, 203.0.113.9", "c@example.org"), 60)
    assert_rate_limited(forgot(api, "203.0.113.9", "c@example.org"), 60)
