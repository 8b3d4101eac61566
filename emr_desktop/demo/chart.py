"""One demo patient's clinical history: problems, allergies and medications, then years of
visits with vitals that trend, labs that respond to treatment and signed notes.

Rows are queued on the Run (demo_writer) with every column filled exactly as the clinical
services would store it; demo_chart_extras adds immunizations, referrals, prescriptions
and the very long dialysis and anticoagulation charts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from emr_desktop.demo.conditions import (
    CONDITIONS,
    Condition,
    LabPlan,
    MedOption,
)
from emr_desktop.demo.content import ALLERGIES, CROSS_CLASSES
from emr_desktop.demo.writer import (
    Row,
    Run,
    allergy_codes,
    drug_classes,
    drug_ingredients,
    pick,
    ri,
)
from emr_desktop.domain.clinical import Sex

DAY = dt.timedelta(days=1)
_AVOID_WITH_ANTICOAGULANT = frozenset({"nsaid", "antiplatelet", "salicylate"})


@dataclass(slots=True)
class Chosen:
    """A problem on this patient's list."""

    cond: Condition | None
    code: str
    description: str
    onset: dt.date
    resolved: dt.date | None = None

    def active(self, day: dt.date) -> bool:
        """Whether the problem is current on ``day``."""
        return self.onset <= day and (self.resolved is None or day < self.resolved)


@dataclass(slots=True)
class MedUse:
    """A medication-list entry and its queued row (prescriptions link to it later)."""

    option: MedOption
    start: dt.date
    stop: dt.date | None
    row: Row


@dataclass(slots=True)
class Person:
    """What the generator knows about one patient while writing their chart."""

    pid: int
    birth: dt.date
    sex: Sex
    pcp: int
    start: dt.date  # the first day of the chart here
    size: float  # body size relative to average (height and child weight)
    bmi: float
    drift: float  # kg per year
    sbp: float
    pulse: int
    problems: list[Chosen] = field(default_factory=list)
    meds: list[MedUse] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)  # allergy ingredients and classes
    labs: dict[str, tuple[float, float | None, dt.date, LabPlan]] = field(default_factory=dict)
    drawn: dict[str, dt.date] = field(default_factory=dict)
    visits: list[tuple[dt.date, dt.datetime, int]] = field(default_factory=list)

    def age(self, day: dt.date) -> float:
        """Age in years on ``day``."""
        return (day - self.birth).days / 365.25

    def taking(self, ingredient: str, day: dt.date) -> bool:
        """Whether an active medication with this ingredient is taken on ``day``."""
        return any(
            m.option.name == ingredient and m.start <= day and (m.stop is None or day < m.stop)
            for m in self.meds
        )


def local(day: dt.date, hour: int = 10) -> dt.datetime:
    """A naive local time on ``day``."""
    return dt.datetime(day.year, day.month, day.day, hour)


def weekday(day: dt.date) -> dt.date:
    """The nearest clinic weekday (Saturday -> Friday, Sunday -> Monday)."""
    return day - DAY if day.weekday() == 5 else day + DAY if day.weekday() == 6 else day


# ---- problems, allergies, medications ----------------------------------------------------


def choose_problems(run: Run, p: Person) -> None:
    """Chronic conditions by age and sex; onset before or during the chart."""
    rng, today = run.rng, run.today
    age = p.age(today)
    band = 0 if age < 18 else 1 if age < 50 else 2
    labels: set[str] = set()
    for c in CONDITIONS:
        chance = c.prevalence[band] * (c.female_risk if p.sex is Sex.FEMALE else 1.0)
        if (c.sex is not None and c.sex is not p.sex) or c.excludes in labels:
            continue
        if rng.random() >= chance:
            continue
        labels.add(c.label)
        code, description = pick(rng, c.codes)
        earliest = max(
            p.birth + dt.timedelta(days=400 if band == 0 else 6570), p.start - 3650 * DAY
        )
        latest = today - DAY
        if earliest >= latest:
            earliest = latest - DAY
        split = min(max(p.start, earliest), latest)
        if rng.random() < 0.45:
            onset = earliest + dt.timedelta(days=ri(rng, 0, max(0, (split - earliest).days)))
        else:
            onset = split + dt.timedelta(days=ri(rng, 0, max(0, (latest - split).days)))
        resolved = None
        if c.resolves and rng.random() < c.resolves:
            end = onset + dt.timedelta(days=ri(rng, 60, 900))
            resolved = end if end < today else None
        p.problems.append(Chosen(c, code, description, onset, resolved))


