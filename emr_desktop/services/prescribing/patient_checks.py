"""Safety checks that depend on the patient, not only on the drugs: kidney function,
pregnancy and lactation, older age (a cited AGS Beers subset) and washout periods after
a stopped drug. Each reads ``SafetyContext.patient`` and says nothing without it.

Rule tables: ``reference.drug_rules`` (renal_rules, pregnancy_rules, beers_rules,
washout_rules in ``resources/reference``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from emr_desktop.domain.prescribing import LabValue, PatientFacts, SafetyAlert, SafetyContext
from emr_desktop.domain.prescribing import Severity as AlertSeverity
from emr_desktop.reference.drug_rules import (
    MemberRule,
    beers_rules,
    pregnancy_rules,
    renal_rules,
    washout_blocks,
    washout_rules,
)
from emr_desktop.services.prescribing.alerts import Item, drug_facts, items_of, prescription_ids_of

__all__ = [
    "GERIATRIC_AGE",
    "check_geriatric",
    "check_pregnancy",
    "check_renal",
    "check_washout",
    "is_lactating",
    "is_pregnant",
]

GERIATRIC_AGE: Final = 65
_RENAL_SEVERITY: Final[dict[str, AlertSeverity]] = {
    "avoid": "major",
    "reduce": "moderate",
    "caution": "minor",
}
_RANK: Final = {"contraindicated": 0, "major": 1, "moderate": 2, "minor": 3, "info": 4}
_MEASURE_WORDS: Final = {"egfr": "eGFR", "crcl": "creatinine clearance"}
# ICD-10-CM: Z33.1 pregnant state, incidental; Z34 supervision of normal pregnancy;
# O09 supervision of high-risk pregnancy; O00-O9A pregnancy, childbirth and the
# puerperium. Z39.1 care and examination of a lactating mother; O92.7 other disorders
# of lactation.
_PREGNANCY_CODES: Final = ("Z33.1", "Z34", "O")
_LACTATION_CODES: Final = ("Z39.1", "O92.7")


def _alert(
    key: str, severity: AlertSeverity, kind: str, message: str, rx: Item, *, override: bool
) -> SafetyAlert:
    return SafetyAlert(
        key=key,
        severity=severity,
        kind=kind,
        message=message,
        requires_override=override,
        prescription_ids=prescription_ids_of([rx]),
    )


# --- kidney function ------------------------------------------------------------------


def _lab_for(facts: PatientFacts, measure: str) -> tuple[LabValue, str] | None:
    """The lab for a rule's measure, else the other one (said so in the message)."""
    own = facts.crcl if measure == "crcl" else facts.egfr
    if own is not None:
        return own, measure
    other = "egfr" if measure == "crcl" else "crcl"
    found = facts.egfr if other == "egfr" else facts.crcl
    return (found, other) if found is not None else None


def check_renal(ctx: SafetyContext) -> list[SafetyAlert]:
    """Drugs to avoid or reduce below a kidney-function threshold, from the latest lab.

    One alert per prescription: the most severe rule that applies, quoting the value,
    its date and the rule's threshold.
    """
    facts = ctx.patient
    if facts is None or (facts.egfr is None and facts.crcl is None):
        return []
    batch, _ = items_of(ctx)
    alerts = []
    for rx in batch:
        hits = []
        for rule in renal_rules():
            found = _lab_for(facts, rule.get("measure")) if rule.applies(rx.facts) else None
            if found is None or found[0].value >= float(rule.get("below")):
                continue
            severity = _RENAL_SEVERITY.get(rule.get("action"), "moderate")
            hits.append((_RANK[severity], float(rule.get("below")), severity, rule, found))
        if not hits:
            continue
        _, below, severity, rule, (lab, measure) = min(hits, key=lambda h: (h[0], h[1]))
        what = _MEASURE_WORDS[measure]
        alerts.append(
            _alert(
                f"renal:{rx.ref}:{'/'.join(rule.names)}:{rule.get('measure')}:{below:g}",
                severity,
                "renal",
                f"{rx.name}: latest {what} {lab.value:g} {lab.unit or 'mL/min'} on "
                f"{lab.collected.isoformat()} is below {below:g} "
                f"({rule.get('action')}). {rule.message}",
                rx,
                override=severity == "major",
            )
        )
    return alerts


# --- pregnancy and lactation ------------------------------------------------------------


def _has_code(facts: PatientFacts, prefixes: tuple[str, ...]) -> bool:
    return any(code.startswith(prefixes) for code, _ in facts.problems)


