"""A cap on concurrent password hashing, so overload is refused quickly instead of queued.

Each hash takes a core for tens of milliseconds. With gunicorn running one process per core,
allowing PASSWORD_HASH_CONCURRENCY hashes per process keeps the machine at its hashing ceiling.
A request that finds no free slot within PASSWORD_HASH_QUEUE_TIMEOUT gets 503 with Retry-After.
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
    # A short wait lets a login queue behind the hash in progress (about 20 ms each), so a brief
    # overlap does not fail. A request still waiting after PASSWORD_HASH_QUEUE_TIMEOUT is rejected.
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
