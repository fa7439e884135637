"""Settings for the test suite: the environment defaults tests need, then the normal settings.

pytest-django loads settings before any conftest runs, so these defaults live here.
"""

import os
import tempfile

# Generated keys and files go to a throwaway folder, and Celery runs tasks in-process so tests
# see their effects.
os.environ.setdefault("PLINTO_VAR_DIR", tempfile.mkdtemp(prefix="plinto-test-"))
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
# Each xdist worker gets its own cache keys, so clearing them between tests spares the others.
# Set, not defaulted: workers inherit the controller's environment, which already has "main".
os.environ["CACHE_KEY_PREFIX"] = "plinto-test-" + os.environ.get("PYTEST_XDIST_WORKER", "main")

from plinto.settings import *  # noqa: E402,F401,F403
