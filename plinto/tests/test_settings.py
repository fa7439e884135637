"""Which database, cache and Celery mode the settings pick from the environment.

Settings are read once per process, so each case loads them in a fresh subprocess. Nothing
connects to the services named in the URLs.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

SCRIPT = """
import json
from django.conf import settings

print(json.dumps({
    "database_engine": settings.DATABASES["default"]["ENGINE"],
    "database_name": str(settings.DATABASES["default"]["NAME"]),
    "database_host": settings.DATABASES["default"].get("HOST", ""),
    "cache_backend": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION", ""),
    "celery_eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "celery_broker": settings.CELERY_BROKER_URL,
}))
"""


def _load_settings(tmp_path, **variables):
    # A clean environment: the test process has test-only variables such as CELERY_TASK_ALWAYS_EAGER.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "plinto.settings",
        "PLINTO_VAR_DIR": str(tmp_path / "var"),
        **variables,
    }
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_embedded_default_without_environment(tmp_path):
    loaded = _load_settings(tmp_path)

    assert loaded["database_engine"] == "django.db.backends.sqlite3"
    assert loaded["database_name"] == str(tmp_path / "var" / "plinto.sqlite3")
    assert loaded["cache_backend"] == "django.core.cache.backends.locmem.LocMemCache"
    assert loaded["celery_eager"] is True
    assert loaded["celery_broker"] == "memory://"


def test_services_from_database_and_redis_urls(tmp_path):
    loaded = _load_settings(
        tmp_path,
        DATABASE_URL="postgres://plinto@127.0.0.1:5432/plinto_settings_probe",
        REDIS_URL="redis://127.0.0.1:6379/9",
    )

    assert loaded["database_engine"] == "django.db.backends.postgresql"
    assert loaded["database_name"] == "plinto_settings_probe"
    assert loaded["database_host"] == "127.0.0.1"
    assert loaded["cache_backend"] == "django_redis.cache.RedisCache"
    assert loaded["cache_location"] == "redis://127.0.0.1:6379/9"
    assert loaded["celery_eager"] is False
    assert loaded["celery_broker"] == "redis://127.0.0.1:6379/9"


def test_explicit_broker_overrides_redis_url(tmp_path):
    loaded = _load_settings(
        tmp_path, REDIS_URL="redis://127.0.0.1:6379/9", CELERY_BROKER_URL="redis://127.0.0.1:6379/10"
    )

    assert loaded["cache_location"] == "redis://127.0.0.1:6379/9"
    assert loaded["celery_broker"] == "redis://127.0.0.1:6379/10"
