"""Per-organization hash chains and `manage.py verify_audit_chain`."""

import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit.chain import verify
from audit.models import AuditEvent
from audit.services import record

ORG_A = ("organization", uuid.uuid4(), "A")
ORG_B = ("organization", uuid.uuid4(), "B")


@pytest.fixture
def events(db):
    """Three events in organization A, interleaved with two in B and one of no organization."""
    rows = []
    for number in range(3):
        rows.append(
            record("thing.done", target=("thing", str(number), "t"), organization=ORG_A, metadata={"n": number})
        )
        if number < 2:
            record("other.done", organization=ORG_B)
    record("platform.done")
    return rows


def _tamper(sql, params=()):
    """Run `sql` around the append-only guard, as someone with direct database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Rolled back with the test's transaction.
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)


def test_chains_are_intact(events):
    assert verify(ORG_A[1]) == []
    assert verify(ORG_B[1]) == []
    assert verify(None) == []


def test_each_event_links_to_previous_of_same_organization(events):
    first, second, third = events

    assert first.prev_hash == ""
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash


def test_edited_event_is_reported(events):
    _tamper("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["thing.undone", events[1].pk])

    problems = verify(ORG_A[1])

    assert len(problems) == 1
    assert f"#{events[1].pk}" in problems[0]
    assert "edited" in problems[0]
    assert verify(ORG_B[1]) == []


def test_deleted_event_is_reported(events):
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])

    problems = verify(ORG_A[1])

    assert len(problems) == 1
    assert f"#{events[2].pk}" in problems[0]
    assert "removed" in problems[0]


def test_deleted_last_event_is_reported(events):
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])

    problems = verify(ORG_A[1])

    assert problems == ["the chain's last event is missing (events at the end were removed)"]


def test_reordered_events_are_reported(events):
    first, second, _ = events
    spare = 10**9
    _tamper("UPDATE audit_auditevent SET id = %s WHERE id = %s", [spare, first.pk])
    _tamper("UPDATE audit_auditevent SET id = %s WHERE id = %s", [first.pk, second.pk])
    _tamper("UPDATE audit_auditevent SET id = %s WHERE id = %s", [second.pk, spare])

    problems = verify(ORG_A[1])

    assert problems
    assert AuditEvent.objects.filter(organization_id=ORG_A[1]).count() == 3


def test_command_reports_intact_chains(events):
    output = StringIO()

    call_command("verify_audit_chain", stdout=output)

    assert "All 3 audit chains are intact." in output.getvalue()


def test_command_fails_on_broken_chain(events):
    _tamper("UPDATE audit_auditevent SET metadata = %s WHERE id = %s", ['{"n": 99}', events[0].pk])
    output = StringIO()

    with pytest.raises(CommandError, match="1 of 3 audit chains are broken"):
        call_command("verify_audit_chain", stdout=output)

    assert f"event #{events[0].pk}: content does not match" in output.getvalue()


def test_concurrent_writers_keep_chain_intact(audit_truncate_allowed):
    import threading

    from django.db import connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes all writers, so nothing would run concurrently")
    organization = ("organization", uuid.uuid4(), "Busy")
    start = threading.Barrier(4)
    failures = []

    def writer(number):
        try:
            start.wait()
            for index in range(10):
                record("thing.done", target=("thing", f"{number}-{index}", "t"), organization=organization)
        except Exception as exc:  # noqa: BLE001 - reported by the assert below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert AuditEvent.objects.filter(organization_id=organization[1]).count() == 40
    assert verify(organization[1]) == []
