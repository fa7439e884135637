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
