"""The org audit log: only the organization's events, filters, and cursor pagination."""

from datetime import timedelta

from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record


def _events(client, org, **params):
    response = client.get(f"/api/v1/organizations/{org.pk}/audit-events", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_audit_log_shows_only_own_organization(make_org, token_client):
    org, other = make_org(slug="acme"), make_org(slug="other")
    owner = token_client(org.owner, org)
    foreign_ids = {
        str(event_id)
        for event_id in AuditEvent.objects.filter(organization_id=other.pk).values_list("event_id", flat=True)
    }

    rows = _events(owner, org)["results"]

    assert foreign_ids
    assert "organization.created" in {row["action"] for row in rows}
    assert not {row["event_id"] for row in rows} & foreign_ids


def test_audit_log_filters(make_org, token_client):
    org = make_org(slug="acme")
    owner = token_client(org.owner, org)
    record("thing.done", actor=("user", "u-1", "one"), target=("thing", "t-1", "t"), organization=org)
    record("thing.done", actor=("user", "u-2", "two"), target=("thing", "t-2", "t"), organization=org)
    record("other.done", actor=("user", "u-1", "one"), target=("thing", "t-2", "t"), organization=org)

    by_actor = _events(owner, org, actor="u-1")["results"]
    by_action = _events(owner, org, action="thing.done")["results"]
    by_target = _events(owner, org, target="t-2")["results"]
    combined = _events(owner, org, actor="u-1", action="thing.done")["results"]
    future = _events(owner, org, since=(timezone.now() + timedelta(hours=1)).isoformat())["results"]
    past = _events(owner, org, until=(timezone.now() - timedelta(hours=1)).isoformat())["results"]
    recent = _events(owner, org, since=(timezone.now() - timedelta(hours=1)).isoformat(), action="thing.done")

    assert [row["actor_id"] for row in by_actor] == ["u-1", "u-1"]
    assert len(by_action) == 2
    assert {row["target_id"] for row in by_target} == {"t-2"}
    assert len(combined) == 1
    assert future == []
    assert past == []
    assert len(recent["results"]) == 2


def test_audit_log_rejects_bad_filters(make_org, token_client):
    org = make_org(slug="acme")
    owner = token_client(org.owner, org)
    url = f"/api/v1/organizations/{org.pk}/audit-events"

    bad_time = owner.get(url, {"since": "yesterday"})
    reversed_range = owner.get(url, {"since": timezone.now().isoformat(), "until": "2000-01-01T00:00:00Z"})

    assert bad_time.status_code == 400
    assert bad_time.json()["errors"][0]["field"] == "since"
    assert reversed_range.status_code == 400
    assert reversed_range.json()["errors"][0]["field"] == "until"


def test_audit_log_pages_with_cursor(make_org, token_client):
    org = make_org(slug="acme")
    owner = token_client(org.owner, org)
    for number in range(5):
        record("page.test", target=("thing", str(number), "t"), organization=org)

    first = _events(owner, org, action="page.test", page_size=2)
    second = owner.get(first["next"]).json()

    assert [row["target_id"] for row in first["results"]] == ["4", "3"]
    assert [row["target_id"] for row in second["results"]] == ["2", "1"]
    assert "cursor=" in first["next"]
