"""Audit exports (CSV and NDJSON through signed links) and retention per organization."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.chain import append, verify
from audit.exports import neutralise_cell
from audit.models import AuditEvent
from audit.services import record
from organizations.models import Organization
from organizations.services.audit_log import apply_retention
from plinto.testing.fixtures import ApiClient


@pytest.fixture(autouse=True)
def _export_folder(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "audit_exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def _export(client, org, **body):
    response = client.post(f"/api/v1/organizations/{org.pk}/audit-exports", body)
    assert response.status_code == 202, response.content
    detail = client.get(f"/api/v1/organizations/{org.pk}/audit-exports/{response.json()['id']}")
    assert detail.status_code == 200
    return detail.json()


def _download(url):
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = ApiClient().get("/" + path)
    assert response.status_code == 200, getattr(response, "content", b"")
    return b"".join(response.streaming_content).decode()


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("-5", "-5"),
        ("+3.25", "+3.25"),
        ("plain", "plain"),
        (42, 42),
        (None, ""),
    ],
)
def test_csv_cells_are_neutralised(cell, expected):
    assert neutralise_cell(cell) == expected


def test_csv_export_downloads_through_signed_link(make_org, token_client):
    org = make_org(slug="acme")
    owner = token_client(org.owner, org)
    record("note.added", target=("note", "n1", "=cmd|' /C calc'!A0"), organization=org)

    export = _export(owner, org, format="csv", action="note.added")

    assert export["status"] == "done"
    assert export["row_count"] == 1
    rows = list(csv.DictReader(io.StringIO(_download(export["download_url"]))))
    assert len(rows) == 1
    assert rows[0]["target_display"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["action"] == "note.added"


def test_ndjson_export_has_one_event_per_line(make_org, token_client):
    org = make_org(slug="acme")
    owner = token_client(org.owner, org)
    for number in range(3):
        record("note.added", target=("note", str(number), "n"), organization=org, metadata={"n": number})

    export = _export(owner, org, format="ndjson", action="note.added")

    lines = _download(export["download_url"]).splitlines()
    assert [json.loads(line)["metadata"]["n"] for line in lines] == [0, 1, 2]


def test_export_is_recorded_with_requester(make_org, token_client):
    org = make_org(slug="acme")
    owner = token_client(org.owner, org)

    export = _export(owner, org, format="ndjson")

    requested = AuditEvent.objects.get(action="audit.export_requested")
    assert requested.actor_id == str(org.owner.pk)
    assert requested.target_id == export["id"]
    assert requested.metadata["format"] == "ndjson"
    assert AuditEvent.objects.filter(action="audit.export_completed", target_id=export["id"]).exists()


def test_expired_or_forged_link_is_refused(make_org, token_client, settings):
    org = make_org(slug="acme")
    export = _export(token_client(org.owner, org), org, format="csv")
    path = "/" + export["download_url"].split("://", 1)[1].split("/", 1)[1]

    forged = ApiClient().get(path[:-3] + "abc")
    settings.AUDIT_EXPORT_LINK_SECONDS = -1
    expired = ApiClient().get(path)

    for response in (forged, expired):
        assert response.status_code == 404
        assert response.json()["code"] == "link_invalid"


def test_export_rejects_unknown_format(make_org, token_client):
    org = make_org(slug="acme")

    response = token_client(org.owner, org).post(f"/api/v1/organizations/{org.pk}/audit-exports", {"format": "xlsx"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "format"


def _old_event(org, days_ago, action="old.event"):
    event = AuditEvent(action=action, organization_id=org.pk, created_at=timezone.now() - timedelta(days=days_ago))
    return append(event)


def test_retention_deletes_old_events_in_batches(db, settings):
    settings.AUDIT_RETENTION_BATCH_SIZE = 2
    # Made directly, so no event of today comes before the old ones: retention deletes only a
    # prefix of the chain, up to the newest expired event.
    org = Organization.objects.create(name="Acme", slug="acme", audit_retention_days=30)
    keeper = Organization.objects.create(name="Keeper", slug="keeper")
    for _ in range(5):
        _old_event(org, days_ago=40)
        _old_event(keeper, days_ago=40)
    kept = _old_event(org, days_ago=10, action="recent.event")

    results = apply_retention()

    assert results[str(org.pk)] == 5
    assert not AuditEvent.objects.filter(organization_id=org.pk, action="old.event").exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    assert AuditEvent.objects.filter(organization_id=keeper.pk, action="old.event").count() == 5
    applied = AuditEvent.objects.get(action="audit.retention_applied")
    assert applied.metadata["deleted"] == 5
    assert verify(org.pk) == []
