"""Common LOINC codes for vital signs and labs (``resources/reference/loinc.csv``).

Units are UCUM; ``low``/``high`` are typical adult reference limits where one is
standard (a lab's own range, when reported, takes precedence).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, cast

from emr_desktop.reference.drugs import read_reference_rows, reference_file, split_cell

TestKind = Literal["vital", "lab"]
_COLUMNS = ("loinc", "name", "short_name", "kind", "unit", "low", "high", "panel")


@dataclass(frozen=True, slots=True)
class LabTest:
    """A LOINC-coded observation with its unit, typical adult range and panel(s).

    ``panel`` is the primary panel; ``panels`` lists every panel the test belongs to.
    """

    loinc: str
    name: str
    short_name: str
    kind: TestKind
    unit: str
    low: float | None
    high: float | None
    panel: str | None
    panels: tuple[str, ...] = ()

    def flag(self, value: float) -> Literal["L", "H"] | None:
        """ "L" below the reference range, "H" above it, None inside it or without one."""
        if self.low is not None and value < self.low:
            return "L"
        if self.high is not None and value > self.high:
            return "H"
        return None


def _number(value: str, where: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise ValueError(f"{where}: {value!r} is not a number") from exc


def load_lab_tests(path: Path) -> tuple[LabTest, ...]:
    """Read and validate a LOINC CSV (the columns of ``loinc.csv``)."""
    tests: list[LabTest] = []
    for line, row in read_reference_rows(path, _COLUMNS):
        where = f"{path.name}:{line}"
        if row["kind"] not in ("vital", "lab"):
            raise ValueError(f"{where}: kind must be vital or lab")
        panels = split_cell(row["panel"])
        tests.append(
            LabTest(
                loinc=row["loinc"],
                name=row["name"],
                short_name=row["short_name"],
                kind=cast(TestKind, row["kind"]),
                unit=row["unit"],
                low=_number(row["low"], where),
                high=_number(row["high"], where),
                panel=panels[0] if panels else None,
                panels=panels,
            )
        )
    return tuple(tests)


@cache
def lab_tests() -> tuple[LabTest, ...]:
    """The bundled LOINC codes in file order, read once on first use."""
    return load_lab_tests(reference_file("loinc.csv"))


@cache
def _by_code() -> dict[str, LabTest]:
    return {t.loinc: t for t in lab_tests()}


def lab_test(loinc: str) -> LabTest | None:
    """The test with this LOINC code (e.g. "4548-4"), or None."""
    return _by_code().get(loinc.strip())


@cache
def _panels() -> tuple[tuple[str, tuple[LabTest, ...]], ...]:
    grouped: dict[str, list[LabTest]] = {}
    for test in lab_tests():
        for name in test.panels:
            grouped.setdefault(name, []).append(test)
    return tuple((name, tuple(tests)) for name, tests in grouped.items())


def panels() -> dict[str, tuple[LabTest, ...]]:
    """Tests grouped by panel name ("BMP", "CBC", "Lipid panel", ...), in file order."""
    return dict(_panels())
