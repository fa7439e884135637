"""Audit events cannot be changed or deleted: not through the ORM and, on PostgreSQL, not in SQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AppendOnlyError, AuditEvent
from audit.services import record


@pytest.fixture
def event(db):
    return record("user.updated", actor=("user", "42", "ana@example.org"), metadata={"fields": ["display_name"]})


def _stored(event):
    return AuditEvent.objects.values("action", "actor_display").get(pk=event.pk)


def test_save_of_existing_event_raises(event):
    event.action = "user.rewritten"

    with pytest.raises(AppendOnlyError):
        event.save()

    assert _stored(event)["action"] == "user.updated"


def test_instance_delete_raises(event):
    with pytest.raises(AppendOnlyError):
        event.delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_raises(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="user.rewritten")

    assert _stored(event)["action"] == "user.updated"


def test_queryset_delete_raises(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_bulk_and_upsert_paths_raise(event):
    event.action = "user.rewritten"

    # Both run in a transaction of their own, so each gets a savepoint to roll back to.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.update_or_create(pk=event.pk, defaults={"action": "user.rewritten"})

    assert _stored(event)["action"] == "user.updated"


def test_new_events_can_be_added(db):
    first = record("login.succeeded", actor=("user", "1", "a"))
    second = record("login.succeeded", actor=("user", "1", "a"))

    assert AuditEvent.objects.filter(pk__in=[first.pk, second.pk]).count() == 2


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(f"the append-only trigger exists only on PostgreSQL; this run uses {connection.vendor}")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET action = 'user.rewritten' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_raw_sql_change_is_rejected(postgresql, event, statement):
    # A savepoint, so the rejected statement does not abort the test's transaction.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [event.pk])

    assert _stored(event) == {"action": "user.updated", "actor_display": "ana@example.org"}


def test_raw_truncate_is_rejected(postgresql, event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_raw_delete_allowed_for_retention(postgresql, event):
    # Retention turns plinto.audit_purge on for its own transaction only, as SET LOCAL does.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('plinto.audit_purge', 'on', true)")
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
        cursor.execute("SELECT set_config('plinto.audit_purge', 'off', true)")

    assert not AuditEvent.objects.filter(pk=event.pk).exists()
