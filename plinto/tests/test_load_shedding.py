"""Requests that waited too long for a worker thread are refused at once with 503."""

import time

import pytest
from django.test import override_settings

from plinto import load_shedding


@pytest.fixture
def queued(monkeypatch):
    """Pretend the current request was queued `seconds` ago by the gunicorn worker."""

    def set_wait(seconds):
        monkeypatch.setattr(load_shedding._queue_state, "queued_at", time.monotonic() - seconds, raising=False)

    yield set_wait
    load_shedding._queue_state.queued_at = None


@override_settings(LOAD_SHED_MAX_QUEUE_MS=100)
def test_long_queue_wait_is_shed(client, queued):
    queued(0.5)

    response = client.get("/.well-known/jwks.json")

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json()["code"] == "server_busy"


@override_settings(LOAD_SHED_MAX_QUEUE_MS=100)
def test_short_queue_wait_is_served(client, queued, db):
    queued(0.01)

    assert client.get("/.well-known/jwks.json").status_code == 200


@override_settings(LOAD_SHED_MAX_QUEUE_MS=100)
def test_probes_are_never_shed(client, queued):
    queued(5)

    assert client.get("/health").status_code == 200


def test_no_stamp_outside_gunicorn(client, db):
    assert load_shedding.queue_wait_seconds() is None
    assert client.get("/.well-known/jwks.json").status_code == 200
