"""Fixtures for the tests of Plinto's cross-cutting infrastructure."""

import io
import json
import logging
import socket

import pytest

from plinto.logging_setup import build_formatter


class CapturedLogs:
    """Log lines rendered as JSON exactly as production writes them."""

    def __init__(self, stream):
        self._stream = stream

    @property
    def text(self):
        return self._stream.getvalue()

    def lines(self):
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def log_output():
    """Capture every log line at DEBUG, including Django's request and SQL loggers."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(build_formatter("json"))
    loggers = [logging.getLogger(), logging.getLogger("django.request"), logging.getLogger("django.db.backends")]
    saved_levels = [logger.level for logger in loggers]

    logging.getLogger().addHandler(handler)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    yield CapturedLogs(stream)

    logging.getLogger().removeHandler(handler)
    for logger, level in zip(loggers, saved_levels, strict=True):
        logger.setLevel(level)


@pytest.fixture
def closed_port():
    """Return a loopback TCP port that was just bound and closed, so connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
