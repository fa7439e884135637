"""Cache operations that need more than Django's cache API offers, in one Redis round trip each.

On Redis (django-redis) these use the server's own commands through one pipeline or one atomic
command. On any other cache backend (the local-memory cache of the embedded default) they fall
back to Django's cache API, which is atomic within one process only.
"""

from django.core.cache import cache


def _redis():
    """Return the raw Redis client behind the default cache, or None for other backends."""
    client = getattr(cache, "client", None)
    if client is None or not hasattr(client, "get_client"):
        return None
    return client


def count_hits(keys):
    """Add one to each counter in `keys`, a list of (key, seconds to live); return the new counts.

    A new counter starts at 0 and expires `seconds` later. Later hits keep that expiry, so each
    key counts one fixed window.
    """
    client = _redis()
    if client is None:
        return [_count_hit_locally(key, seconds) for key, seconds in keys]

    pipeline = client.get_client(write=True).pipeline(transaction=False)
    for key, seconds in keys:
        raw_key = client.make_key(key)
        pipeline.set(raw_key, 0, ex=seconds, nx=True)
        pipeline.incr(raw_key)
    results = pipeline.execute()
    # Each key added a SET and an INCR, and the INCR's result is the count.
    return results[1::2]


def _count_hit_locally(key, seconds):
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:
        # The counter expired between add() and incr(): this hit starts a new window.
        cache.add(key, 0, timeout=seconds)
        return cache.incr(key)


def take(key):
    """Remove `key` and return the value it had, or None. Of several concurrent callers, only one gets it."""
    client = _redis()
    if client is None:
        value = cache.get(key)
        return value if value is not None and cache.delete(key) else None

    raw = client.get_client(write=True).getdel(client.make_key(key))
    return None if raw is None else client.decode(raw)
