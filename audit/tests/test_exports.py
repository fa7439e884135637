"""NDJSON rendered by PostgreSQL carries the same values as the Python writer's."""

import io
import json
from datetime import datetime

import pytest
from django.db import connection
from django.test import RequestFactory

from audit.exports import write_events
from audit.models import AuditEvent
from audit.services import record

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database-rendered NDJSON path exists only on PostgreSQL"
)


def _parsed(text):
    events = []
    for line in text.splitlines():
        event = json.loads(line)
        event["created_at"] = datetime.fromisoformat(event["created_at"])
        events.append(event)
    return events


def _export(rendered_by_database, chunk_size=None):
    buffer = io.BytesIO()
    count = write_events(
        AuditEvent.objects.all(), "ndjson", buffer, chunk_size=chunk_size, rendered_by_database=rendered_by_database
    )
    return count, buffer.getvalue().decode("utf-8")


def test_database_ndjson_matches_python_writer(db):
    record("note.added", target=("note", "1", 'quote " backslash \\ tab \t newline \n'), metadata={"nested": {"n": 1}})
    record("note.added", target=("note", "2", "ünïcödé ✓ 日本"), metadata={"list": [1, "two", None]})
    request = RequestFactory(REMOTE_ADDR="2001:db8::7", HTTP_USER_AGENT="agent/1.0").get("/")
    record("user.login", outcome="failure", request=request)

    python_count, python_text = _export(rendered_by_database=False)
    database_count, database_text = _export(rendered_by_database=True)

    assert database_count == python_count == 3
    assert len(database_text.splitlines()) == 3
    assert _parsed(database_text) == _parsed(python_text)


def test_database_ndjson_spans_chunks(db):
    for number in range(5):
        record("note.added", target=("note", str(number), f"note {number}"))

    whole_count, whole_text = _export(rendered_by_database=True)
    chunked_count, chunked_text = _export(rendered_by_database=True, chunk_size=2)

    assert chunked_count == whole_count == 5
    assert chunked_text == whole_text
    assert chunked_text.endswith("}\n")
