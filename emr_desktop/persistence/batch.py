"""Several independent reads of one user action in a single round trip to the server.

A screen such as the chart summary needs a handful of small, independent queries. On the
embedded database each costs microseconds; on a practice server each costs a network round
trip, which dominates. ``read_together`` runs them on SQLite one after another, and on
PostgreSQL sends them all at once in psycopg's pipeline mode and reads the answers back
together, with the same type conversions SQLAlchemy applies (enums, UTC datetimes).

Only plain SELECTs with named parameters qualify (no IN lists expanded at execution time).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import Select

Query = tuple[Select[Any], Mapping[str, Any]]


@dataclass(frozen=True)
class _Prepared:
    sql: str
    compiled: Any
    binds: Mapping[str, Callable[[Any], Any]]
    row: type
    types: tuple[Any, ...]
    dialect: Dialect

    def parameters(self, given: Mapping[str, Any]) -> dict[str, Any]:
        values = self.compiled.construct_params(dict(given))
        return {k: (self.binds[k](v) if k in self.binds else v) for k, v in values.items()}

    def rows(self, raw: list[tuple[Any, ...]], description: Sequence[Any]) -> list[Any]:
        # As CursorResult does: a converter per column, chosen by the driver's type code.
        convert = [
            t._cached_result_processor(self.dialect, d[1])
            for t, d in zip(self.types, description, strict=True)
        ]
        if not any(convert):
            return [self.row(*r) for r in raw]
        return [
            self.row(*(f(v) if f is not None else v for f, v in zip(convert, r, strict=True)))
            for r in raw
        ]


_CACHE: dict[tuple[int, str], tuple[Select[Any], _Prepared]] = {}


def _prepared(dialect: Dialect, stmt: Select[Any]) -> _Prepared:
    key = (id(stmt), dialect.name)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is stmt:
        return hit[1]
    compiled = stmt.compile(dialect=dialect)
    columns = compiled._result_columns
    names = [c.keyname for c in columns]
    prepared = _Prepared(
        sql=compiled.string,
        compiled=compiled,
        binds=cast(dict[str, Callable[[Any], Any]], dict(compiled._bind_processors)),
        row=namedtuple("Row", names, rename=True),
        types=tuple(c.type for c in columns),
        dialect=dialect,
    )
    _CACHE[key] = (stmt, prepared)
    return prepared


def read_together(conn: Connection, queries: Sequence[Query]) -> list[list[Any]]:
    """The rows of each query, in order; one round trip on a practice server.

    Rows read by name, by position and with ``_asdict()`` on both engines.
    """
    if conn.dialect.name != "postgresql":
        return [list(conn.execute(stmt, params).all()) for stmt, params in queries]
    import psycopg  # only a practice server gets here

    prepared = [_prepared(conn.dialect, stmt) for stmt, _ in queries]
    driver = conn.connection.driver_connection
    assert driver is not None
    cursors = []
    try:
        with driver.pipeline():
            for (_, params), p in zip(queries, prepared, strict=True):
                cursor = driver.cursor()
                cursor.execute(p.sql, p.parameters(params))
                cursors.append(cursor)
        return [
            p.rows(c.fetchall(), c.description or ())
            for p, c in zip(prepared, cursors, strict=True)
        ]
    except psycopg.Error as err:
        # The same error type the rest of the unit of work raises (and translates).
        raise exc.DBAPIError(None, None, err, hide_parameters=True) from err
    finally:
        for cursor in cursors:
            cursor.close()
