"""Dose checks from ``dose_rules.csv`` for every formulary product: the maximum single
dose, the daily maximum where ``drugs.csv`` has none (``doses.check_max_daily_dose``
covers the rest), weekly-only drugs given more often, a dose that needs more units of
the product than is sensible or a fraction the form cannot give, and children's
mg/kg/day with its absolute cap, from the latest weight.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from emr_desktop.domain.chart import PrescriptionRow
from emr_desktop.domain.prescribing import SafetyAlert, SafetyContext
from emr_desktop.reference.drug_names import resolve_drug
from emr_desktop.reference.drug_rules import DoseRule, dose_rule
from emr_desktop.reference.drugs import Drug
from emr_desktop.services.common.safe_writing import format_number
from emr_desktop.services.prescribing.doses import doses_per_day, per_dose_mg

__all__ = ["ADULT_AGE", "check_dose_rules", "check_pediatric"]

ADULT_AGE: Final = 18
_MG: Final = {"mg": Decimal(1), "mcg": Decimal("0.001"), "g": Decimal(1000)}
_DEFAULT_MAX_UNITS: Final = Decimal(4)
_WEEK: Final = Decimal(1) / Decimal(7)
_SOLID: Final = ("tablet", "capsule")


def _n(value: Decimal) -> str:
    return format_number(value.quantize(Decimal("0.01")).normalize())


def _dose_mg(p: PrescriptionRow, drug: Drug) -> Decimal | None:
    """mg of the first-listed ingredient in one dose (dose_rules' basis), if certain."""
    try:
        dose = Decimal(p.dose)
    except ArithmeticError:
        return None
    if not dose.is_finite():
        return None
    found = per_dose_mg(dose, p.dose_unit, p.strength, drug.ingredients)
    return found.get(drug.ingredients[0])


def _in_rule_unit(mg: Decimal, rule: DoseRule) -> Decimal | None:
    factor = _MG.get(rule.unit)
    return None if factor is None else mg / factor


def _alert(p: PrescriptionRow, what: str, severity: str, kind: str, message: str) -> SafetyAlert:
    return SafetyAlert(
        key=f"{kind}:{what}:rx{p.id}",
        severity=severity,  # type: ignore[arg-type]
        kind=kind,
        message=message,
        requires_override=severity in ("contraindicated", "major"),
        prescription_ids=(p.id,),
    )


def _mass_strengths(drug: Drug) -> list[Decimal]:
    """Single-unit strengths of the first ingredient in mg ("500 mg"; not "160 mg/5 mL")."""
    found = []
    for strength in drug.strengths:
        first = strength.split("/")[0].strip().split()
        if len(first) == 2 and first[1] in _MG and "ml" not in strength.lower():
            try:
                found.append(Decimal(first[0]) * _MG[first[1]])
            except ArithmeticError:
                continue
    return found


def _units_alerts(p: PrescriptionRow, drug: Drug, rule: DoseRule, mg: Decimal) -> list[SafetyAlert]:
    """More units per dose than sensible, or a fraction a capsule cannot give."""
    if p.dose_unit not in _MG or not any(f in _SOLID for f in drug.forms):
        return []
    strengths = _mass_strengths(drug)
    if not strengths:
        return []
    limit = rule.max_units_per_dose or _DEFAULT_MAX_UNITS
    units = mg / max(strengths)
    if units > limit:
        return [
            _alert(
                p,
                drug.generic,
                "major",
                "dose",
                f"{drug.generic} {_n(mg)} mg a dose needs {_n(units)} of the largest "
                f"strength ({_n(max(strengths))} mg), more than {_n(limit)} at a time. "
                "Check the dose and its unit (mg or mcg?).",
            )
        ]
    capsules_only = all("capsule" in f for f in drug.forms if f in _SOLID or "capsule" in f)
    halves = [s / 2 for s in strengths] if not capsules_only else strengths
    if not any((mg / step) == (mg / step).to_integral_value() for step in halves):
        shown = ", ".join(f"{_n(s)} mg" for s in sorted(strengths))
        return [
            _alert(
                p,
                f"fraction:{drug.generic}",
                "minor",
                "dose",
                f"{drug.generic} {_n(mg)} mg cannot be made from the strengths "
                f"({shown}){' without splitting a capsule' if capsules_only else ''}.",
            )
        ]
    return []


def _rule_alerts(p: PrescriptionRow, drug: Drug, rule: DoseRule) -> list[SafetyAlert]:
    mg = _dose_mg(p, drug)
    per_day = doses_per_day(p.frequency)
    alerts = []
    if rule.weekly_only and per_day is not None and per_day > _WEEK:
        alerts.append(
            _alert(
                p,
                drug.generic,
                "contraindicated",
                "dose",
                f"{drug.generic} is given once weekly, not {p.frequency}: daily dosing "
                f"has caused fatal overdoses. {rule.note}",
            )
        )
    if mg is None:
        return alerts
    dose = _in_rule_unit(mg, rule)
    if dose is not None and rule.max_single is not None and dose > rule.max_single:
        alerts.append(
            _alert(
                p,
                f"single:{drug.generic}",
                "major",
                "dose",
                f"{drug.generic} {_n(dose)} {rule.unit} a dose is above the maximum single "
                f"dose of {_n(rule.max_single)} {rule.unit} ({rule.source}).",
            )
        )
    daily = dose * per_day if dose is not None and per_day is not None else None
    own_max = drug.max_daily_dose is not None  # doses.check_max_daily_dose covers it
    if daily is not None and not own_max and rule.max_daily is not None and daily > rule.max_daily:
        weekly = rule.max_single is not None and dose is not None and dose <= rule.max_single
        hint = f" {_n(dose)} {rule.unit} is a weekly or monthly dose." if weekly and dose else ""
        alerts.append(
            _alert(
                p,
                f"daily:{drug.generic}",
                "major",
                "dose",
                f"{drug.generic} {_n(daily)} {rule.unit} a day is above the maximum of "
                f"{_n(rule.max_daily)} {rule.unit} a day ({rule.source}).{hint}",
            )
        )
    return alerts + _units_alerts(p, drug, rule, mg)


def check_dose_rules(ctx: SafetyContext) -> list[SafetyAlert]:
    """Single-dose and daily maxima, weekly-only drugs and unit counts per prescription."""
    alerts = []
    for p in ctx.prescriptions:
        drug = resolve_drug(p.drug_name).drug
        rule = dose_rule(drug.generic) if drug is not None else None
        if drug is not None and rule is not None:
            alerts.extend(_rule_alerts(p, drug, rule))
    return alerts


def check_pediatric(ctx: SafetyContext) -> list[SafetyAlert]:
    """Children: mg/kg/day from the latest weight, with the absolute daily cap."""
    facts = ctx.patient
    if facts is None or facts.age_years >= ADULT_AGE:
        return []
    alerts = []
    for p in ctx.prescriptions:
        drug = resolve_drug(p.drug_name).drug
        rule = dose_rule(drug.generic) if drug is not None else None
        if drug is None or rule is None:
            continue
        age = Decimal(str(round(facts.age_years, 2)))
        if rule.ped_min_age_years is not None and age < rule.ped_min_age_years:
            alerts.append(
                _alert(
                    p,
                    f"age:{drug.generic}",
                    "moderate",
                    "pediatric",
                    f"{drug.generic} is not established below {_n(rule.ped_min_age_years)} "
                    f"years; the patient is {_n(age)} years old ({rule.source}).",
                )
            )
        mg = _dose_mg(p, drug)
        per_day = doses_per_day(p.frequency)
        if mg is None or per_day is None or rule.ped_mg_per_kg_day is None:
            continue
        daily = mg * per_day
        if facts.weight_kg is None:
            alerts.append(
                _alert(
                    p,
                    f"weight:{drug.generic}",
                    "info",
                    "pediatric",
                    f"not checked: no weight on record for the weight-based dose of "
                    f"{drug.generic} ({_n(rule.ped_mg_per_kg_day)} mg/kg/day).",
                )
            )
            continue
        weight = Decimal(str(facts.weight_kg))
        limit = rule.ped_mg_per_kg_day * weight
        if rule.ped_max_daily_mg is not None:
            limit = min(limit, rule.ped_max_daily_mg)
        if daily > limit:
            alerts.append(
                _alert(
                    p,
                    f"mgkg:{drug.generic}",
                    "major",
                    "pediatric",
                    f"{drug.generic} {_n(daily)} mg a day is {_n(daily / weight)} mg/kg/day "
                    f"for {_n(weight)} kg (weighed {facts.weight_date}); the maximum is "
                    f"{_n(rule.ped_mg_per_kg_day)} mg/kg/day, at most {_n(limit)} mg a day "
                    f"({rule.source}).",
                )
            )
    return alerts
