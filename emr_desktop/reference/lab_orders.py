"""Tests and panels a physician can order from an outside lab
(``resources/reference/lab_orderables.csv``), with units, typical adult ranges and
critical limits, and the flag a value earns against them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from emr_desktop.reference.drugs import read_reference_rows, reference_file, split_cell

_COLUMNS = (
    "code",
    "name",
    "kind",
    "members",
    "specimen",
    "unit",
    "low",
    "high",
    "critical_low",
    "critical_high",
    "source",
)


def _num(text: str) -> float | None:
    return float(text) if text else None


@dataclass(frozen=True, slots=True)
class Orderable:
    """One orderable test or panel (a panel lists the LOINC codes of its tests)."""

    code: str
    name: str
    kind: str  # "panel" or "test"
    members: tuple[str, ...]
    specimen: str
    unit: str
    low: float | None
    high: float | None
    critical_low: float | None
    critical_high: float | None


def flag_for(
    value: float,
    low: float | None,
    high: float | None,
    critical_low: float | None = None,
    critical_high: float | None = None,
) -> str:
    """ "LL"/"HH" beyond a critical limit, "L"/"H" outside the reference range, else "N"."""
    if critical_low is not None and value <= critical_low:
        return "LL"
    if critical_high is not None and value >= critical_high:
        return "HH"
    if low is not None and value < low:
        return "L"
    if high is not None and value > high:
        return "H"
    return "N"


@cache
def orderables() -> dict[str, Orderable]:
    """Every orderable by LOINC code, in file order."""
    path = reference_file("lab_orderables.csv")
    found: dict[str, Orderable] = {}
    for line, row in read_reference_rows(path, _COLUMNS):
        if row["kind"] not in ("panel", "test") or not row["source"]:
            raise ValueError(f"{path.name}:{line}: needs kind panel/test and a source")
        found[row["code"]] = Orderable(
            row["code"],
            row["name"],
            row["kind"],
            split_cell(row["members"]),
            row["specimen"],
            row["unit"],
            _num(row["low"]),
            _num(row["high"]),
            _num(row["critical_low"]),
            _num(row["critical_high"]),
        )
    return found


def orderable(code: str) -> Orderable | None:
    """The orderable with this LOINC code, if the table has it."""
    return orderables().get(code.strip())


def resultable(code: str) -> tuple[Orderable, ...]:
    """The tests a result may report for an ordered code: a panel's members, or the test."""
    item = orderable(code)
    if item is None:
        return ()
    if item.kind == "test":
        return (_as_charted(item),)
    members = (orderable(c) or _from_loinc(c) for c in item.members)
    return tuple(_as_charted(m) for m in members if m)


def _as_charted(item: Orderable) -> Orderable:
    """The test named and measured as the chart's LOINC table writes it (when it has it)."""
    from dataclasses import replace

    from emr_desktop.reference.loinc import lab_test

    known = lab_test(item.code)
    return item if known is None else replace(item, name=known.name, unit=known.unit)


def _from_loinc(code: str) -> Orderable | None:
    """A panel member the orderables table does not list, from the LOINC table."""
    from emr_desktop.reference.loinc import lab_test

    known = lab_test(code)
    if known is None:
        return None
    return Orderable(
        code, known.name, "test", (), "", known.unit, known.low, known.high, None, None
    )
