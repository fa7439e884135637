"""Fill one organization's audit log with chained events through COPY (PostgreSQL, bench settings).

Usage: python -m bench.seed_audit EVENTS OUTPUT_JSON
Each event is hashed as audit.chain.append() hashes it (audit.chain.event_hash over the same
fields, after the previous event's hash), so audit.chain.verify() accepts the seeded chain. Rows
are streamed to COPY as they are hashed, so memory stays flat. When the organization already has
EVENTS seeded events it is kept as it is, because seeding a million events takes about a minute.
"""

import json
import sys
import uuid
from datetime import UTC, datetime, timedelta

import django

SLUG = "bench-audit"
# Marks seeded events, so a rerun can count them apart from events the benchmark itself recorded.
SEED_REQUEST_ID = "bench-seed"
ACTIONS = ("login.succeeded", "member.role_changed", "api_key.used", "invitation.sent", "domain.verified")


def columns():
    """Return the seeded columns: the hashed fields of audit.chain plus the two chain links."""
    from audit.chain import HASHED_FIELDS

    return (*HASHED_FIELDS, "prev_hash", "hash")


def seeded_events(organization, count, start):
    """Yield `count` chained events of `organization` as dicts of columns(), one millisecond apart."""
    from audit.chain import event_hash

    prev_hash = ""
    for index in range(count):
        actor = f"{index % 200:032x}"
        fields = {
            "event_id": uuid.uuid4(),
            "created_at": start + timedelta(milliseconds=index),
            "action": ACTIONS[index % len(ACTIONS)],
            "outcome": "success" if index % 10 else "failure",
            "actor_type": "user",
            "actor_id": actor,
            "actor_display": f"user {actor}",
            "target_type": "membership",
            "target_id": f"{index % 5000:032x}",
            "target_display": f"membership {index % 5000}",
            "organization_id": organization.pk,
            "organization_display": organization.name,
            "ip_address": f"192.0.2.{index % 250 + 1}",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) bench",
            "request_id": SEED_REQUEST_ID,
            "metadata": {"index": index, "method": "GET", "path": "/api/v1/me"},
        }
        fields["prev_hash"] = prev_hash
        fields["hash"] = prev_hash = event_hash(prev_hash, fields)
        yield fields


def seed(count):
    """Give the benchmark organization `count` seeded events unless it has them; return its id."""
    from django.db import connection, transaction

    from audit.chain import chain_key
    from audit.models import AuditChain, AuditEvent
    from organizations.models import Organization

    if connection.vendor != "postgresql":
        raise RuntimeError("bench.seed_audit needs PostgreSQL: set DATABASE_URL to a postgres:// URL.")

    organization, _ = Organization.objects.get_or_create(slug=SLUG, defaults={"name": "Bench Audit"})
    events = AuditEvent.objects.filter(organization_id=organization.pk)
    seeded = events.filter(request_id=SEED_REQUEST_ID).count()
    if seeded != count:
        with transaction.atomic():
            # The append-only trigger lets deletes through only with this setting, as retention does.
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('plinto.audit_purge', 'on', true)")
            events._purge()
            last_hash = ""
            start = datetime.now(UTC) - timedelta(milliseconds=count)
            seeded_columns = columns()
            sql = f"COPY audit_auditevent ({', '.join(seeded_columns)}) FROM STDIN"
            with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
                for fields in seeded_events(organization, count, start):
                    fields["metadata"] = json.dumps(fields["metadata"])
                    copy.write_row([fields[name] for name in seeded_columns])
                    last_hash = fields["hash"]
            AuditChain.objects.update_or_create(
                key=chain_key(organization.pk), defaults={"last_hash": last_hash, "anchor_hash": ""}
            )
        # Vacuumed now rather than by autovacuum in the middle of a later scenario's timed runs.
        # VACUUM cannot run inside a transaction, such as a test's, where ANALYZE has to do.
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                cursor.execute("ANALYZE audit_auditevent")
            else:
                cursor.execute("VACUUM (ANALYZE) audit_auditevent")

    return {"organization_id": str(organization.pk), "events": count, "reused": seeded == count}


def main():
    count, output = int(sys.argv[1]), sys.argv[2]
    django.setup()
    with open(output, "w") as handle:
        json.dump(seed(count), handle)


if __name__ == "__main__":
    main()
