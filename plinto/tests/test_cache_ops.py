"""Counters and single-winner reads in the cache, on Redis when REDIS_URL is set, else locally."""

import threading
import time
import uuid

from django.core.cache import cache

from plinto import cache_ops


def _key(name):
    return f"test-cache-ops:{name}:{uuid.uuid4().hex}"


def test_count_hits_counts_each_key():
    first, second = _key("first"), _key("second")

    assert cache_ops.count_hits([(first, 60), (second, 60)]) == [1, 1]
    assert cache_ops.count_hits([(first, 60), (second, 60)]) == [2, 2]
    assert cache_ops.count_hits([(first, 60)]) == [3]
    assert cache.get(first) == 3


def test_count_hits_keeps_first_expiry():
    key = _key("expiry")
    cache_ops.count_hits([(key, 60)])
    cache.touch(key, 1)

    assert cache_ops.count_hits([(key, 60)]) == [2]
    time.sleep(1.2)

    # The second hit did not extend the window, so the counter expired with it.
    assert cache.get(key) is None


def test_take_returns_value_once():
    key = _key("take")
    cache.set(key, {"ceremony": "authentication"}, 60)

    assert cache_ops.take(key) == {"ceremony": "authentication"}
    assert cache_ops.take(key) is None
    assert cache.get(key) is None


def test_take_missing_key_returns_none():
    assert cache_ops.take(_key("missing")) is None


def test_take_has_one_winner_among_threads():
    key = _key("race")
    cache.set(key, "spent once", 60)
    results = []
    start = threading.Barrier(8)

    def contender():
        start.wait()
        results.append(cache_ops.take(key))

    threads = [threading.Thread(target=contender) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results.count("spent once") == 1
    assert results.count(None) == 7
