"""Run one NDJSON audit export through its Celery task, timing it and measuring peak RSS growth.

Usage: python -m bench.audit_export ORGANIZATION_ID OUTPUT_JSON
Run with bench settings and CELERY_TASK_ALWAYS_EAGER=true, so the task runs in this process. The
export file is deleted afterwards. Peak RSS growth is the peak resident set size during the task
(VmHWM in /proc/self/status, reset before the task through /proc/self/clear_refs) minus the
resident size just before it. Linux only.
"""

import json
import sys
import time

import django


def _status_kib(name):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{name} is missing from /proc/self/status")


def _reset_peak_rss():
    """Reset VmHWM to the current RSS (Linux 4.0 and later); return False where that is refused."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def main():
    organization_id, output = sys.argv[1], sys.argv[2]
    django.setup()
    from django.core.files.storage import storages

    from organizations.models import AuditExport
    from organizations.tasks import run_audit_export_task

    export = AuditExport.objects.create(
        organization_id=organization_id, format="ndjson", requested_by_type="system", requested_by_id="bench"
    )
    peak_reset = _reset_peak_rss()
    rss_before = _status_kib("VmRSS")
    started = time.perf_counter()
    rows = run_audit_export_task.delay(str(export.pk)).get()
    seconds = time.perf_counter() - started
    peak = _status_kib("VmHWM")

    export.refresh_from_db()
    storage = storages["audit_exports"]
    size = storage.size(export.file_name)
    storage.delete(export.file_name)

    with open(output, "w") as handle:
        json.dump(
            {
                "status": export.status,
                "rows": rows,
                "file_mb": round(size / 2**20, 1),
                "seconds": round(seconds, 2),
                # Without the reset, the peak may predate the task, so the growth is an upper bound.
                "peak_rss_growth_mb": round((peak - rss_before) / 1024, 1),
                "peak_rss_reset": peak_reset,
            },
            handle,
        )


if __name__ == "__main__":
    main()
