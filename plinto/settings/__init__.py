"""Settings package: every value comes from the environment (a `.env` file is read in development).

With nothing set, Plinto runs on its embedded default: SQLite, a local-memory cache, Celery tasks
run eagerly, emails written to files, and a signing key generated on first start.
"""

from .base import *  # noqa: F401,F403
from .auth import *  # noqa: F401,F403
from .operations import *  # noqa: F401,F403
from .tenancy import *  # noqa: F401,F403
