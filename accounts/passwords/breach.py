"""Breached-password look-ups in the Have I Been Pwned format.

The local corpus is a file of `SHA1:count` lines sorted by hash (HIBP's "ordered by hash"
download). It is searched by binary search over byte offsets, so a multi-gigabyte file is never
loaded into memory. Where BREACHED_PASSWORDS_API_URL is set, a k-anonymity range API is asked as
well: only the first five hex digits of the SHA-1 leave the machine.
"""

import hashlib
import os

import requests
import structlog
from django.conf import settings

logger = structlog.get_logger(__name__)


def sha1_hex(password):
    """Return the upper-case hex SHA-1 of the UTF-8 password, the key both sources use."""
    # SHA-1 is the format of the corpus and the range API, not a security choice here.
    return hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


def _line_at(handle, offset):
    """Return the first line that starts at or after byte `offset`, and where it starts."""
    if offset:
        handle.seek(offset - 1)
        handle.readline()  # Move to the end of the line holding offset - 1.
    else:
        handle.seek(0)
    start = handle.tell()
    return handle.readline(), start


def count_in_file(path, digest):
    """Return the breach count of `digest` in the sorted corpus at `path`, 0 when absent."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return 0
    needle = digest.encode("ascii")
    with open(path, "rb") as handle:
        # Invariant: lines starting before `low` sort below the needle, and the first line
        # starting at or after `high` does not.
        low, high = 0, size
        while low < high:
            middle = (low + high) // 2
            line, start = _line_at(handle, middle)
            if not line or line[:40].upper() >= needle:
                high = middle
            else:
                low = start + len(line)
        line, _ = _line_at(handle, low)
        if line[:40].upper() == needle:
            _, _, count = line.strip().partition(b":")
            return int(count) if count.isdigit() else 1
    return 0


def count_from_api(digest):
    """Return the breach count from the configured range API, or 0 when it cannot be reached."""
    url = settings.BREACHED_PASSWORDS_API_URL
    if not url:
        return 0
    prefix, suffix = digest[:5], digest[5:]
    try:
        response = requests.get(
            url.rstrip("/") + "/" + prefix,
            timeout=settings.BREACHED_PASSWORDS_API_TIMEOUT,
            headers={"Add-Padding": "true", "User-Agent": "Plinto"},
        )
        response.raise_for_status()
    except requests.RequestException as exc:
        # NOTE: an unreachable API lets the password through on the local corpus alone, so a
        # network outage cannot block every registration. The log line names the error class only,
        # because the message contains the URL and with it the hash prefix.
        logger.warning("breach_api_unavailable", error=type(exc).__name__, api_url=url)
        return 0
    for line in response.text.splitlines():
        candidate, _, count = line.strip().partition(":")
        if candidate.upper() == suffix:
            return int(count) if count.isdigit() else 1
    return 0


def breach_count(password):
    """Return how often `password` appears in the corpus, or else in the range API; 0 when in neither."""
    digest = sha1_hex(password)
    return count_in_file(settings.BREACHED_PASSWORDS_FILE, digest) or count_from_api(digest)