def problem_row(run: Run, p: Person, ch: Chosen, by: int) -> None:
    """Queue the problem-list row of ``ch``."""
    recorded = max(ch.onset, p.start)
    run.add(
        "problem",
        {
            "id": run.new_id("problem"),
            "patient_id": p.pid,
            "code": ch.code,
            "code_system": "ICD-10-CM",
            "description": ch.description,
            "onset_date": ch.onset,
            "resolved_date": ch.resolved,
            "status": "resolved" if ch.resolved else "active",
            "note": "",
            "recorded_by_id": by,
            "recorded_at": run.utc(local(recorded, 11)),
            "version": 1,
        },
    )


def choose_allergies(run: Run, p: Person) -> bool:
    """Allergies for about one patient in five; True when "no known allergies" is recorded."""
    rng = run.rng
    r = rng.random()
    if r >= 0.2:
        return r < 0.68  # most of the rest have NKA recorded; the others "not recorded"
    adult = p.age(run.today) >= 18
    pool = [a for a in ALLERGIES if adult or not a.adults_only]
    count = 1 if r < 0.14 else 2 if r < 0.19 else 3
    picked = {a.substance: a for a in rng.choices(pool, [a.weight for a in pool], k=count)}
    for a in picked.values():
        ingredients, classes = (
            allergy_codes(a.substance) if a.category.value == "drug" else ("", "")
        )
        found = {x for x in (ingredients + ";" + classes).split(";") if x}
        p.blocked |= found | {c for x in found for c in CROSS_CLASSES.get(x, ())}
        noted = p.start + dt.timedelta(days=ri(rng, 0, max(0, (run.today - p.start).days - 1)))
        run.add(
            "allergy",
            {
                "id": run.new_id("allergy"),
                "patient_id": p.pid,
                "substance": a.substance,
                "ingredients": ingredients,
                "classes": classes,
                "category": a.category.value,
                "reaction": a.reaction,
                "severity": a.severity.value,
                "status": "active",
                "onset_date": None,
                "recorded_by_id": run.staff.nurse,
                "recorded_at": run.utc(local(noted, 9)),
                "version": 1,
            },
        )
    return False


def allowed(p: Person, m: MedOption, day: dt.date) -> bool:
    """Not allergic, not a duplicate of a current class, not a bleeding risk on anticoagulation."""
    classes = drug_classes(m.name)
    ingredients = set(drug_ingredients(m.name).split(";"))
    current = {
        c for u in p.meds if u.stop is None or u.stop > day for c in drug_classes(u.option.name)
    }
    if classes & p.blocked or ingredients & p.blocked or classes & current:
        return False
    return not ("anticoagulant" in current and classes & _AVOID_WITH_ANTICOAGULANT)


def add_med(
    run: Run, p: Person, m: MedOption, start: dt.date, stop: dt.date | None, why: str = ""
) -> MedUse:
    """Queue a medication-list entry (stopped when ``stop`` has passed)."""
    stopped = stop is not None and stop <= run.today
    reported = m.days is None and run.rng.random() < 0.1
    row = {
        "id": run.new_id("medication"),
        "patient_id": p.pid,
        "drug_name": m.name,
        "rxnorm_code": "",
        "ingredients": drug_ingredients(m.name),
        "strength": m.strength,
        "form": m.form,
        "route": m.route,
        "sig": m.sig,
        "source": "reported" if reported else "prescribed",
        "prescription_id": None,
        "status": "stopped" if stopped else "active",
        "start_date": start,
        "stop_date": stop if stopped else None,
        "stop_reason": why if stopped else "",
        "recorded_by_id": p.pcp,
        "recorded_at": run.utc(local(start, 11)),
        "version": 1,
    }
    run.add("medication", row)
    use = MedUse(m, start, stop, row)
    p.meds.append(use)
    return use


def choose_medications(run: Run, p: Person) -> None:
    """Treatment for each condition: the first line always, add-ons sometimes, a few switches."""
    rng, today = run.rng, run.today
    age = p.age(today)
    order = sorted(
        p.problems, key=lambda ch: ch.cond is None or ch.cond.label != "atrial fibrillation"
    )
    for ch in order:
        if ch.cond is None:
            continue
        for i, slot in enumerate(ch.cond.meds):
            start = min(ch.onset + dt.timedelta(days=ri(rng, 0, 45)), today - DAY)
            options = [m for m in slot if age >= m.min_age and allowed(p, m, start)]
            if not options or (i and rng.random() > 0.35):
                continue
            m = pick(rng, options)
            if ch.resolved is None and len(options) > 1 and rng.random() < 0.1:
                switch = start + dt.timedelta(days=ri(rng, 60, 400))
                if switch < today:
                    why = pick(rng, ("Side effects", "Not effective enough", "Cost"))
                    add_med(run, p, m, start, switch, why)
                    m = pick(rng, [o for o in options if o != m])
                    start = switch
            add_med(run, p, m, start, ch.resolved, "Problem resolved")
