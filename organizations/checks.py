"""System checks for tenancy settings and for the database role that row-level security binds."""

import ipaddress

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connection


@register()
def check_dns_resolver(app_configs, **kwargs):
    configured = settings.DNS_RESOLVER
    if not configured:
        return []
    host, _, port = configured.rpartition(":")
    try:
        ipaddress.ip_address(host.strip("[]"))
        valid = 0 < int(port) < 65536
    except ValueError:
        valid = False
    if valid:
        return []
    return [
        Error(
            f"DNS_RESOLVER={configured!r} is not an IP address and port.",
            hint="Use host:port with an IP address, such as 127.0.0.1:53 or [::1]:53, or leave it empty.",
            id="plinto.E101",
        )
    ]


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
