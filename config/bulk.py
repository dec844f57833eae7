"""Several tables' new rows written in one statement (PostgreSQL), for the hot domain actions.

A send stores its events, notifications, deliveries and delivery jobs: four tables, which
`bulk_create` writes in four round trips. `BulkWrite` collects the rows (plain dicts, typed by
the model's fields) and writes them as one `WITH … INSERT … SELECT FROM jsonb_to_recordset(…)`
statement; other apps add their rows to the same write. Rows carry their primary keys when
other rows refer to them (the caller takes them from the sequence beforehand), so no part
needs another's RETURNING. On other databases each part runs on its own (`bulk_create`).
"""

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from django.db import connection
from django.db.models import Model

_encoder = msgspec.json.Encoder()


@dataclass
class _Cte:
    sql: str
    params: list[Any]
    # Called with the rows the CTE returned (None for plain inserts).
    on_rows: Callable[[list[tuple]], None] | None = None
    key: str | None = None


@dataclass
class BulkWrite:
    """Rows of several models, and raw CTEs, to be written in one statement by `execute`."""

    _inserts: dict[type[Model], list[dict[str, Any]]] = field(default_factory=dict)
    _ctes: list[_Cte] = field(default_factory=list)
    # Run on databases without data-modifying CTEs, in order, instead of `_ctes`.
    _fallbacks: list[Callable[[], None]] = field(default_factory=list)
    _after: list[Callable[[], None]] = field(default_factory=list)
    _fallback_of: dict[str, int] = field(default_factory=dict)

    def after(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the rows are written (still inside the transaction)."""
        self._after.append(callback)

    def insert(self, model: type[Model], rows: Iterable[dict[str, Any]]) -> None:
        """Add rows of `model`: dicts of column name (`attname`) to Python value."""
        self._inserts.setdefault(model, []).extend(rows)

    def add_cte(
        self,
        sql: str,
        params: list[Any],
        *,
        on_rows: Callable[[list[tuple]], None] | None = None,
        fallback: Callable[[], None] | None,
        key: str | None = None,
    ) -> str:
        """A raw data-modifying CTE body (PostgreSQL); returns its name for later CTEs.

        With `on_rows` the CTE must end in RETURNING, and gets its rows after execute().
        `fallback` does the same work on other databases (None: an earlier one did).
        A CTE added with the `key` of an earlier one replaces it: one statement must not
        modify a row twice, so a later update that covers an earlier one takes its place.
        """
        cte = _Cte(sql, params, on_rows, key)
        for index, earlier in enumerate(self._ctes):
            if key is not None and earlier.key == key:
                self._ctes[index] = cte
                self._fallbacks[self._fallback_of[key]] = fallback or (lambda: None)
                return f"cte{index}"
        self._ctes.append(cte)
        if fallback is not None:
            if key is not None:
                self._fallback_of[key] = len(self._fallbacks)
            self._fallbacks.append(fallback)
        return f"cte{len(self._ctes) - 1}"

    def __bool__(self) -> bool:
        return bool(self._ctes) or any(self._inserts.values())

    def execute(self) -> None:
        if not self:
            return
        if connection.vendor != "postgresql":
            self._execute_one_by_one()
        else:
            self._execute_as_one()
        for callback in self._after:
            callback()

    def _execute_as_one(self) -> None:
        parts: list[str] = []
        params: list[Any] = []
        selects: list[str] = []
        readers: list[tuple[int, Callable[[list[tuple]], None]]] = []
        for index, cte in enumerate(self._ctes):
            name = f"cte{index}"
            parts.append(f"{name} AS ({cte.sql})")
            params.extend(cte.params)
            if cte.on_rows is not None:
                # One row per CTE holding its RETURNING rows as JSON: a single result set.
                selects.append(f"(SELECT json_agg({name}) FROM {name})")  # noqa: S608
                readers.append((index, cte.on_rows))
        for index, (model, rows) in enumerate(self._inserts.items()):
            if rows:
                sql, table_params = _insert_sql(model, rows)
                parts.append(f"ins{index} AS ({sql})")
                params.extend(table_params)
        select = "SELECT " + (", ".join(selects) if selects else "1")
        with connection.cursor() as cursor:
            cursor.execute("WITH " + ", ".join(parts) + " " + select, params)
            (result,) = cursor.fetchall()
        for position, (_index, on_rows) in enumerate(readers):
            on_rows([tuple(row.values()) for row in result[position] or []])

    def _execute_one_by_one(self) -> None:
        for fallback in self._fallbacks:
            fallback()
        for model, rows in self._inserts.items():
            if rows:
                model.objects.bulk_create([model(**row) for row in rows])


def model_row(instance: Model) -> dict[str, Any]:
    """An unsaved instance as `BulkWrite.insert`'s row: every concrete column, defaults and
    auto_now values applied (as `save()` would); an unset primary key is left to the table."""
    row = {f.attname: f.pre_save(instance, True) for f in instance._meta.concrete_fields}
    if row.get(instance._meta.pk.attname) is None:
        row.pop(instance._meta.pk.attname, None)
    return row


def _insert_sql(model: type[Model], rows: list[dict[str, Any]]) -> tuple[str, list[Any]]:
    """INSERT INTO t (columns) SELECT columns FROM jsonb_to_recordset(%s) AS r(typed columns)."""
    ops = connection.ops
    columns = list(rows[0])
    types = _column_types(model)
    typed = ", ".join(f"{ops.quote_name(c)} {types[c]}" for c in columns)
    quoted = ", ".join(ops.quote_name(c) for c in columns)
    table = ops.quote_name(model._meta.db_table)
    # Only quoted identifiers and column types are interpolated; the rows are one parameter.
    sql = f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM jsonb_to_recordset(%s::jsonb) AS r({typed})"  # noqa: S608, E501
    return sql, [_encoder.encode([{c: row[c] for c in columns} for row in rows]).decode()]


@functools.cache
def _column_types(model: type[Model]) -> dict[str, str]:
    return {f.attname: _sql_type(f) for f in model._meta.concrete_fields}


def _sql_type(model_field) -> str:
    kind = model_field.db_type(connection)
    if kind is None or "identity" in kind.lower() or kind.startswith("serial"):
        return "bigint"
    # CHECK constraints and the like ride along in some db_types ("smallint CHECK (...)").
    return kind.split(" CHECK")[0]
