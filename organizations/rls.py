"""Row-level security on PostgreSQL: the second wall behind the scoping helper.

Policies on the org-scoped tables (see the migration `enable_row_level_security`) let a row
through when its `organization_id` equals the session setting `plinto.org_id`, or when
`plinto.bypass_rls` is `on`. With neither set, the tables look empty and reject writes.

The settings are session-level (`set_config(..., false)`), not `SET LOCAL`, because Django runs
in autocommit mode and a `SET LOCAL` would end with the statement's own transaction. Session
settings outlive the request on a persistent connection (CONN_MAX_AGE), so
`TenantContextMiddleware` clears them when each request starts and ends, and the context
managers below restore the values they found.

NOTE: a pooler in transaction mode (PgBouncer `pool_mode=transaction`) hands one server
session to many clients, which breaks session-level settings; use session pooling.

NOTE: Django cascades deletes by first selecting the related rows. Deleting a user or an
organization outside /admin/ therefore needs `bypass()`, or the hidden memberships stay and the
foreign key rejects the delete.

PostgreSQL skips every policy for superusers and roles with BYPASSRLS, even on FORCEd tables,
so the database user Plinto connects as must be neither (the system check `plinto.W101` warns).
On SQLite every function here does nothing.
"""

from contextlib import contextmanager

from django.db import DatabaseError, connection

ORG_SETTING = "plinto.org_id"
BYPASS_SETTING = "plinto.bypass_rls"


def _enabled():
    return connection.vendor == "postgresql"


def _read():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true), current_setting(%s, true)", [ORG_SETTING, BYPASS_SETTING])
        org_id, bypass = cursor.fetchone()
    return org_id or "", bypass or ""


def _write(org_id, bypass):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, false), set_config(%s, %s, false)",
            [ORG_SETTING, org_id, BYPASS_SETTING, bypass],
        )
    # Only the middleware marks a connection clean (see TenantContextMiddleware._clear).
    connection.plinto_tenant_clean = False


def activate(organization_id):
    """Bind the connection to one organization until the request ends or `reset()` runs."""
    if _enabled():
        _write(str(organization_id), "")


def reset():
    """Clear both settings, so the org-scoped tables look empty again."""
    if _enabled():
        _write("", "")


@contextmanager
def tenant(organization_id):
    """Run the block bound to `organization_id`, then restore what was set before."""
    if not _enabled():
        yield
        return
    previous = _read()
    _write(str(organization_id), "")
    try:
        yield
    finally:
        _write(*previous)


@contextmanager
def bypass():
    """Run the block seeing every tenant's rows.

    For lookups that find the tenant in the first place (an API key or invitation by its digest,
    a verified domain by name, a user's own memberships), platform admin pages, maintenance
    commands and background tasks. Everything else goes through `tenant()` or `activate()`.
    """
    if not _enabled():
        yield
        return
    previous = _read()
    _write(previous[0], "on")
    try:
        yield
    finally:
        _write(*previous)


class TenantContextMiddleware:
    """Clear the tenant settings around each request, and let /admin/ bypass row-level security."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _enabled():
            return self.get_response(request)

        # Django's admin checks staff status in each view before it shows any row.
        if request.path_info.startswith("/admin/"):
            _write("", "on")
        elif connection.connection is not None and not getattr(connection, "plinto_tenant_clean", False):
            # A reused connection (CONN_MAX_AGE) may still carry the previous request's tenant,
            # unless the previous request ended by clearing it and nothing has set it since.
            reset()
        try:
            return self.get_response(request)
        finally:
            self._clear()

    def _clear(self):
        # Still marked clean: this request wrote no setting, so there is nothing to clear.
        if connection.connection is None or getattr(connection, "plinto_tenant_clean", False):
            return
        try:
            reset()
        except DatabaseError:
            # A connection that cannot be cleared must not serve another request with a tenant set.
            connection.close()
            return
        # Outside a transaction the cleared settings cannot be rolled back, so the next request
        # on this connection may skip its own reset. Any later write marks the connection again.
        connection.plinto_tenant_clean = not connection.in_atomic_block
