"""System checks for tenancy: row-level security only binds a role that may not bypass it."""

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError, connection


@register(Tags.database)
def check_row_level_security_applies(app_configs, databases=None, **kwargs):
    # Database checks run only when asked for (`check --database default`, migrate).
    if not databases or "default" not in databases or connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
    except DatabaseError:
        return []
    if row and row[0]:
        return [
            Warning(
                "The database user is a superuser or has BYPASSRLS, so row-level security does not "
                "separate organizations; only the application's scoping does.",
                hint="Connect as a role without SUPERUSER and BYPASSRLS (it may own the tables).",
                id="plinto.W101",
            )
        ]
    return []
