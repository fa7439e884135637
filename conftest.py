"""Suite-wide fixtures. Test-only settings defaults are in plinto/testing/settings.py."""

import pytest

pytest_plugins = ["plinto.testing.fixtures"]


@pytest.fixture(autouse=True)
def _clean_cache():
    """Start every test with empty rate-limit counters and caches of this worker only."""
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _still_rate_limit_windows(monkeypatch):
    """Hold the rate-limit windows still, so no test's requests straddle the end of a window.

    Counters start empty in every test (see _clean_cache), so a fixed window starts empty too.
    """
    from accounts import ratelimit

    monkeypatch.setattr(ratelimit, "_window_now", lambda: 1_800_000_000.0)
