"""Rate limits on authentication endpoints, per client IP and per account, kept in the cache.

Counts live in the Django cache (Redis in production), so every gunicorn process and machine
shares one budget. Separately, repeated failed logins on one account make each further attempt
wait an exponentially growing delay, capped at LOGIN_FAILURE_MAX_DELAY: a stranger can slow an
account down but cannot lock its owner out for longer than that cap.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django_ratelimit.core import get_usage
from rest_framework import status

from plinto.api_errors import ApiError
from plinto.client_ip import get_client_ip

from .normalization import email_key


def _rate_limited(retry_after, subject="requests"):
    return ApiError(
        status.HTTP_429_TOO_MANY_REQUESTS,
        "rate_limited",
        f"Too many {subject}; retry in {retry_after} seconds.",
        headers={"Retry-After": str(retry_after)},
    )


def _account_bucket(account):
    # A digest, so cache keys never contain an email address.
    return hashlib.sha256(email_key(account).encode()).hexdigest()[:32]


def enforce(request, scope, *, account=None):
    """Count this request against the IP and account budgets of `scope`; raise 429 when spent."""
    if not settings.RATE_LIMIT_ENABLED:
        return

    keys = [("ip", get_client_ip(request))]
    if account:
        keys.append(("account", _account_bucket(account)))

    for kind, value in keys:
        for rate in (f"{settings.RATE_LIMIT_PER_MINUTE}/m", f"{settings.RATE_LIMIT_PER_HOUR}/h"):
            usage = get_usage(
                request,
                group=f"{scope}:{kind}",
                key=lambda group, req, value=value: value,
                rate=rate,
                increment=True,
            )
            if usage and usage["should_limit"]:
                raise _rate_limited(max(1, int(usage["time_left"])))


def enforce_hourly_budget(request, scope, key, per_hour, *, subject):
    """Count one use of `key`'s hourly budget in `scope`; raise 429 once `per_hour` uses are spent.

    `key` must not be personal data such as a phone number (pass a keyed digest), because it
    becomes part of a cache key. `subject` names what is counted in the 429 message. A budget of
    0 means no limit.
    """
    if not settings.RATE_LIMIT_ENABLED or per_hour <= 0:
        return
    usage = get_usage(request, group=scope, key=lambda group, req: key, rate=f"{per_hour}/h", increment=True)
    if usage and usage["should_limit"]:
        raise _rate_limited(max(1, int(usage["time_left"])), subject)


def _failure_key(account):
    return f"login-failures:{_account_bucket(account)}"


def check_login_delay(account):
    """Raise 429 while the account is inside the delay its recent failures earned."""
    if not settings.RATE_LIMIT_ENABLED:
        return
    state = cache.get(_failure_key(account))
    if not state:
        return
    wait = state["next_allowed"] - time.time()
    if wait > 0:
        raise _rate_limited(max(1, int(wait + 0.999)))


def record_login_failure(account):
    """Count a failed login; past the threshold, the next attempt must wait 2**n seconds."""
    key = _failure_key(account)
    state = cache.get(key) or {"failures": 0, "next_allowed": 0.0}
    state["failures"] += 1
    excess = state["failures"] - settings.LOGIN_FAILURE_THRESHOLD
    if excess >= 0:
        delay = min(2**excess, settings.LOGIN_FAILURE_MAX_DELAY)
        state["next_allowed"] = time.time() + delay
    # The count fades after a quiet period as long as the longest delay.
    cache.set(key, state, timeout=max(settings.LOGIN_FAILURE_MAX_DELAY * 4, 900))


def clear_login_failures(account):
    cache.delete(_failure_key(account))
