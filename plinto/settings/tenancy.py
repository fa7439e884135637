"""Settings of the organizations app."""

from .base import STORAGES
from .env import VAR_DIR, env

# The resolver that checks domain verification records, as host:port (such as 127.0.0.1:53 or
# [::1]:53). Empty uses the resolvers of the system (/etc/resolv.conf).
DNS_RESOLVER = env.str("DNS_RESOLVER", default="")
# Seconds one domain verification lookup may take, retries included.
DNS_TIMEOUT = env.float("DNS_TIMEOUT", default=5.0)

# Audit exports: where the files go (any Django storage backend) and how long a signed download
# link stays valid, in seconds.
AUDIT_EXPORT_STORAGE_BACKEND = env.str(
    "AUDIT_EXPORT_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
)
# AUDIT_EXPORT_STORAGE_OPTIONS is a JSON object of the backend's options (a bucket name, say).
_FILE_SYSTEM = "django.core.files.storage.FileSystemStorage"
STORAGES["audit_exports"] = {
    "BACKEND": AUDIT_EXPORT_STORAGE_BACKEND,
    "OPTIONS": env.json(
        "AUDIT_EXPORT_STORAGE_OPTIONS",
        default={"location": str(VAR_DIR / "audit-exports")} if AUDIT_EXPORT_STORAGE_BACKEND == _FILE_SYSTEM else {},
    ),
}
AUDIT_EXPORT_LINK_SECONDS = env.int("AUDIT_EXPORT_LINK_SECONDS", default=300)
# Audit events deleted per transaction when an organization's retention applies.
AUDIT_RETENTION_BATCH_SIZE = env.int("AUDIT_RETENTION_BATCH_SIZE", default=1000)

# Periodic work for `celery beat`.
CELERY_BEAT_SCHEDULE = {
    "apply-audit-retention": {"task": "organizations.tasks.apply_audit_retention_task", "schedule": 3600.0},
}
