"""Model instances to and from hand-written SQL, for the few statements that run on every request.

Compiling an ORM query with a join costs more CPU than PostgreSQL spends running it. So the
lookups that run on every request of their kind build their SQL once from model metadata: the
session behind an access token, the membership behind an org-scoped call, the passkey of a
sign-in. This module turns their rows back into model instances. The writes of a login (a
session, its first refresh token, the audit event) go to PostgreSQL as one statement.
"""

import functools
import uuid

from django.db import connection


def select_list(model, alias, attnames=None):
    """Return (fields, SQL column list) for `model`'s concrete fields, or only those in `attnames`.

    The fields keep the model's order, which Model.from_db() expects.
    """
    fields = tuple(field for field in model._meta.concrete_fields if attnames is None or field.attname in attnames)
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
    row = _fetch_row(sql, params)
    if row is None:
        return None
    (first_model, first_fields), (second_model, second_fields) = first, second
    split = len(first_fields)
    return instance(first_model, first_fields, row[:split]), instance(second_model, second_fields, row[split:])


def fetch_one(sql, params, model, fields):
    """Run `sql` and return the `model` instance its first row holds, or None when it has no row."""
    row = _fetch_row(sql, params)
    return None if row is None else instance(model, fields, row)


def _fetch_row(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


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
    for (expression, converters), value in zip(_converters(connection.vendor, fields), values, strict=True):
        for converter in converters:
            value = converter(value, expression, connection)
        converted.append(value)
    return converted


@functools.lru_cache(maxsize=64)
def _converters(vendor, fields):
    """Return (column expression, converters) for each of `fields`, worked out once per query.

    `vendor` is part of the cache key because the backend contributes converters of its own.
    """
    pairs = []
    for field in fields:
        # A foreign key's column has its target's type (a UUID stored as text on SQLite).
        source = field.target_field if field.is_relation else field
        expression = source.get_col(source.model._meta.db_table)
        pairs.append(
            (expression, connection.ops.get_db_converters(expression) + expression.get_db_converters(connection))
        )
    return tuple(pairs)


def insert_statement(obj):
    """Return (sql, params) that insert model instance `obj`, and mark `obj` as saved.

    Every concrete field is written except a primary key the database generates, so the
    statement does what obj.save() would for a new row, without signals. Run it inside the
    transaction that needs the row, because `obj` counts as saved from here on.
    """
    columns, params = insert_values(obj)
    placeholders = ", ".join(["%s"] * len(params))
    return f"INSERT INTO {type(obj)._meta.db_table} ({columns}) VALUES ({placeholders})", params  # noqa: S608


def insert_values(obj, exclude=()):
    """Return (SQL column list, params) of a new row for `obj`, and mark `obj` as saved.

    Covers every concrete field except a primary key the database generates and the attnames
    in `exclude`, whose values the caller's SQL supplies.
    """
    fields = [
        field
        for field in type(obj)._meta.concrete_fields
        if not (field.primary_key and field.db_returning) and field.attname not in exclude
    ]
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    obj._state.adding = False
    obj._state.db = connection.alias
    return ", ".join(f'"{field.column}"' for field in fields), params


def execute_together(statements):
    """Run (sql, params) write statements in order; return the first row the last one returns.

    On PostgreSQL they go as one statement, the first ones as data-modifying WITH clauses of the
    last, so one round trip serves them all. They must not depend on each other's effects, which
    such clauses do not see; foreign keys are still checked, at commit (Django defers them).
    Other databases run them one by one.
    """
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            for sql, params in statements:
                cursor.execute(sql, params)
        else:
            clauses = ", ".join(f"w{number} AS ({sql})" for number, (sql, _) in enumerate(statements[:-1]))
            last_sql = statements[-1][0]
            sql = f"WITH {clauses} {last_sql}" if clauses else last_sql
            cursor.execute(sql, [param for _, params in statements for param in params])
        return cursor.fetchone() if cursor.description else None
