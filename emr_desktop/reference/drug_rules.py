"""Patient-specific prescribing rules: dose limits, kidney function, pregnancy and
lactation, the AGS Beers subset, washout periods and broad duplicate-therapy groups.

Each table of ``resources/reference`` (see SOURCES.md) is read once and validated; a row
names an ``ingredient`` or a ``class`` (the drugs.csv vocabulary), several with ``;``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Literal

from emr_desktop.reference.drugs import (
    formulary,
    normalize_term,
    read_reference_rows,
    reference_file,
    split_cell,
)
from emr_desktop.reference.interactions import DrugFacts

__all__ = [
    "DoseRule",
    "MemberRule",
    "beers_rules",
    "dose_rule",
    "dose_rules",
    "pregnancy_rules",
    "renal_rules",
    "therapy_groups",
    "washout_rules",
]

Kind = Literal["ingredient", "class"]


def _number(value: str, where: str) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"{where}: {value!r} is not a number") from exc
    if not number.is_finite() or number < 0:
        raise ValueError(f"{where}: {value!r} is not a positive number")
    return number


@dataclass(frozen=True, slots=True)
class DoseRule:
    """Dose limits of one formulary product (``dose_rules.csv``), ``unit`` per dose/day.

    ``basis`` is fixed, titrated, topical, weight or unknown; for combinations the limits
    are those of the first-listed ingredient of the generic name.
    """

    generic: str
    basis: str
    max_single: Decimal | None
    max_daily: Decimal | None
    unit: str
    weekly_only: bool
    ped_mg_per_kg_day: Decimal | None
    ped_max_daily_mg: Decimal | None
    ped_min_age_years: Decimal | None
    max_units_per_dose: Decimal | None
    note: str
    source: str


_DOSE_COLUMNS = (
    "generic",
    "basis",
    "max_single",
    "max_daily",
    "unit",
    "weekly_only",
    "ped_mg_per_kg_day",
    "ped_max_daily_mg",
    "ped_min_age_years",
    "max_units_per_dose",
    "note",
    "source",
)
_BASES = frozenset({"fixed", "titrated", "topical", "weight", "unknown"})


@cache
def dose_rules() -> dict[str, DoseRule]:
    """Every dose rule by formulary generic name."""
    path = reference_file("dose_rules.csv")
    rules: dict[str, DoseRule] = {}
    for line, row in read_reference_rows(path, _DOSE_COLUMNS):
        where = f"{path.name}:{line}"
        generic = normalize_term(row["generic"])
        if formulary().get(generic) is None or generic in rules:
            raise ValueError(f"{where}: {generic!r} is not a formulary generic, or repeated")
        if row["basis"] not in _BASES or not row["source"]:
            raise ValueError(f"{where}: unknown basis or blank source")
        rules[generic] = DoseRule(
            generic=generic,
            basis=row["basis"],
            max_single=_number(row["max_single"], where),
            max_daily=_number(row["max_daily"], where),
            unit=row["unit"] or "mg",
            weekly_only=row["weekly_only"].lower() == "yes",
            ped_mg_per_kg_day=_number(row["ped_mg_per_kg_day"], where),
            ped_max_daily_mg=_number(row["ped_max_daily_mg"], where),
            ped_min_age_years=_number(row["ped_min_age_years"], where),
            max_units_per_dose=_number(row["max_units_per_dose"], where),
            note=row["note"],
            source=row["source"],
        )
    return rules


def dose_rule(generic: str) -> DoseRule | None:
    """The dose rule of a formulary generic, or None."""
    return dose_rules().get(normalize_term(generic))


@dataclass(frozen=True, slots=True)
class MemberRule:
    """A row naming ingredients or classes, with its other cells by column name.

    ``values`` holds the table-specific cells (threshold, action, status, days, ...).
    """

    kind: Kind
    names: tuple[str, ...]
    values: tuple[tuple[str, str], ...]
    message: str
    source: str

    def applies(self, facts: DrugFacts) -> bool:
        """True when the drug has one of the rule's ingredients or classes."""
        return bool(facts.members(self.kind).intersection(self.names))

    def get(self, column: str) -> str:
        """One table-specific cell, '' when absent."""
        return dict(self.values).get(column, "")


