"""Hot statements written as SQL and run through the connection's cursor: those of a service's
busiest paths (the tickets' purchase, the outbox's row a change promises in its transaction).

Building a statement and its model instances costs the ORM 0.3-1 ms of CPU, several times what
running it costs the database, and a payment runs a handful. Tables and columns come from the
models' _meta, never spelt out; values are adapted, and rows converted, by the fields and the
backend as the ORM does (an aware datetime, a bool, parsed JSON), so the statements run on MySQL,
MariaDB and SQLite alike. (Ruff's S608, SQL built from strings, is silenced where they are built:
only names from _meta go into the text, every value is a parameter.)

The names, and the columns' converters, are found once per model and kept: they depend on the
models and the database's vendor only, one per process. Every helper works on the thread's
connection itself (_db), not on django.db.connection: each attribute read through that proxy
looks the connection up again (~3 us), and the fields read several a value.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


@cache
def table(model: type[Model]) -> str:
    """The model's table, quoted."""
    return _db().ops.quote_name(model._meta.db_table)


@cache
def column(model: type[Model], field: str) -> str:
    """The column of the model's `field` (its name, "pk" for the primary key), quoted."""
    meta = model._meta
    return _db().ops.quote_name((meta.pk if field == "pk" else meta.get_field(field)).column)


def db_value(model: type[Model], field: str, value: Any) -> Any:
    """`value` of the model's `field` as the database takes it."""
    return model._meta.get_field(field).get_db_prep_value(value, _db())


def python_value(model: type[Model], field: str, value: Any) -> Any:
    """`value` of the model's `field` as a query read it, converted as the ORM converts it (an
    aware datetime, a bool): for a read of a few columns rather than whole rows (from_row)."""
    db = _db()
    expression, converters = _converters(model._meta.get_field(field))
    for converter in converters:
        value = converter(value, expression, db)
    return value


def execute(sql: str, params: Sequence[Any]) -> int:
    """Run one statement that writes; the rows it changed. An error marks the transaction for
    rollback, as the ORM's writes do."""
    with transaction.mark_for_rollback_on_error(), _db().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def fetch(sql: str, params: Sequence[Any]) -> list[tuple]:
    """Run one query; its rows."""
    with _db().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def update_row(model: type[Model], pk: int, *, where: dict[str, Any] | None = None, **values: Any) -> int:
    """Set the fields `values` of the model's row `pk` (no save(): auto_now fields are set only if
    given), if its fields `where` have those values (None: NULL), a guard in the statement itself;
    the rows changed, 0 or 1."""
    assignments = ", ".join(f"{column(model, field)} = %s" for field in values)
    params = [db_value(model, field, value) for field, value in values.items()]
    conditions = [f"{column(model, 'pk')} = %s"]
    params.append(pk)
    for field, value in (where or {}).items():
        if value is None:
            conditions.append(f"{column(model, field)} IS NULL")
        else:
            conditions.append(f"{column(model, field)} = %s")
            params.append(db_value(model, field, value))
    sql = f"UPDATE {table(model)} SET {assignments} WHERE {' AND '.join(conditions)}"  # noqa: S608
    return execute(sql, params)


