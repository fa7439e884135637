"""Request ids: taken when well-formed, generated otherwise, echoed and bound to every log line."""

import re

import pytest
import structlog
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

GENERATED = re.compile(r"[0-9a-f]{32}")


def test_well_formed_id_is_echoed(client):
    response = client.get("/health", headers={"X-Request-ID": "edge-7f3a.b:c_d"})

    assert response["X-Request-ID"] == "edge-7f3a.b:c_d"


@pytest.mark.parametrize(
    "incoming",
    ["", "has space", "a" * 129, "trailing-newline\n", "line\nbreak", "<script>", "ümlaut", 'quote"d', "semi;colon"],
)
def test_malformed_id_is_replaced(client, incoming):
    response = client.get("/health", headers={"X-Request-ID": incoming})

    assert GENERATED.fullmatch(response["X-Request-ID"])
    assert response["X-Request-ID"] != incoming


def test_missing_id_is_generated_per_request(client):
    first = client.get("/health")["X-Request-ID"]
    second = client.get("/health")["X-Request-ID"]

    assert GENERATED.fullmatch(first)
    assert GENERATED.fullmatch(second)
    assert first != second


def test_id_is_on_every_line_of_a_request(api, user, log_output):
    response = api.post(
        "/api/v1/auth/login",
        {"email": "mike@example.org", "password": "Correct-Horse-42-battery"},
        headers={"X-Request-ID": "login-req-1"},
    )

    assert response.status_code == 200
    assert response["X-Request-ID"] == "login-req-1"
    lines = log_output.lines()
    assert any(line["event"] == "audit_event" for line in lines)
    assert {line.get("request_id") for line in lines} == {"login-req-1"}


def test_id_is_on_django_request_lines(client, db, settings, closed_port, log_output):
    # A 503 makes Django's handler log the response after the middleware chain has returned.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port}/0"

    response = client.get("/ready", headers={"X-Request-ID": "probe-1"})

    assert response.status_code == 503
    lines = log_output.lines()
    loggers = {line["logger"] for line in lines}
    assert "django.request" in loggers
    assert "plinto.health" in loggers
    assert {line.get("request_id") for line in lines} == {"probe-1"}


def test_id_is_unbound_after_the_request(client, log_output):
    client.get("/health", headers={"X-Request-ID": "finished-1"})

    structlog.get_logger("plinto.tests").info("after_request")

    line = log_output.lines()[-1]
    assert line["event"] == "after_request"
    assert "request_id" not in line


@pytest.mark.slow
@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(incoming=st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=255), max_size=200))
def test_any_header_value_yields_a_safe_id(client, incoming):
    response = client.get("/health", headers={"X-Request-ID": incoming})

    assert response.status_code == 200
    echoed = response["X-Request-ID"]
    assert re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", echoed)
    if re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", incoming):
        assert echoed == incoming
    else:
        assert GENERATED.fullmatch(echoed)
