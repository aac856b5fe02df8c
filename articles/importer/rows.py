"""Many-row INSERTs for the importer, without the ORM's per-value overhead.

``bulk_create`` prepares every value of every object through its field
(``get_db_prep_save``) and builds model instances first; for an import of
tens of thousands of files that is most of the time spent. Here each column
gets one adapter, chosen once from its field, and rows go to the database in
one ``executemany``. Defaults come from the model, so a row needs only the
values that differ from them.
"""

from functools import cache

from django.db import connection, models


@cache
def column_plan(model: type[models.Model]) -> list[tuple[str, str, models.Field]]:
    """(attribute name, column, field) of every concrete column but the primary key."""
    return [(f.attname, f.column, f) for f in model._meta.concrete_fields if not f.primary_key]


def adapter(field: models.Field):
    ops = connection.ops
    if isinstance(field, models.JSONField):
        return lambda value: None if value is None else ops.adapt_json_value(value, field.encoder)
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    return None


def default_for(field: models.Field, now):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


def insert_rows(model: type[models.Model], rows: list[dict], now) -> None:
    """INSERT ``rows`` (dicts of attribute name -> value) into ``model``'s table."""
    if not rows:
        return
    plan = column_plan(model)
    defaults = {attname: default_for(field, now) for attname, _, field in plan}
    adapters = [adapter(field) for _, _, field in plan]
    quote = connection.ops.quote_name
    # Table and column names come from the model and are quoted; values are parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(quote(column) for _, column, _ in plan),
        ", ".join(["%s"] * len(plan)),
    )
    params = []
    for row in rows:
        values = []
        for (attname, _, _), adapt in zip(plan, adapters, strict=True):
            value = row[attname] if attname in row else defaults[attname]
            values.append(adapt(value) if adapt and value is not None else value)
        params.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