def _member_rules(
    name: str, kind_col: str, names_col: str, extra: tuple[str, ...]
) -> tuple[MemberRule, ...]:
    path = reference_file(name)
    columns = (kind_col, names_col, *extra, "message", "source")
    rules = []
    for line, row in read_reference_rows(path, columns):
        where = f"{path.name}:{line}"
        kind = row[kind_col]
        names = tuple(normalize_term(n) for n in split_cell(row[names_col]))
        if kind not in ("ingredient", "class") or not names:
            raise ValueError(f"{where}: kind must be ingredient or class, with names")
        if not row["message"] or not row["source"]:
            raise ValueError(f"{where}: blank message or source")
        rules.append(
            MemberRule(
                kind="ingredient" if kind == "ingredient" else "class",
                names=names,
                values=tuple((c, row[c]) for c in extra),
                message=row["message"],
                source=row["source"],
            )
        )
    return tuple(rules)


@cache
def renal_rules() -> tuple[MemberRule, ...]:
    """``renal_rules.csv``: measure (egfr/crcl), below (mL/min), action (avoid/reduce/caution)."""
    rules = _member_rules("renal_rules.csv", "kind", "name", ("measure", "below", "action"))
    for rule in rules:
        _number(rule.get("below"), "renal_rules.csv")
    return rules


@cache
def pregnancy_rules() -> tuple[MemberRule, ...]:
    """``pregnancy_rules.csv``: status (pregnancy/lactation), category (contraindicated/caution)."""
    return _member_rules("pregnancy_rules.csv", "kind", "name", ("status", "category"))


@cache
def beers_rules() -> tuple[MemberRule, ...]:
    """``beers_rules.csv``: condition_icd10_prefix (blank: any patient), recommendation."""
    return _member_rules(
        "beers_rules.csv", "kind", "name", ("condition_icd10_prefix", "recommendation")
    )


@cache
def washout_rules() -> tuple[MemberRule, ...]:
    """``washout_rules.csv``: a stopped drug (kind/name), days, and what it blocks."""
    rules = _member_rules(
        "washout_rules.csv", "kind", "name", ("days", "applies_to_kind", "applies_to")
    )
    for rule in rules:
        _number(rule.get("days"), "washout_rules.csv")
    return rules


def washout_blocks(rule: MemberRule, facts: DrugFacts) -> bool:
    """True when a washout rule's second side (``applies_to``) names the new drug."""
    names = tuple(normalize_term(n) for n in split_cell(rule.get("applies_to")))
    kind: Kind = "ingredient" if rule.get("applies_to_kind") == "ingredient" else "class"
    return bool(facts.members(kind).intersection(names))


@cache
def therapy_groups() -> dict[str, tuple[MemberRule, ...]]:
    """``therapy_groups.csv``: each broad duplicate-therapy group and its member rows."""
    groups: dict[str, list[MemberRule]] = {}
    path = reference_file("therapy_groups.csv")
    for line, row in read_reference_rows(path, ("group", "kind", "name", "message", "source")):
        rule = _member_rules_row(row, f"{path.name}:{line}")
        groups.setdefault(normalize_term(row["group"]), []).append(rule)
    return {g: tuple(rules) for g, rules in groups.items()}


def _member_rules_row(row: dict[str, str], where: str) -> MemberRule:
    names = tuple(normalize_term(n) for n in split_cell(row["name"]))
    if row["kind"] not in ("ingredient", "class") or not names or not row["source"]:
        raise ValueError(f"{where}: bad kind, names or source")
    kind: Kind = "ingredient" if row["kind"] == "ingredient" else "class"
    return MemberRule(kind, names, (), row["message"], row["source"])
