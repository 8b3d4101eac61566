"""The state of one demo generation run and the bulk writer behind it.

Rows are plain dicts collected per table and written with one executemany per few
thousand rows. Each INSERT is compiled once by SQLAlchemy for the connection's dialect,
from a lightweight copy of the model table whose UTC timestamp and enum columns are plain
DateTime and String: the generator hands them naive UTC datetimes and enum values, exactly
what UtcDateTime and the enum columns store. Values still go through the dialect's own
bind processors (or a C-speed equivalent proven to give the same text); only SQLAlchemy's
per-row parameter bookkeeping is skipped, which halves the cost of writing the rows.
Primary keys are assigned here (the demo always writes into a fresh practice), so
related rows can point at each other before anything is written.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Enum,
    String,
    Table,
    column,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import TableClause, table

from emr_desktop.models import Base
from emr_desktop.models.base import UtcDateTime
from emr_desktop.reference.allergies import classify_substance
from emr_desktop.reference.drugs import formulary
from emr_desktop.reference.loinc import LabTest, lab_test
from emr_desktop.reference.vaccines import vaccine
from emr_desktop.services.common.rows import join_list

# Parents before children, so foreign keys hold at every insert.
TABLE_ORDER = (
    "patient",
    "patient_name_token",
    "appointment",
    "encounter",
    "addendum",
    "vital_signs",
    "lab_result",
    "immunization",
    "problem",
    "allergy",
    "prescription",
    "medication",
    "referral",
)
BATCH = 5000
# A dialect's date and time formatters are replaced by the (C-speed) isoformat only when
# it gives the very same text for these.
_PROBES = (dt.datetime(2026, 3, 9, 14, 5, 7, 123), dt.datetime(1999, 12, 31, 23, 59, 59))
_DAY_PROBES = (dt.date(2026, 3, 9), dt.date(1931, 12, 31))

Row = dict[str, Any]
T = TypeVar("T")


def ri(rng: random.Random, low: int, high: int) -> int:
    """A random integer from ``low`` to ``high`` (random.randint without its slow checks)."""
    return low + int(rng.random() * (high - low + 1))


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """A random item of ``items`` (random.choice without its slow checks)."""
    return items[int(rng.random() * len(items))]


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat(" ", "microseconds")


def _iso_day(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _fast(proc: Any, kind: Any) -> Any:
    """The dialect's bind processor, or an equivalent faster one for dates and times."""
    if proc is None:
        return None
    for model, fast, probes in ((DateTime, _iso, _PROBES), (Date, _iso_day, _DAY_PROBES)):
        if isinstance(kind, model):
            try:
                same = all(proc(v) == fast(v) for v in probes) and proc(None) is None
            except (TypeError, ValueError):
                same = False
            return fast if same else proc
    return proc


def plain_table(model_table: Table) -> TableClause:
    """A column-for-column copy of ``model_table`` with UTC and enum columns as plain types."""
    cols = []
    for c in model_table.columns:
        kind: Any = c.type
        if isinstance(kind, UtcDateTime):
            kind = DateTime()
        elif isinstance(kind, Enum):
            kind = String()
        cols.append(column(c.name, kind))
    return table(model_table.name, *cols)


@cache
def _plain(name: str) -> TableClause:
    return plain_table(Base.metadata.tables[name])


def to_utc(local: dt.datetime) -> dt.datetime:
    """A naive local wall-clock time as the naive UTC time UtcDateTime stores."""
    return local.astimezone(dt.UTC).replace(tzinfo=None)


class Statement:
    """One table's INSERT compiled for a dialect, with the bind processors of its columns."""

    def __init__(self, name: str, dialect: Dialect) -> None:
        plain = _plain(name)
        compiled = insert(plain).compile(dialect=dialect)
        self.sql = str(compiled)
        types = {c.name: c.type for c in plain.columns}
        binds = {bind.key: compiled.bind_names[bind] for bind in compiled.binds.values()}
        keys = list(compiled.positiontup) if compiled.positional and compiled.positiontup else []
        self.positional = bool(keys)
        self.keys = tuple(keys or binds)
        self.names = tuple(binds[k] for k in self.keys)
        procs = [
            _fast(types[k].dialect_impl(dialect).bind_processor(dialect), types[k])
            for k in self.keys
        ]
        self._get = itemgetter(*self.keys)
        self._fix = tuple((i, p) for i, p in enumerate(procs) if p is not None)

    def params(self, rows: list[Row]) -> list[Any]:
        """The driver's parameter sets for ``rows`` (tuples, or dicts for named styles)."""
        get, fix = self._get, self._fix
        out: list[Any] = []
        for row in rows:
            values = list(get(row))
            for i, proc in fix:
                values[i] = proc(values[i])
            out.append(
                tuple(values) if self.positional else dict(zip(self.names, values, strict=True))
            )
        return out


