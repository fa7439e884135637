"""Load shedding: a request that waited too long for a worker thread is refused at once.

Under overload a queue in front of the application grows without bound and every client waits.
The gunicorn worker class below stamps each connection when it is queued for a thread; the
middleware compares that stamp with the time the request reaches Django and returns 503 with
Retry-After when the wait exceeds LOAD_SHED_MAX_QUEUE_MS. Refusing costs far less than serving, so
the queue drains and the requests that are served keep a bounded latency. Without the worker class
(runserver, tests, another server) there is no stamp and nothing is shed.
"""

import json
import threading
import time

from django.conf import settings
from django.http import HttpResponse
from gunicorn.workers.gthread import ThreadWorker

_queue_state = threading.local()

# Probes must respond even when the instance is saturated.
_NEVER_SHED = ("/health", "/ready", "/metrics")


class SheddingThreadWorker(ThreadWorker):
    """gunicorn's gthread worker, recording when each connection was queued for a thread."""

    def enqueue_req(self, conn):
        conn.plinto_queued_at = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn):
        _queue_state.queued_at = getattr(conn, "plinto_queued_at", None)
        try:
            return super().handle(conn)
        finally:
            _queue_state.queued_at = None


def queue_wait_seconds():
    queued_at = getattr(_queue_state, "queued_at", None)
    return None if queued_at is None else time.monotonic() - queued_at


class LoadSheddingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.max_wait = settings.LOAD_SHED_MAX_QUEUE_MS / 1000

    def __call__(self, request):
        waited = queue_wait_seconds()
        if self.max_wait > 0 and waited is not None and waited > self.max_wait and request.path not in _NEVER_SHED:
            return _busy_response()
        return self.get_response(request)


def _busy_response():
    body = {
        "type": "urn:plinto:problem:server_busy",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "The server is at capacity; retry after the number of seconds in Retry-After.",
        "code": "server_busy",
    }
    response = HttpResponse(json.dumps(body), status=503, content_type="application/problem+json")
    response["Retry-After"] = "1"
    response["Cache-Control"] = "no-store"
    return response
