"""Due-care rules: the CDC child and adolescent schedule
(``immunization_schedule_child.csv``) and cited screening intervals
(``screening_rules.csv``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from emr_desktop.reference.drugs import read_reference_rows, reference_file, split_cell

_DOSE_COLUMNS = (
    "series",
    "cvx_codes",
    "dose",
    "min_age_days",
    "due_age_days",
    "overdue_age_days",
    "max_age_days",
    "min_interval_days",
    "note",
    "source",
)
_SCREEN_COLUMNS = (
    "rule_id",
    "title",
    "applies_icd10_prefixes",
    "sex",
    "min_age_years",
    "max_age_years",
    "loinc_or_service",
    "interval_days",
    "default_on",
    "source",
)


def _int(text: str) -> int | None:
    return int(text) if text else None


@dataclass(frozen=True, slots=True)
class DoseRule:
    """One routine dose of a series: which vaccines count, the recommended age, limits."""

    series: str
    cvx_codes: tuple[str, ...]
    dose: int
    due_age_days: int | None
    overdue_age_days: int | None
    max_age_days: int | None
    min_interval_days: int | None


@dataclass(frozen=True, slots=True)
class ScreeningRule:
    """A screening or monitoring interval for people with a problem, a sex or an age."""

    rule_id: str
    title: str
    prefixes: tuple[str, ...]
    sex: str
    min_age: int | None
    max_age: int | None
    measure: str  # a LOINC code, or "service:..."
    interval_days: int | None  # None: once
    default_on: bool


@cache
def child_series() -> dict[str, tuple[DoseRule, ...]]:
    """The routine series by name, doses in order. Seasonal influenza and the doses the
    schedule marks NOT ROUTINE are left out (they are decided visit by visit)."""
    path = reference_file("immunization_schedule_child.csv")
    found: dict[str, list[DoseRule]] = {}
    for _line, row in read_reference_rows(path, _DOSE_COLUMNS):
        if not row["dose"].isdigit() or "NOT ROUTINE" in row["note"]:
            continue
        if row["series"] == "Influenza":
            continue
        found.setdefault(row["series"], []).append(
            DoseRule(
                row["series"],
                tuple(c.zfill(2) for c in split_cell(row["cvx_codes"])),
                int(row["dose"]),
                _int(row["due_age_days"]),
                _int(row["overdue_age_days"]),
                _int(row["max_age_days"]),
                _int(row["min_interval_days"]),
            )
        )
    return {k: tuple(sorted(v, key=lambda d: d.dose)) for k, v in found.items()}


@cache
def screening_rules() -> tuple[ScreeningRule, ...]:
    """Every screening rule, in file order."""
    path = reference_file("screening_rules.csv")
    return tuple(
        ScreeningRule(
            row["rule_id"],
            row["title"],
            tuple(p.replace(".", "").upper() for p in split_cell(row["applies_icd10_prefixes"])),
            row["sex"].upper(),
            _int(row["min_age_years"]),
            _int(row["max_age_years"]),
            row["loinc_or_service"],
            _int(row["interval_days"]),
            row["default_on"] == "yes",
        )
        for _line, row in read_reference_rows(path, _SCREEN_COLUMNS)
    )