@dataclass(frozen=True, slots=True)
class Staff:
    """The demo practice's users, by role."""

    physicians: tuple[int, ...]
    names: dict[int, str]
    nurse: int
    receptionist: int
    admin: int
    admin_name: str  # the generator's audit row names the practice's admin


class Run:
    """Everything one generation run shares: the random stream, clock, staff, ids, rows."""

    def __init__(
        self, rng: random.Random, now: dt.datetime, staff: Staff, next_ids: dict[str, int]
    ) -> None:
        self.rng = rng
        self.staff = staff
        self.local_now = now.astimezone().replace(tzinfo=None, microsecond=0)
        self.now_utc = now.astimezone(dt.UTC).replace(tzinfo=None)
        self.today = self.local_now.date()
        self.rows: dict[str, list[Row]] = {name: [] for name in TABLE_ORDER}
        self.counts: Counter[str] = Counter()
        self._next = dict(next_ids)
        self._offsets: dict[int, dt.timedelta] = {}
        self._statements: dict[str, Statement] = {}

    def utc(self, local: dt.datetime) -> dt.datetime:
        """A naive local wall-clock time as naive UTC (the day's offset is computed once)."""
        if local.hour < 4:  # daylight-saving changes happen at night: no shortcut then
            return to_utc(local)
        key = local.toordinal()
        offset = self._offsets.get(key)
        if offset is None:
            noon = dt.datetime(local.year, local.month, local.day, 12)
            offset = self._offsets[key] = noon - to_utc(noon)
        return local - offset

    def new_id(self, table_name: str) -> int:
        """The next primary key of ``table_name``."""
        value = self._next[table_name]
        self._next[table_name] = value + 1
        return value

    def add(self, table_name: str, row: Row) -> None:
        """Queue one row (it must name every column of the table)."""
        self.rows[table_name].append(row)

    def flush(self, conn: Connection) -> None:
        """Write every queued row, parents first, and forget them."""
        for name in TABLE_ORDER:
            rows = self.rows[name]
            if not rows:
                continue
            statement = self._statements.get(name)
            if statement is None:
                statement = self._statements[name] = Statement(name, conn.dialect)
            for start in range(0, len(rows), BATCH):
                conn.exec_driver_sql(statement.sql, statement.params(rows[start : start + BATCH]))
            self.counts[name] += len(rows)
            rows.clear()


def next_ids(conn: Connection, names: Iterable[str]) -> dict[str, int]:
    """One past the largest id of each table (all 1 in a new practice)."""
    out = {}
    for name in names:
        t = Base.metadata.tables[name]
        out[name] = (conn.scalar(select(func.max(t.c.id))) or 0) + 1
    return out


# ---- reference look-ups, cached: the same few codes are used millions of times ----------


@cache
def lab(loinc: str) -> LabTest:
    """The reference entry of a LOINC code the demo uses (KeyError if it is unknown)."""
    test = lab_test(loinc)
    if test is None:
        raise KeyError(f"LOINC {loinc} is not in the reference table")
    return test


@cache
def vaccine_name(cvx: str) -> str:
    """The CDC short name the immunization service stores for a CVX code."""
    found = vaccine(cvx)
    if found is None:
        raise KeyError(f"CVX {cvx} is not in the reference table")
    return found.short_name[:200]


@cache
def drug_ingredients(name: str) -> str:
    """The ';'-joined ingredients the medication service stores for a formulary drug."""
    drug = formulary().get(name)
    if drug is None:
        raise KeyError(f"{name} is not in the formulary")
    return join_list(drug.ingredients)


@cache
def drug_classes(name: str) -> frozenset[str]:
    """The therapeutic classes of a formulary drug."""
    drug = formulary().get(name)
    return frozenset(drug.classes) if drug else frozenset()


@cache
def allergy_codes(substance: str) -> tuple[str, str]:
    """(ingredients, classes) of a drug allergy, ';'-joined as the allergy service stores them."""
    ingredients, classes = classify_substance(substance)
    return join_list(ingredients)[:500], join_list(classes)[:500]
