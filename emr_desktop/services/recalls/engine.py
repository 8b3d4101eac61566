"""Working out what care a patient is due for, from plain facts (no database here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from emr_desktop.domain.orders import RecallKind
from emr_desktop.reference.recall_rules import DoseRule, ScreeningRule

CHILD_SCHEDULE_UNTIL_DAYS = 19 * 365  # the schedule covers ages 18 years or younger
AWV_SERVICE = "service:medicare_awv"


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """What the rules need to know about one patient."""

    patient_id: int
    birth_date: dt.date
    sex: str  # "F", "M" or ""
    problem_codes: tuple[str, ...] = ()  # undotted, upper case
    vaccines: tuple[tuple[str, dt.date], ...] = ()  # (CVX, date given)
    last_done: Mapping[str, dt.date] = field(default_factory=dict)  # measure -> last date


@dataclass(frozen=True, slots=True)
class DueItem:
    """One piece of care due: the recall's kind, rule, words and due date."""

    kind: RecallKind
    rule_id: str
    what: str
    due_on: dt.date


def age_years(birth: dt.date, on: dt.date) -> int:
    """Completed years of age on a day."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def immunizations_due(
    facts: PatientFacts, series: Mapping[str, Sequence[DoseRule]], on: dt.date
) -> list[DueItem]:
    """The next dose of each routine series, by age and doses already given."""
    age = (on - facts.birth_date).days
    if age < 0 or age >= CHILD_SCHEDULE_UNTIL_DAYS:
        return []
    out = []
    for name, doses in series.items():
        codes = {c for d in doses for c in d.cvx_codes}
        given = sorted(day for cvx, day in facts.vaccines if cvx in codes)
        if len(given) >= len(doses):
            continue
        nxt = doses[len(given)]
        if nxt.due_age_days is None:
            continue
        if nxt.max_age_days is not None and age > nxt.max_age_days:
            continue
        due = facts.birth_date + dt.timedelta(days=nxt.due_age_days)
        if given and nxt.min_interval_days:
            due = max(due, given[-1] + dt.timedelta(days=nxt.min_interval_days))
        out.append(
            DueItem(
                RecallKind.IMMUNIZATION, f"imm:{name}:{nxt.dose}", f"{name} dose {nxt.dose}", due
            )
        )
    return out


def _applies(rule: ScreeningRule, facts: PatientFacts, on: dt.date) -> bool:
    age = age_years(facts.birth_date, on)
    if rule.min_age is not None and age < rule.min_age:
        return False
    if rule.max_age is not None and age > rule.max_age:
        return False
    if rule.sex and rule.sex != facts.sex:
        return False
    if rule.prefixes:
        return any(c.startswith(p) for c in facts.problem_codes for p in rule.prefixes)
    return True


def screenings_due(
    facts: PatientFacts, rules: Iterable[ScreeningRule], on: dt.date
) -> list[DueItem]:
    """Each switched-on screening the patient qualifies for: due an interval after it was
    last done, or now if never (a one-time screening only if never done)."""
    out = []
    for rule in rules:
        if not _applies(rule, facts, on):
            continue
        last = facts.last_done.get(rule.measure)
        if last is not None and rule.interval_days is None:
            continue
        due = on if last is None else last + dt.timedelta(days=rule.interval_days or 0)
        kind = RecallKind.WELLNESS if rule.measure == AWV_SERVICE else RecallKind.SCREENING
        out.append(DueItem(kind, rule.rule_id, rule.title, due))
    return out