def insert(objs: Sequence[M]) -> Sequence[M]:
    """INSERT `objs`, new instances of one model whose primary key is an auto field (and no field a
    db_default), in one statement, as bulk_create() does: their values as saving gives them
    (auto_now_add set, foreign keys' ids), their primary keys set where the database gives them:
    returned from the insert (MariaDB, SQLite), or, for one row, the connection's last insert id
    (MySQL), as save() does; left None for several rows on MySQL. An error marks the transaction
    for rollback, as execute's do."""
    if not objs:
        return objs
    db, model = _db(), type(objs[0])
    fields, columns = _inserted(model)
    params = [field.get_db_prep_save(field.pre_save(obj, True), db) for obj in objs for field in fields]
    rows = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(objs))
    sql = f"INSERT INTO {table(model)} ({columns}) VALUES {rows}"  # noqa: S608
    pk = model._meta.pk
    with transaction.mark_for_rollback_on_error(), db.cursor() as cursor:
        if db.features.can_return_rows_from_bulk_insert:
            returning, _ = db.ops.return_insert_columns([pk])
            cursor.execute(f"{sql} {returning}", params)
            for obj, (obj_pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = obj_pk
        else:
            cursor.execute(sql, params)
            if len(objs) == 1:  # the one id LAST_INSERT_ID() tells, as save() reads it (no statement more)
                objs[0].pk = db.ops.last_insert_id(cursor, model._meta.db_table, pk.column)
    for obj in objs:
        obj._state.adding, obj._state.db = False, db.alias
    return objs


def rows_by_pk(model: type[M], pks: Sequence[int]) -> dict[int, M]:
    """The model's rows of `pks` as instances by primary key, in one read, as in_bulk() does."""
    if not pks:
        return {}
    placeholders = ", ".join(["%s"] * len(pks))
    sql = f"SELECT {select_list(model)} FROM {table(model)} WHERE {column(model, 'pk')} IN ({placeholders})"  # noqa: S608
    instances = (from_row(row, model)[0] for row in fetch(sql, pks))
    return {instance.pk: instance for instance in instances}


def locked_row(model: type[M], pk: int) -> M:
    """The model's row `pk` as an instance, locked until the transaction ends (FOR UPDATE where the
    database has it: SQLite's transactions lock the whole database); DoesNotExist if there is none,
    as select_for_update().get() does."""
    db = _db()
    lock = f" {db.ops.for_update_sql()}" if db.features.has_select_for_update else ""
    sql = f"SELECT {select_list(model)} FROM {table(model)} WHERE {column(model, 'pk')} = %s{lock}"  # noqa: S608
    rows = fetch(sql, [pk])
    if not rows:
        raise model.DoesNotExist(f"No {model._meta.object_name} {pk}.")
    return from_row(rows[0], model)[0]


@cache
def select_list(*models: type[Model]) -> str:
    """Every column of each model's table, qualified with it, one model after the other: the
    select list of rows that from_row turns into instances."""
    quote = _db().ops.quote_name
    return ", ".join(f"{table(model)}.{quote(field.column)}" for model in models for field in _fields(model))


def from_row(row: Sequence[Any], *models: type[Model]) -> list[Model]:
    """An instance of each of `models` from a row of their select_list(*models)."""
    db = _db()
    instances, start = [], 0
    for model in models:
        names, converters = _reading(model)
        values = list(row[start : start + len(names)])
        for index, expression, field_converters in converters:
            for converter in field_converters:
                values[index] = converter(values[index], expression, db)
        instances.append(model.from_db(db.alias, names, values))
        start += len(names)
    return instances


def _db() -> BaseDatabaseWrapper:
    """This thread's connection to the default database (the ORM's, as django.db.connection is)."""
    return connections[DEFAULT_DB_ALIAS]


@cache
def _inserted(model: type[Model]) -> tuple[list[Field], str]:
    """The fields an insert of the model writes (all its columns but the auto primary key), and
    their quoted columns."""
    fields = [field for field in _fields(model) if not field.primary_key]
    return fields, ", ".join(_db().ops.quote_name(field.column) for field in fields)


@cache
def _reading(model: type[Model]) -> tuple[list[str], list[tuple[int, Any, list]]]:
    """The model's attribute names in select_list's order, and the converters of the columns that
    have any."""
    fields = _fields(model)
    converters = []
    for index, field in enumerate(fields):
        expression, found = _converters(field)
        if found:
            converters.append((index, expression, found))
    return [field.attname for field in fields], converters


@cache
def _converters(field: Field) -> tuple[Any, list]:
    """The field's column as the ORM's compiler reads it, and the converters of its values as the
    compiler finds them (the backend's, then the field's)."""
    db = _db()
    expression = field.get_col(field.model._meta.db_table)
    return expression, db.ops.get_db_converters(expression) + expression.get_db_converters(db)


def _fields(model: type[Model]) -> Sequence[Any]:
    """The model's columns' fields, in the order Model.from_db takes their values."""
    return model._meta.concrete_fields
