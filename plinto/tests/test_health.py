"""Liveness and readiness probes, with real dependencies made unreachable on loopback."""

import socket
import threading

import pytest

from plinto import health


def test_health_ok_without_dependencies(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_health_rejects_post(client):
    assert client.post("/health").status_code == 405


def test_ready_when_dependencies_reachable(client, db):
    response = client.get("/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "broker": "ok"}}


def test_ready_checks_a_reachable_broker(client, db, settings):
    # Redis when the suite runs against it, else kombu's in-process transport.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = settings.REDIS_URL or "memory://"

    response = client.get("/ready")

    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


def test_ready_names_unreachable_cache(client, db, settings, closed_port, log_output):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }

    response = client.get("/ready")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "unavailable", "broker": "ok"},
    }
    failures = [line for line in log_output.lines() if line["event"] == "readiness_check_failed"]
    assert [line["dependency"] for line in failures] == ["cache"]
    assert str(closed_port) in failures[0]["error"]


def test_ready_names_unreachable_broker(client, db, settings, closed_port, log_output):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port}/0"

    response = client.get("/ready")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "unavailable"}
    failures = [line for line in log_output.lines() if line["event"] == "readiness_check_failed"]
    assert [line["dependency"] for line in failures] == ["broker"]


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_probes_allow_head(client, db, path):
    assert client.head(path).status_code == 200


def _record_failure(check, failures):
    try:
        check()
    except Exception as exc:
        failures.append(exc)


@pytest.fixture
def silent_port():
    """Return a loopback port that accepts connections and never replies."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def test_ready_names_silent_broker(client, db, settings, silent_port):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{silent_port}/0"

    # Checked in a thread first, so a check without timeouts fails this test instead of hanging it.
    failures = []
    probe = threading.Thread(target=_record_failure, args=(health._check_broker, failures), daemon=True)
    probe.start()
    probe.join(timeout=health.BROKER_TIMEOUT * 5)
    assert not probe.is_alive(), "the broker check did not time out"
    assert len(failures) == 1

    response = client.get("/ready")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unavailable"
