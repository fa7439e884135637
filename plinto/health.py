"""Liveness and readiness probes."""

import structlog
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = structlog.get_logger(__name__)

# Seconds the probe waits for the broker to connect or reply before it reports it unavailable.
BROKER_TIMEOUT = 2


@never_cache
@require_safe
def health(request):
    """Return 200 while the process serves requests. No dependency is checked."""
    return JsonResponse({"status": "ok"})


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache():
    # NOTE: a Redis cache that accepts connections but never replies hangs this check, because
    # the CACHES settings set no SOCKET_CONNECT_TIMEOUT or SOCKET_TIMEOUT.
    cache.set("ready-probe", "1", timeout=5)
    if cache.get("ready-probe") != "1":
        raise RuntimeError("the cache did not return the value just written")


def _check_broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # Tasks run in the web process; there is no broker to reach.
    from plinto.celery import app

    # The URL comes from the settings rather than the Celery app's copy of them, which is read once.
    # The Redis transport takes its socket timeouts from the transport options, not connect_timeout.
    timeouts = {"socket_connect_timeout": BROKER_TIMEOUT, "socket_timeout": BROKER_TIMEOUT}
    broker = app.connection_for_write(
        settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT, transport_options=timeouts
    )
    with broker:
        broker.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)


CHECKS = (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker))


@never_cache
@require_safe
def ready(request):
    """Check the database, cache and broker, and return 503 naming each one that failed."""
    checks = {}
    for name, check in CHECKS:
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:  # Any failure of a dependency makes the instance not ready.
            logger.warning("readiness_check_failed", dependency=name, error=str(exc), error_type=type(exc).__name__)
            checks[name] = "unavailable"

    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)
