"""Liveness and readiness probes."""

import structlog
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

logger = structlog.get_logger(__name__)


def health(request):
    """The process is up and serving requests."""
    return JsonResponse({"status": "ok"})


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache():
    cache.set("ready-probe", "1", timeout=5)
    if cache.get("ready-probe") != "1":
        raise RuntimeError("the cache did not return the value just written")


def _check_broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # Tasks run in the web process; there is no broker to reach.
    from plinto.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def ready(request):
    """Database, cache and broker are reachable; 503 naming the failing ones otherwise."""
    checks = {}
    for name, check in (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker)):
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:  # Any failure of a dependency makes the instance not ready.
            logger.warning("readiness_check_failed", dependency=name, error=str(exc))
            checks[name] = "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )
