"""The maximum-daily-dose safety check: dose x doses a day against the usual adult maximum.

A dose is converted to the formulary's unit only when the conversion is certain: mass
units (g, mg, mcg) directly, tablets and other single units through a strength such as
"500 mg" or "5 mg/325 mg", millilitres through "160 mg/5 mL". Anything else (units of
insulin, puffs, patches, a frequency like "as directed") is not checked rather than
guessed at. Prescriptions of the batch containing the same ingredient are added up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Final

from emr_desktop.domain.chart import PrescriptionRow
from emr_desktop.domain.prescribing import SafetyAlert, SafetyContext
from emr_desktop.reference.drugs import Drug, formulary, normalize_term
from emr_desktop.services.common.safe_writing import format_number
from emr_desktop.services.common.sig_words import DOSES_PER_DAY, unit_words
from emr_desktop.services.prescribing.alerts import formulary_drug

__all__ = ["check_max_daily_dose", "daily_amounts", "doses_per_day", "per_dose_mg"]

_MG: Final[dict[str, Decimal]] = {"g": Decimal(1000), "mg": Decimal(1), "mcg": Decimal("0.001")}
# Dose units that are one whole product unit, whose strength is per unit.
_COUNTED: Final = frozenset({"tablet", "capsule", "suppository", "lozenge", "film", "packet"})
_MASS = re.compile(r"(\d+(?:\.\d+)?)\s*(mcg|mg|g)")
_VOLUME = re.compile(r"(\d+(?:\.\d+)?)?\s*ml")
_PER_VOLUME = re.compile(r"(.+?)\s+per\s+(\d+(?:\.\d+)?)\s*ml")
# The maximum of these ingredients is for the total from every product containing them
# (FDA 2011: acetaminophen, 4 g a day, counting combination products), so a combination
# product is checked against the single-ingredient maximum too.
_TOTAL_EXPOSURE: Final = frozenset({"acetaminophen"})
_TIMES_PER = re.compile(r"(\d+) times? per (day|week)")


def doses_per_day(frequency: str) -> Decimal | None:
    """Doses a day for a sig frequency, or "N times per day|week"; None if not regular."""
    known = DOSES_PER_DAY.get(frequency)
    if known is not None:
        return known
    match = _TIMES_PER.fullmatch(frequency)
    if match is None:
        return None
    times = Decimal(match.group(1))
    return times if match.group(2) == "day" else times / Decimal(7)


@cache
def _single_limits() -> dict[str, tuple[tuple[frozenset[str], Decimal | None, str], ...]]:
    """Per ingredient: (routes, max in mg, unit shown) of each single-ingredient product."""
    index: dict[str, list[tuple[frozenset[str], Decimal | None, str]]] = {}
    for drug in formulary().all():
        if len(drug.ingredients) == 1:
            index.setdefault(drug.ingredients[0], []).append(
                (frozenset(drug.routes), _limit_mg(drug), drug.max_daily_unit or "mg")
            )
    return {k: tuple(v) for k, v in index.items()}


def _limit_mg(drug: Drug) -> Decimal | None:
    if drug.max_daily_dose is None or drug.max_daily_unit not in _MG:
        return None
    return Decimal(str(drug.max_daily_dose)) * _MG[drug.max_daily_unit]


def _ingredient_limit(ingredient: str, route: str) -> tuple[Decimal, str] | None:
    """The largest maximum of the single-ingredient products given by ``route``.

    None when any of them has no established maximum: unknown is not checked.
    """
    found = [e for e in _single_limits().get(ingredient, ()) if not route or route in e[0]]
    if not found or any(limit is None for _, limit, _ in found):
        return None
    _, limit, unit = max(found, key=lambda e: e[1] or 0)
    return (limit, unit) if limit is not None else None


def _limit(
    drug: Drug | None, ingredient: str, position: int, route: str
) -> tuple[Decimal, str] | None:
    """The daily maximum (mg, unit shown) for one ingredient of a prescription, if known."""
    if drug is not None:
        own = _limit_mg(drug)
        # A combination's maximum is that of its first-listed ingredient (SOURCES.md).
        if own is not None and position == 0 and (not route or route in drug.routes):
            return own, drug.max_daily_unit or "mg"
        if len(drug.ingredients) == 1 or ingredient not in _TOTAL_EXPOSURE:
            return None
    return _ingredient_limit(ingredient, route)


def _strength_mg(strength: str, dose_unit: str) -> tuple[tuple[Decimal, ...], Decimal] | None:
    """(mg of each ingredient, per how much) from a strength; None if it cannot be read.

    "per how much" is 1 for a counted unit, the volume in mL for a liquid.
    """
    text = normalize_term(strength)
    volume: Decimal | None = None
    per = _PER_VOLUME.fullmatch(text)
    if per:
        text, volume = per.group(1), Decimal(per.group(2))
    parts = [p.strip() for p in text.split("/")]
    if volume is None and parts and dose_unit == "mL":
        last = _VOLUME.fullmatch(parts[-1])
        if last is not None:
            volume = Decimal(last.group(1) or 1)
            parts = parts[:-1]
    masses = [_MASS.fullmatch(p) for p in parts]
    if not parts or any(m is None for m in masses):
        return None
    mg = tuple(Decimal(m.group(1)) * _MG[m.group(2)] for m in masses if m is not None)
    if dose_unit == "mL":
        return (mg, volume) if volume else None
    return (mg, Decimal(1)) if dose_unit in _COUNTED else None


def per_dose_mg(
    dose: Decimal, dose_unit: str, strength: str, ingredients: Sequence[str]
) -> dict[str, Decimal]:
    """mg of each ingredient in one dose; empty when the conversion is not certain."""
    if dose_unit in _MG:
        return {ingredients[0]: dose * _MG[dose_unit]} if len(ingredients) == 1 else {}
    read = _strength_mg(strength, dose_unit)
    if read is None or len(read[0]) != len(ingredients):
        return {}
    masses, per = read
    return {i: mass * dose / per for i, mass in zip(ingredients, masses, strict=True)}


@dataclass(frozen=True, slots=True)
class DailyAmount:
    """How much of one ingredient a prescription gives a day, and its maximum if known."""

    prescription: PrescriptionRow
    ingredient: str
    mg: Decimal
    limit: tuple[Decimal, str] | None


def daily_amounts(p: PrescriptionRow) -> list[DailyAmount]:
    """The daily amount of each ingredient of a prescription, where it can be worked out."""
    per_day = doses_per_day(p.frequency)
    try:
        dose = Decimal(p.dose)
    except ArithmeticError:
        return []
    if per_day is None or not dose.is_finite():
        return []
    drug = formulary_drug(p.drug_name)
    if drug is not None:
        ingredients: Sequence[str] = drug.ingredients
    else:
        # Stored ingredients are sorted, so only a single one lines up with a strength.
        ingredients = [normalize_term(i) for i in p.ingredients if i.strip()]
    if not ingredients:
        return []
    amounts = per_dose_mg(dose, p.dose_unit, p.strength, ingredients)
    return [
        DailyAmount(p, i, mg * per_day, _limit(drug, i, list(ingredients).index(i), p.route))
        for i, mg in amounts.items()
    ]


def _shown(mg: Decimal, unit: str) -> str:
    value = (mg / _MG[unit]).quantize(Decimal("0.01"))
    return f"{format_number(value)} {unit}"


def check_max_daily_dose(ctx: SafetyContext) -> list[SafetyAlert]:
    """A major alert (override needed) when a day's dose of an ingredient exceeds its maximum.

    The batch's prescriptions of the same ingredient are added up and compared with the
    lowest maximum among them.
    """
    by_ingredient: dict[str, list[DailyAmount]] = {}
    for p in ctx.prescriptions:
        for amount in daily_amounts(p):
            by_ingredient.setdefault(amount.ingredient, []).append(amount)
    alerts = []
    for ingredient in sorted(by_ingredient):
        group = by_ingredient[ingredient]
        limits = [a.limit for a in group if a.limit is not None]
        if not limits:
            continue
        limit, unit = min(limits, key=lambda lim: lim[0])
        total = sum((a.mg for a in group), Decimal(0))
        if total <= limit:
            continue
        ids = tuple(sorted(a.prescription.id for a in group))
        what = "; ".join(
            f"{a.prescription.drug_name} "
            f"{unit_words(Decimal(a.prescription.dose), a.prescription.dose_unit)} "
            f"{a.prescription.frequency}"
            for a in group
        )
        alerts.append(
            SafetyAlert(
                key=f"max-dose:{ingredient}:{','.join(map(str, ids))}",
                severity="major",
                kind="max-dose",
                message=(
                    f"Dose above the maximum: {_shown(total, unit)} of {ingredient} a day "
                    f"({what}) exceeds the usual adult maximum of {_shown(limit, unit)} a day. "
                    "Lower the dose or frequency, or give the reason for the higher dose."
                ),
                requires_override=True,
                prescription_ids=ids,
            )
        )
    return alerts
