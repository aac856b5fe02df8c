"""Many-row writes for the importer, without the ORM's per-value overhead.

``bulk_create`` prepares every value of every object through its field
(``get_db_prep_save``) and builds model instances first; for an import of
tens of thousands of files that is most of the time spent. Here each column
gets one adapter, chosen once from its field, and rows go to the database in
one statement: ``COPY`` on PostgreSQL (one INSERT per row, each parsed and
planned by the server, cost three times as much), ``executemany`` on SQLite
(one prepared statement, run in C). Defaults come from the model, so a row
needs only the values that differ from them.
"""

import json
from functools import cache

from django.db import connection, models


def insert_rows(model: type[models.Model], rows: list[dict], now) -> None:
    """INSERT ``rows`` (dicts of attribute name -> value) into ``model``'s table."""
    if not rows:
        return
    plan = column_plan(model)
    params = row_values(plan, rows, now)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(column) for _, column, _ in plan)
    with connection.cursor() as cursor:
        # Table and column names come from the model and are quoted; values are parameters or COPY data.
        if connection.vendor == "postgresql":
            with connection.wrap_database_errors, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in params:
                    copy.write_row(values)
        else:
            placeholders = ", ".join(["%s"] * len(plan))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", params)  # noqa: S608


def rows_with(model: type[models.Model], attname: str, values, *attnames: str) -> list[tuple]:
    """(``attnames``) of each row of ``model`` whose ``attname`` is one of ``values``, as the database gives them.

    For the importer's look-ups of hundreds of keys at a time (ids, URLs, hashes): the ORM's ``__in``
    prepares each value through its field, which cost more than the query (1.5 ms per 500 values).
    Only for columns whose database values are their Python values (numbers, text).
    """
    values = list(values)
    if not values:
        return []
    quote = connection.ops.quote_name
    column = {field.attname: field.column for field in model._meta.concrete_fields} | {"pk": model._meta.pk.column}
    # Table and column names come from the model and are quoted; values are parameters.
    selected = ", ".join(quote(column[a]) for a in attnames)
    sql = f"SELECT {selected} FROM {quote(model._meta.db_table)} WHERE {quote(column[attname])}"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{sql} = ANY(%s)", [values])
            return cursor.fetchall()
        rows = []
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            cursor.execute(f"{sql} IN ({', '.join(['%s'] * len(chunk))})", chunk)
            rows += cursor.fetchall()
        return rows


IN_CHUNK = 10_000  # values per IN list on SQLite, well under its limit of 32,766 variables


def update_rows(model: type[models.Model], rows: dict[int, dict], now) -> None:
    """UPDATE the rows of ``model`` whose primary keys are ``rows``' keys with their values.

    Every row must name the same attributes; columns it leaves out are not touched.
    """
    if not rows:
        return
    attnames = set(next(iter(rows.values())))
    plan = [entry for entry in column_plan(model) if entry[0] in attnames]
    params = [[*values, pk] for pk, values in zip(rows, row_values(plan, list(rows.values()), now), strict=True)]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column)} = %s" for _, column, _ in plan)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s",  # noqa: S608
            params,
        )


@cache
def column_plan(model: type[models.Model]) -> list[tuple[str, str, models.Field]]:
    """(attribute name, column, field) of every concrete column but the primary key."""
    return [(f.attname, f.column, f) for f in model._meta.concrete_fields if not f.primary_key]


def row_values(plan, rows: list[dict], now) -> list[tuple]:
    """Each row as the tuple of its database values, in ``plan``'s order; missing ones from defaults.

    Built a column at a time: one comprehension per column costs a fraction
    of a Python loop over every value.
    """
    missing = object()
    columns = []
    for attname, _, field in plan:
        adapt, default = adapter(field, now), default_for(field, now)
        column = [row.get(attname, missing) for row in rows]
        if adapt:
            default = None if default is None else adapt(default)
            column = [default if value is missing else None if value is None else adapt(value) for value in column]
        else:
            column = [default if value is missing else value for value in column]
        columns.append(column)
    return list(zip(*columns, strict=True))


EMPTY_JSON = {dict: "{}", list: "[]"}


def adapter(field: models.Field, now):
    """How a value of ``field`` becomes a query parameter, or None to pass it as it is.

    JSON goes as text, which both databases parse into the column: most of
    the importer's JSON values are empty, and cost nothing that way. ``now``,
    the time stamp of a whole batch, is adapted once.
    """
    if isinstance(field, models.JSONField):
        encoder = json.JSONEncoder() if field.encoder is None else field.encoder()

        def adapt_json(value):
            if not value and type(value) in EMPTY_JSON:
                return EMPTY_JSON[type(value)]
            return encoder.encode(value)

        return adapt_json
    if isinstance(field, models.DateTimeField):
        adapt, adapted_now = connection.ops.adapt_datetimefield_value, connection.ops.adapt_datetimefield_value(now)
        return lambda value: adapted_now if value is now else adapt(value)
    return None


def default_for(field: models.Field, now):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()
