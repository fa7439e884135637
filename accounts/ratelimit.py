"""Rate limits on authentication endpoints, per client IP and per account, kept in the cache.

Counts live in the Django cache (Redis in production), so every gunicorn process and machine
shares one budget. Each budget is a fixed-window counter. The minute and hour counters of one
subject are counted in one Redis round trip (plinto.cache_ops), where django-ratelimit, which
this replaced, took up to two round trips per counter.

Separately, repeated failed logins on one account make each further attempt wait an
exponentially growing delay, capped at LOGIN_FAILURE_MAX_DELAY: a stranger can slow an account
down but cannot lock its owner out for longer than that cap.

NOTE: the per-account budgets of `enforce` are a second limit on top of that delay. A stranger who
spends an account's login budget (RATE_LIMIT_PER_HOUR requests, from any number of IPs) blocks
its owner's logins until that hour's window ends.
"""

import hashlib
import ipaddress
import math
import time
import zlib

from django.conf import settings
from django.core.cache import cache
from rest_framework import status

from plinto import cache_ops
from plinto.api_errors import ApiError
from plinto.client_ip import get_client_ip

from .normalization import email_key

# Seconds a failure count is kept after the last failure. It is longer than the capped delay,
# so the count keeps growing across attempts that each wait out the cap.
_FAILURE_MEMORY_FACTOR = 4
_FAILURE_MEMORY_MIN = 900
# 2**30 seconds is decades, far above any sensible cap; the bound keeps the power small.
_MAX_DELAY_EXPONENT = 30


def _now():
    return time.time()


def _window_now():
    # Separate from _now() so tests can hold the budget windows still while the delay clock runs.
    return time.time()


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


def _ip_bucket(address):
    """Return the rate-limit key for a client address: the address itself, or its /64 for IPv6.

    An IPv6 client usually controls a whole /64 and could otherwise take a fresh budget per address.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _window(scope, value, seconds):
    """Return (counter key, seconds until it resets) for the fixed window `value` is in now.

    Each value's windows start at its own offset, so budgets do not all reset at one instant.
    """
    now = _window_now() + zlib.crc32(value.encode()) % seconds
    return f"rl:{scope}:{value}:{seconds}:{int(now // seconds)}", seconds - int(now % seconds)


def _count(scope, budgets, subject="requests"):
    """Count one hit on each (value, limit, seconds) budget; raise 429 if any is now over its limit.

    All counters go to the cache in one round trip.
    """
    windows = [(_window(scope, value, seconds), limit) for value, limit, seconds in budgets]
    counts = cache_ops.count_hits([(key, seconds) for (key, seconds), _ in windows])
    waits = [left for ((_, left), limit), count in zip(windows, counts, strict=True) if count > limit]
    if waits:
        raise _rate_limited(max(1, max(waits)), subject)


def enforce(request, scope, *, account=None):
    """Count this request against the IP and account budgets of `scope`; raise 429 when spent.

    `account` is the email address or user id the request acts on, or None when there is none.
    """
    if not settings.RATE_LIMIT_ENABLED:
        return

    # The account's budgets are counted only once the IP's allow the request, so a client past
    # its own limit does not also spend the budget of the account it names.
    values = ["ip:" + _ip_bucket(get_client_ip(request))]
    if account:
        values.append("account:" + _account_bucket(account))
    for value in values:
        _count(scope, [(value, settings.RATE_LIMIT_PER_MINUTE, 60), (value, settings.RATE_LIMIT_PER_HOUR, 3600)])


def enforce_hourly_budget(request, scope, key, per_hour, *, subject):
    """Count one use of `key`'s hourly budget in `scope`; raise 429 once `per_hour` uses are spent.

    `key` must not be personal data such as a phone number (pass a keyed digest), because it
    becomes part of a cache key. `subject` names what is counted in the 429 message. A budget of
    0 means no limit.
    """
    if not settings.RATE_LIMIT_ENABLED or per_hour <= 0:
        return
    _count(scope, [(key, per_hour, 3600)], subject)


def _failure_keys(account):
    bucket = _account_bucket(account)
    return f"login-failures:{bucket}", f"login-failure-at:{bucket}"


def _failure_memory():
    return max(settings.LOGIN_FAILURE_MAX_DELAY * _FAILURE_MEMORY_FACTOR, _FAILURE_MEMORY_MIN)


def login_delay(failures):
    """Return the seconds a login must wait after `failures` failures in a row (0 below the threshold)."""
    excess = failures - settings.LOGIN_FAILURE_THRESHOLD
    if excess < 0:
        return 0
    return min(2 ** min(excess, _MAX_DELAY_EXPONENT), settings.LOGIN_FAILURE_MAX_DELAY)


def check_login_delay(account):
    """Raise 429 while the account is inside the delay its recent failures earned."""
    if not settings.RATE_LIMIT_ENABLED:
        return
    count_key, last_key = _failure_keys(account)
    state = cache.get_many([count_key, last_key])
    failures, last_failure = state.get(count_key), state.get(last_key)
    if not failures or last_failure is None:
        return
    wait = last_failure + login_delay(failures) - _now()
    if wait > 0:
        raise _rate_limited(max(1, math.ceil(wait)))


def record_login_failure(account):
    """Count a failed login on `account`; from LOGIN_FAILURE_THRESHOLD on, the next attempt waits.

    The count is a cache counter incremented atomically (by Redis INCRBY across processes, or under
    the lock of the local-memory cache within one), so no concurrent failure is lost. The delay is
    derived from the count and the time of the latest failure when the next attempt arrives.
    """
    if not settings.RATE_LIMIT_ENABLED:
        return
    count_key, last_key = _failure_keys(account)
    memory = _failure_memory()

    cache.add(count_key, 0, timeout=memory)
    try:
        cache.incr(count_key)
    except ValueError:
        # The counter expired between add() and incr(): this failure starts a new count.
        cache.add(count_key, 0, timeout=memory)
        cache.incr(count_key)
    # incr() keeps the expiry set by add(), so the count would fade while failures go on.
    cache.touch(count_key, timeout=memory)
    cache.set(last_key, _now(), timeout=memory)


def login_failure_count(account):
    """Return the failed logins counted on `account` since its last success."""
    count_key, _ = _failure_keys(account)
    return cache.get(count_key) or 0


def clear_login_failures(account):
    cache.delete_many(list(_failure_keys(account)))
