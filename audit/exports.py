"""Writing audit events as CSV or NDJSON to a file, row by row, so memory stays flat."""

import codecs
import csv
import json
import re

FORMATS = ("csv", "ndjson")
COLUMNS = (
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
    "ip_address",
    "user_agent",
    "request_id",
    "metadata",
    "hash",
)
# Characters that make a spreadsheet read a cell as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def neutralise_cell(value):
    """Return a CSV cell that no spreadsheet runs as a formula; numbers stay numbers."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def _plain(row):
    return {name: (row[name].isoformat() if hasattr(row[name], "isoformat") else row[name]) for name in COLUMNS} | {
        "event_id": str(row["event_id"]),
        "organization_id": str(row["organization_id"] or ""),
    }


def write_events(queryset, fmt, binary_file, *, chunk_size=2000):
    """Write the events of `queryset` in `fmt` to `binary_file`; return how many were written."""
    rows = queryset.order_by("id").values(*COLUMNS).iterator(chunk_size=chunk_size)
    writer = codecs.getwriter("utf-8")(binary_file)
    count = 0
    if fmt == "csv":
        table = csv.writer(writer)
        table.writerow(COLUMNS)
        for row in rows:
            plain = _plain(row)
            plain["metadata"] = json.dumps(plain["metadata"], sort_keys=True)
            table.writerow([neutralise_cell(plain[name]) for name in COLUMNS])
            count += 1
    else:
        for row in rows:
            writer.write(json.dumps(_plain(row), ensure_ascii=False, default=str) + "\n")
            count += 1
    return count
