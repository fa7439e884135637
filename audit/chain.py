"""Per-organization hash chains over audit events, and their verification.

An event's hash is SHA-256 over its previous event's hash and a canonical JSON form of its
fields, so editing, deleting or reordering events breaks the chain where it happened.
"""

import hashlib
import json

from django.db import connection, transaction

from plinto import raw_rows

from .models import AuditChain, AuditEvent

HASHED_FIELDS = (
    "event_id",
    "created_at",
    "action",
    "outcome",
    "actor_type",
    "actor_id",
    "actor_display",
    "target_type",
    "target_id",
    "target_display",
    "organization_id",
    "organization_display",
    "ip_address",
    "user_agent",
    "request_id",
    "metadata",
)


def chain_key(organization_id):
    return f"org:{organization_id}" if organization_id else "platform"


def _canonical(value):
    if value is None or isinstance(value, (str, int, float, bool, dict, list)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="microseconds")
    return str(value)


def event_hash(prev_hash, fields):
    """Return the hash of an event with `fields` (a dict of HASHED_FIELDS) after `prev_hash`."""
    body = {name: _canonical(fields[name]) for name in HASHED_FIELDS}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


def lock_chain(organization_id):
    """Return the chain head of the organization, locked until the transaction ends.

    NOTE: events of no organization (registrations, logins without one) share the "platform"
    chain, so their writers queue on one row lock; this has not been measured under load.
    """
    key = chain_key(organization_id)
    head = _locked_head(key)
    if head is None:
        AuditChain.objects.bulk_create([AuditChain(key=key)], ignore_conflicts=True)
        head = _locked_head(key)
    return head


def _locked_head(key):
    # Plain SQL, because every audited action runs it and compiling the ORM query cost more.
    sql = f"SELECT id, last_hash FROM {AuditChain._meta.db_table} WHERE key = %s"  # noqa: S608
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    return AuditChain.from_db(connection.alias, ["id", "key", "last_hash"], [row[0], key, row[1]])


def append(event):
    """Chain and save `event`; the caller's transaction holds the chain lock until it commits."""
    # Inside the caller's transaction no savepoint is needed (it would cost two round trips):
    # a failure here aborts the caller's transaction, so the action and its event go together.
    with transaction.atomic(savepoint=False):
        head = lock_chain(event.organization_id)
        # Stored values, not the ones in memory: JSON and IP addresses come back normalised.
        event.metadata = json.loads(json.dumps(event.metadata, default=str))
        event.ip_address = AuditEvent._meta.get_field("ip_address").to_python(event.ip_address)
        event.organization_id = AuditEvent._meta.get_field("organization_id").to_python(event.organization_id)
        event.prev_hash = head.last_hash
        event.hash = event_hash(head.last_hash, {name: getattr(event, name) for name in HASHED_FIELDS})
        head.last_hash = event.hash
        # The chain head's update and the event's insert in one round trip (see plinto.raw_rows).
        insert_sql, insert_params = raw_rows.insert_statement(event)
        update_sql = f"UPDATE {AuditChain._meta.db_table} SET last_hash = %s WHERE id = %s"  # noqa: S608
        (event.id,) = raw_rows.execute_together(
            [(update_sql, [head.last_hash, head.pk]), (insert_sql + " RETURNING id", insert_params)]
        )
    return event


def verify(organization_id, *, chunk_size=2000):
    """Walk one chain in insertion order; return a list of problems, empty when it is intact."""
    head = AuditChain.objects.filter(key=chain_key(organization_id)).first()
    expected_prev = head.anchor_hash if head else ""
    problems = []
    events = AuditEvent.objects.filter(organization_id=organization_id).order_by("id")
    last_hash = ""
    for row in events.values("id", "prev_hash", "hash", *HASHED_FIELDS).iterator(chunk_size=chunk_size):
        if row["prev_hash"] != expected_prev:
            problems.append(
                f"event #{row['id']}: previous hash does not match (an event before it was removed or moved)"
            )
        if event_hash(row["prev_hash"], row) != row["hash"]:
            problems.append(f"event #{row['id']}: content does not match its hash (the event was edited)")
        expected_prev = row["hash"]
        last_hash = row["hash"]
    if head is not None and head.last_hash != (last_hash or head.anchor_hash):
        problems.append("the chain's last event is missing (events at the end were removed)")
    return problems