def is_pregnant(facts: PatientFacts) -> bool:
    """True when an active problem says pregnancy (ICD-10-CM Z33.1, Z34, O codes)."""
    if facts.sex == "male":
        return False
    worded = any("pregnan" in text.lower() for _, text in facts.problems)
    return _has_code(facts, _PREGNANCY_CODES) or worded


def is_lactating(facts: PatientFacts) -> bool:
    """True when an active problem says breastfeeding (ICD-10-CM Z39.1, O92.7)."""
    if facts.sex == "male":
        return False
    words = ("breastfeed", "breast-feed", "lactat")
    worded = any(w in text.lower() for _, text in facts.problems for w in words)
    return _has_code(facts, _LACTATION_CODES) or worded


def check_pregnancy(ctx: SafetyContext) -> list[SafetyAlert]:
    """Contraindicated (override) or caution drugs in pregnancy and in breastfeeding."""
    facts = ctx.patient
    if facts is None:
        return []
    states = [
        state
        for state, on in (("pregnancy", is_pregnant(facts)), ("lactation", is_lactating(facts)))
        if on
    ]
    batch, _ = items_of(ctx)
    alerts = []
    for rx in batch:
        for state in states:
            rules = [
                r for r in pregnancy_rules() if r.get("status") == state and r.applies(rx.facts)
            ]
            if not rules:
                continue
            rule = min(rules, key=lambda r: r.get("category") != "contraindicated")
            severe = rule.get("category") == "contraindicated"
            label = "pregnancy" if state == "pregnancy" else "breastfeeding"
            alerts.append(
                _alert(
                    f"pregnancy:{rx.ref}:{state}:{'/'.join(rule.names)}",
                    "contraindicated" if severe else "moderate",
                    "pregnancy",
                    f"{rx.name} in {label} ({rule.get('category')}, the problem list "
                    f"records {label}). {rule.message}",
                    rx,
                    override=severe,
                )
            )
    return alerts


# --- older adults ---------------------------------------------------------------------------


def _beers_applies(rule: MemberRule, facts: PatientFacts) -> bool:
    prefix = rule.get("condition_icd10_prefix").upper()
    return not prefix or any(code.startswith(prefix) for code, _ in facts.problems)


def check_geriatric(ctx: SafetyContext) -> list[SafetyAlert]:
    """AGS Beers Criteria 2023 (cited subset) for patients aged 65 and over."""
    facts = ctx.patient
    if facts is None or facts.age_years < GERIATRIC_AGE:
        return []
    batch, _ = items_of(ctx)
    alerts = []
    for rx in batch:
        rules = [r for r in beers_rules() if r.applies(rx.facts) and _beers_applies(r, facts)]
        for rule in rules:
            prefix = rule.get("condition_icd10_prefix")
            avoid = rule.get("recommendation") == "avoid"
            about = f" with {prefix} on the problem list" if prefix else ""
            alerts.append(
                _alert(
                    f"geriatric:{rx.ref}:{'/'.join(rule.names)}:{prefix}",
                    "moderate" if avoid else "minor",
                    "geriatric",
                    f"{rx.name}, age {int(facts.age_years)}{about}: Beers Criteria "
                    f"{rule.get('recommendation')}. {rule.message}",
                    rx,
                    override=False,
                )
            )
    return alerts


# --- washout ----------------------------------------------------------------------------------


def check_washout(ctx: SafetyContext) -> list[SafetyAlert]:
    """A new drug started too soon after stopping one it must not follow (MAO inhibitors
    14 days, fluoxetine 5 weeks, ...), from the medication list's stop dates."""
    facts = ctx.patient
    if facts is None or not facts.stopped:
        return []
    batch, _ = items_of(ctx)
    alerts = []
    for rx in batch:
        for med in facts.stopped:
            if med.stop_date is None:
                continue
            before = drug_facts(med.drug_name, med.ingredients)
            since = (facts.today - med.stop_date).days
            for rule in washout_rules():
                days = Decimal(rule.get("days"))
                if since >= days or not rule.applies(before) or not washout_blocks(rule, rx.facts):
                    continue
                maoi = "mao inhibitor" in before.classes | rx.facts.classes
                alerts.append(
                    _alert(
                        f"washout:{rx.ref}:med{med.id}:{'/'.join(rule.names)}",
                        "contraindicated" if maoi else "major",
                        "washout",
                        f"{rx.name} {since} day{'s' if since != 1 else ''} after stopping "
                        f"{med.drug_name} (stopped {med.stop_date.isoformat()}); wait "
                        f"{days:g} days. {rule.message}",
                        rx,
                        override=True,
                    )
                )
                break
    return alerts
