"""The client's IP address, read through the configured number of trusted proxies."""

import ipaddress

from django.conf import settings


def get_client_ip(request):
    """Return the client IP as a string.

    X-Forwarded-For is read only through TRUSTED_PROXY_COUNT hops: each trusted proxy appends the
    address it received the request from, so the client is the entry that many places from the
    right. Entries further left are written by the client and never trusted. A malformed or short
    header fails closed to the address of the nearest peer, the proxy itself.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104 (an address, not a bind)
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote

    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [entry.strip() for entry in header.split(",")] if header else []
    if len(entries) < hops:
        return remote
    candidate = entries[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
