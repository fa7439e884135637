"""On PostgreSQL, row-level security on every org-scoped table, forced so the owner is bound too.

A row is visible and writable when its organization_id equals the session setting
`plinto.org_id`, or when `plinto.bypass_rls` is `on` (organizations.rls sets both). Schema
changes are not subject to policies; a later data migration on these tables must set
`plinto.bypass_rls` to `on` first.
"""

from django.db import migrations

TABLES = ["organizations_membership", "organizations_invitation", "organizations_domain", "organizations_apikey"]

CONDITION = (
    "current_setting('plinto.bypass_rls', true) = 'on' "
    "OR organization_id::text = current_setting('plinto.org_id', true)"
)


def enable(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        schema_editor.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({CONDITION}) WITH CHECK ({CONDITION})"
        )


def disable(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_tenancy_models")]

    operations = [migrations.RunPython(enable, disable)]
