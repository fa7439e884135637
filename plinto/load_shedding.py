"""Load shedding: a request that waited too long for a worker thread is refused at once.

Under overload a queue in front of the application grows without bound and every client waits.
The gunicorn worker class below stamps each connection when it is queued for a thread; the
middleware compares that stamp with the time the request reaches Django and returns 503 with
Retry-After when the wait exceeds LOAD_SHED_MAX_QUEUE_MS. Refusing costs far less than serving, so
the queue drains and the requests that are served keep a bounded latency. Without the worker class
(runserver, tests, another server) there is no stamp and nothing is shed.
"""

import json
import select
import threading
import time

from django.conf import settings
from django.http import HttpResponse
from gunicorn.workers.gthread import ThreadWorker

_queue_state = threading.local()

# Probes must respond even when the instance is saturated.
_NEVER_SHED = ("/health", "/ready", "/metrics")


# How long a worker whose threads are all busy leaves new connections to the other workers.
ACCEPT_PAUSE_SECONDS = 0.002
# After a pause in which no other worker took the connection, every worker is busy: accept
# without pausing for this long, so that under overload connections are taken (and shed) at once.
ACCEPT_FREELY_SECONDS = 0.1


class SheddingThreadWorker(ThreadWorker):
    """gunicorn's gthread worker, recording when each connection was queued for a thread.

    It also balances connections across workers. gthread keeps every connection it accepts, and
    any worker may accept the next one. A few long-lived connections could therefore all land on
    one worker while another idles: a closed loop of 16 connections measured 222/s in one run and
    355/s in the next. A worker whose threads are all busy therefore leaves a new connection
    waiting for ACCEPT_PAUSE_SECONDS, so that an idle worker takes it first. When no worker took
    it, every worker is busy: the worker then accepts without pausing for ACCEPT_FREELY_SECONDS
    and queues connections as before, so load shedding still measures their wait and rejects the
    excess.
    Connections already kept alive are never delayed.
    """

    def init_process(self):
        self.plinto_in_flight = 0
        # When the busy worker first saw a connection waiting to be accepted.
        self.plinto_waiting_since = None
        self.plinto_accept_freely_until = 0.0
        super().init_process()

    def enqueue_req(self, conn):
        conn.plinto_queued_at = time.monotonic()
        self.plinto_in_flight += 1
        super().enqueue_req(conn)

    def finish_request(self, conn, fs):
        self.plinto_in_flight -= 1
        super().finish_request(conn, fs)

    def wait_for_and_dispatch_events(self, timeout):
        # gthread's loop calls this on every pass, after it has enabled accepting if it may.
        busy = self.plinto_in_flight >= self.cfg.threads
        if self._accepting and busy and time.monotonic() >= self.plinto_accept_freely_until:
            timeout = min(timeout, self._pause_accepting())
        else:
            self.plinto_waiting_since = None
        super().wait_for_and_dispatch_events(timeout)

    def _pause_accepting(self):
        """Keep a busy worker from accepting until a connection has waited out the pause.

        Returns how long the coming wait may last, so the pause is checked again in time.
        NOTE: a saturated worker polls its listening sockets every ACCEPT_PAUSE_SECONDS. That cost
        was not measured apart from the rest of a benchmark run.
        """
        now = time.monotonic()
        waiting, _, _ = select.select(self.sockets, [], [], 0)
        if not waiting:
            self.plinto_waiting_since = None
        elif self.plinto_waiting_since is None:
            self.plinto_waiting_since = now
        elif now - self.plinto_waiting_since >= ACCEPT_PAUSE_SECONDS:
            # No idle worker took it, so every worker is busy: accept from this pass on.
            self.plinto_waiting_since = None
            self.plinto_accept_freely_until = now + ACCEPT_FREELY_SECONDS
            return ACCEPT_PAUSE_SECONDS
        # The loop enables accepting again on its next pass, and this runs again then.
        self.set_accept_enabled(False)
        return ACCEPT_PAUSE_SECONDS

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
