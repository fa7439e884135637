"""A cap on concurrent password hashing, so overload is refused at once instead of queued.

Each hash takes a core for tens of milliseconds. With gunicorn running one process per core,
allowing PASSWORD_HASH_CONCURRENCY hashes per process keeps the machine at its hashing ceiling;
a request that finds no free slot gets 503 with Retry-After instead of waiting in a queue.
"""

import threading
from contextlib import contextmanager

from django.conf import settings
from rest_framework import status

from plinto.api_errors import ApiError

_semaphore = None
_semaphore_lock = threading.Lock()


def _get_semaphore():
    global _semaphore
    if _semaphore is None:
        with _semaphore_lock:
            if _semaphore is None:
                _semaphore = threading.BoundedSemaphore(max(1, settings.PASSWORD_HASH_CONCURRENCY))
    return _semaphore


@contextmanager
def hashing_slot():
    semaphore = _get_semaphore()
    # A short wait lets a login queue behind the hash in progress (about 25 ms each) instead of
    # failing on a brief overlap; a request still waiting after PASSWORD_HASH_QUEUE_TIMEOUT is refused.
    if not semaphore.acquire(timeout=settings.PASSWORD_HASH_QUEUE_TIMEOUT):
        raise ApiError(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "server_busy",
            "The server is at its password hashing capacity; retry after the number of seconds in Retry-After.",
            headers={"Retry-After": "1"},
        )
    try:
        yield
    finally:
        semaphore.release()
