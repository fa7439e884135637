"""Model instances from hand-written SQL, for the few queries that run on every request.

Compiling an ORM query with a join costs more CPU than PostgreSQL spends running it. The lookups
that run on every request of their kind (the session behind an access token, the membership
behind an org-scoped call, the passkey of a sign-in) therefore build their SQL once from model
metadata, and this module turns the rows back into model instances.
"""

import uuid

from django.db import connection


def select_list(model, alias, attnames=None):
    """Return (fields, SQL column list) for `model`'s concrete fields, or only those in `attnames`.

    The fields keep the model's order, which Model.from_db() expects.
    """
    fields = [field for field in model._meta.concrete_fields if attnames is None or field.attname in attnames]
    return fields, ", ".join(f'{alias}."{field.column}"' for field in fields)


def joined_query(first, second, foreign_key, where, first_attnames=None):
    """Return (sql, first, second) selecting a row of `first` joined to the `second` row it refers to.

    `foreign_key` is first's field that refers to `second`; `where` is the SQL condition, naming
    first's columns with alias `a` and second's with alias `b`. The returned `first` and `second`
    are the (model, fields) pairs fetch_pair() takes; `first_attnames` limits first's columns.
    """
    first_fields, first_columns = select_list(first, "a", first_attnames)
    second_fields, second_columns = select_list(second, "b")
    column = first._meta.get_field(foreign_key).column
    sql = f"SELECT {first_columns}, {second_columns} FROM {first._meta.db_table} a "  # noqa: S608
    sql += f'JOIN {second._meta.db_table} b ON b.id = a."{column}" WHERE {where}'
    return sql, (first, first_fields), (second, second_fields)


def instance(model, fields, values):
    """Return a `model` instance loaded from `values`, raw column values in the order of `fields`."""
    return model.from_db("default", [field.attname for field in fields], _convert(fields, values))


def fetch_pair(sql, params, first, second):
    """Run `sql` and return the two instances its first row holds, or None when it has no row.

    `first` and `second` are (model, fields) pairs, and the row's columns are first's fields
    followed by second's, as select_list() writes them.
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    (first_model, first_fields), (second_model, second_fields) = first, second
    split = len(first_fields)
    return instance(first_model, first_fields, row[:split]), instance(second_model, second_fields, row[split:])


def db_uuid(value):
    """Return `value` as a UUID parameter for the backend in use, or None if it is not a UUID."""
    try:
        parsed = uuid.UUID(str(value))
    except ValueError:
        return None
    return parsed if connection.vendor == "postgresql" else parsed.hex


def _convert(fields, values):
    """Apply the backend's and the fields' from-database conversions to raw column values."""
    converted = []
    for field, value in zip(fields, values, strict=True):
        # A foreign key's column has its target's type (a UUID stored as text on SQLite).
        source = field.target_field if field.is_relation else field
        expression = source.get_col(source.model._meta.db_table)
        for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(connection):
            value = converter(value, expression, connection)
        converted.append(value)
    return converted
