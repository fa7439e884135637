"""Settings for the test suite: the project settings, loaded after a few test-only defaults.

pytest-django imports the settings module before any conftest.py runs, so environment defaults
set in conftest.py would come too late. They are set here instead, before plinto.settings reads
the environment.
"""

import os
import tempfile

# Generated keys and files go to a throwaway folder, and Celery runs tasks in-process so tests see
# their effects, also when REDIS_URL is set.
os.environ.setdefault("PLINTO_VAR_DIR", tempfile.mkdtemp(prefix="plinto-test-"))
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
# Each pytest-xdist worker gets its own cache keys, so one worker's clean-up cannot empty another's.
# Set, not defaulted: workers inherit the controller's environment, which already has "main".
os.environ["CACHE_KEY_PREFIX"] = f"plinto-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"

from plinto.settings import *  # noqa: E402,F401,F403
