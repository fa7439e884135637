"""Settings for the test suite: the environment defaults tests need, then the normal settings.

pytest-django loads settings before any conftest runs, so these defaults live here.
"""

import os
import tempfile

# Generated keys and files go to a throwaway folder, and Celery runs tasks in-process so tests
# see their effects.
os.environ.setdefault("PLINTO_VAR_DIR", tempfile.mkdtemp(prefix="plinto-test-"))
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

from plinto.settings import *  # noqa: E402,F401,F403

# Each test process gets its own cache keys, so clearing them between tests spares the others.
# The process id is used because pytest-xdist sets PYTEST_XDIST_WORKER only after settings
# load, and it is not put in os.environ because the workers inherit the controller's.
CACHES["default"]["KEY_PREFIX"] = f"plinto-test-{os.getpid()}"  # noqa: F405
