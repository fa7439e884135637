"""Suite-wide test set-up: an isolated var folder, eager Celery, a clean cache per test."""

import os
import tempfile

# Set before Django reads its settings: generated keys and files go to a throwaway folder, and
# Celery runs tasks in-process so tests see their effects.
os.environ.setdefault("PLINTO_VAR_DIR", tempfile.mkdtemp(prefix="plinto-test-"))
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("CACHE_KEY_PREFIX", f"plinto-test-{os.environ['PYTEST_XDIST_WORKER']}")
else:
    os.environ.setdefault("CACHE_KEY_PREFIX", "plinto-test")

import pytest  # noqa: E402

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
