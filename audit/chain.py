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


def event_text(fields):
    """Return the canonical JSON of an event's `fields` (a dict of HASHED_FIELDS) that its hash covers."""
    body = {name: _canonical(fields[name]) for name in HASHED_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash, fields):
    """Return the hash of an event with `fields` (a dict of HASHED_FIELDS) after `prev_hash`."""
    return hashlib.sha256(f"{prev_hash}\n{event_text(fields)}".encode()).hexdigest()


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
        # Stored values, not the ones in memory: JSON and IP addresses come back normalised.
        event.metadata = json.loads(json.dumps(event.metadata, default=str))
        event.ip_address = AuditEvent._meta.get_field("ip_address").to_python(event.ip_address)
        event.organization_id = AuditEvent._meta.get_field("organization_id").to_python(event.organization_id)
        if connection.vendor == "postgresql":
            _append_in_one_statement(event)
        else:
            head = lock_chain(event.organization_id)
            event.prev_hash = head.last_hash
            event.hash = event_hash(head.last_hash, {name: getattr(event, name) for name in HASHED_FIELDS})
            event.save()
            head.last_hash = event.hash
            head.save(update_fields=["last_hash"])
    return event


def _append_sql(columns):
    """SQL that locks a chain head, inserts the event after it and moves the head, all at once.

    PostgreSQL computes the hash as event_hash() does, SHA-256 over the previous hash, a newline
    and the event's canonical JSON, because only the locked head has the previous hash. A
    writer that waits for the lock reads the head as the writer before it left it, which is how
    READ COMMITTED treats rows locked with FOR UPDATE.
    """
    chain, events = AuditChain._meta.db_table, AuditEvent._meta.db_table
    placeholders = ", ".join(["%s"] * len(columns.split(", ")))
    digest = "encode(sha256(convert_to(head.last_hash || chr(10) || %s, 'UTF8')), 'hex')"
    return (
        f"WITH head AS (SELECT id, last_hash FROM {chain} WHERE key = %s FOR UPDATE), "  # noqa: S608
        f"event AS (INSERT INTO {events} ({columns}, prev_hash, hash) "
        f"SELECT {placeholders}, head.last_hash, {digest} FROM head RETURNING id, prev_hash, hash) "
        f"UPDATE {chain} SET last_hash = event.hash FROM event, head WHERE {chain}.id = head.id "
        "RETURNING event.id, event.prev_hash, event.hash"
    )


def _append_in_one_statement(event):
    """Chain and insert `event` in one round trip; create its chain's head first if it has none."""
    text = event_text({name: getattr(event, name) for name in HASHED_FIELDS})
    columns, params = raw_rows.insert_values(event, exclude=("prev_hash", "hash"))
    key = chain_key(event.organization_id)
    with connection.cursor() as cursor:
        cursor.execute(_append_sql(columns), [key, *params, text])
        row = cursor.fetchone()
        if row is None:
            AuditChain.objects.bulk_create([AuditChain(key=key)], ignore_conflicts=True)
            cursor.execute(_append_sql(columns), [key, *params, text])
            row = cursor.fetchone()
    event.id, event.prev_hash, event.hash = row


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
