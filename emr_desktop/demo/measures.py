"""Measurements in a demo chart: vital signs that drift and respond to treatment, and lab
results that follow each condition's trend, with flags from the reference ranges.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math

from emr_desktop.demo.chart import Person
from emr_desktop.demo.conditions import (
    HDL,
    LDL,
    LDL_DIRECT,
    ROUTINE_LABS,
    TOTAL_CHOLESTEROL,
    TRIGLYCERIDES,
    LabPlan,
)
from emr_desktop.demo.writer import Run, lab, ri
from emr_desktop.domain.clinical import LabFlag, Sex
from emr_desktop.services.chart.observations import bmi

# Growth of an average girl and boy: (age in years, height cm, weight kg).
_GIRL = (
    (0, 50, 3.3),
    (0.5, 66, 7.3),
    (1, 74, 9.2),
    (2, 86, 12),
    (5, 108, 18),
    (10, 138, 32),
    (14, 160, 50),
    (18, 163, 58),
)
_BOY = (
    (0, 50, 3.5),
    (0.5, 68, 7.9),
    (1, 76, 9.8),
    (2, 88, 12.5),
    (5, 110, 18.5),
    (10, 138, 32),
    (14, 164, 53),
    (18, 176, 68),
)


def growth(p: Person, age: float) -> tuple[float, float]:
    """(height cm, weight kg) of a child of this size at ``age``."""
    table = _GIRL if p.sex is Sex.FEMALE else _BOY
    for (a0, h0, w0), (a1, h1, w1) in itertools.pairwise(table):
        if age <= a1:
            f = (age - a0) / (a1 - a0)
            return (h0 + f * (h1 - h0)) * p.size, (w0 + f * (w1 - w0)) * p.size**2
    return table[-1][1] * p.size, table[-1][2] * p.size**2


def measure(run: Run, p: Person, day: dt.date, *, fever: bool = False) -> dict[str, float]:
    """Vital signs on ``day``: weight drifts, blood pressure responds to treatment."""
    rng, age = run.rng, p.age(day)
    years = (day - p.start).days / 365.25
    if age < 18:
        height, weight = growth(p, age)
        weight *= 1 + rng.gauss(0, 0.02)
        sbp = 96 + age * 1.2 + rng.gauss(0, 5)
        pulse = 140 - 4.5 * age if age < 12 else 80
    else:
        height = 176 * p.size if p.sex is Sex.MALE else 163 * p.size
        weight = p.bmi * (height / 100) ** 2 + p.drift * years + rng.gauss(0, 0.6)
        sbp = p.sbp + max(0.0, age - 40) * 0.45 + rng.gauss(0, 6)
        pulse = p.pulse
    weight, height = round(weight, 1), round(height, 1)
    spo2, pain = ri(rng, 96, 99), 0
    for ch in p.problems:
        c = ch.cond
        if c is None or (ch.resolved is not None and day >= ch.resolved):
            continue
        since = (day - ch.onset).days / 365.25
        if c.bp and since > -3:  # creeps up before the diagnosis, treatment takes most away
            sbp += c.bp * ((1 + since / 3) if since < 0 else 0.3 + 0.7 * math.exp(-since / 0.8))
        if since < 0:
            continue
        spo2 += c.spo2
        pain = max(pain, c.pain + ri(rng, -1, 2))
    sbp = round(min(max(sbp, 82), 210))
    return {
        "systolic": sbp,
        "diastolic": round(min(sbp - 25, sbp * 0.62 + rng.gauss(4, 4))),
        "pulse": round(pulse + rng.gauss(0, 6)),
        "respiration": ri(rng, 12, 18) if age >= 12 else ri(rng, 18, 30),
        "temperature_c": round(rng.uniform(37.8, 38.9) if fever else rng.gauss(36.7, 0.2), 1),
        "spo2": min(spo2, 100),
        "weight_kg": weight,
        "height_cm": height,
        "bmi": bmi(weight, height),  # from the stored values, as the vitals service does
        "pain": max(0, min(pain, 10)),
    }


def vitals_row(run: Run, pid: int, enc: int | None, when: dt.datetime, v: dict[str, float]) -> None:
    """Queue a vital-signs row measured at ``when`` (naive UTC)."""
    run.add(
        "vital_signs",
        {
            "id": run.new_id("vital_signs"),
            "patient_id": pid,
            "encounter_id": enc,
            "measured_at": when,
            **v,
            "recorded_by_id": run.staff.nurse,
            "recorded_at": when,
        },
    )


def lab_value(run: Run, p: Person, plan: LabPlan, day: dt.date, start: dt.date) -> float:
    """The patient's value of ``plan`` on ``day``, following its trend from ``start``."""
    rng = run.rng
    state = p.labs.get(plan.loinc)
    if state is None:
        goal = rng.uniform(*plan.goal) if plan.goal else None
        state = (rng.uniform(*plan.start), goal, start, plan)
        p.labs[plan.loinc] = state
    base, goal, t0, own = state
    years = max(0.0, (day - t0).days / 365.25)
    value = base + own.slope * years
    if goal is not None:
        value = goal + (value - goal) * math.exp(-years / own.tau)
    return round(max(value + rng.gauss(0, own.sd), 0.1**own.places), own.places)


def lab_row(run: Run, pid: int, loinc: str, value: float, when: dt.datetime) -> None:
    """Queue a lab result collected at ``when`` (naive UTC); flag from the reference range."""
    test = lab(loinc)
    low, high = test.low, test.high
    flag = LabFlag.LOW if low is not None and value < low else LabFlag.NORMAL
    if high is not None and value > high:
        flag = LabFlag.HIGH
    resulted: dt.datetime | None = when + dt.timedelta(hours=ri(run.rng, 4, 30))
    if resulted is not None and resulted > run.now_utc:
        resulted = None  # still pending
    run.add(
        "lab_result",
        {
            "id": run.new_id("lab_result"),
            "patient_id": pid,
            "loinc": loinc,
            "name": test.name,
            "value": value,
            "value_text": "",
            "unit": test.unit,
            "ref_low": low,
            "ref_high": high,
            "ref_text": "",
            "flag": flag.value,
            "collected_at": when,
            "resulted_at": resulted,
            "recorded_by_id": run.staff.nurse,
            "recorded_at": resulted or when,
        },
    )


def due_plans(p: Person, day: dt.date, physical: bool) -> list[tuple[LabPlan, dt.date]]:
    """The lab plans of the patient's current conditions (and routine labs at a physical)."""
    plans: list[tuple[LabPlan, dt.date]] = []
    for ch in p.problems:
        if ch.cond is not None and ch.cond.labs and ch.active(day):
            plans += [(plan, ch.onset) for plan in ch.cond.labs]
    if physical and p.age(day) >= 18:
        plans += [(plan, p.start) for plan in ROUTINE_LABS]
    return plans


def draw_labs(
    run: Run, p: Person, day: dt.date, when: dt.datetime, plans: list[tuple[LabPlan, dt.date]]
) -> dict[str, float]:
    """Draw whichever of ``plans`` are due on ``day``; the values by LOINC code."""
    values: dict[str, float] = {}
    for plan, since in plans:
        last = p.drawn.get(plan.loinc)
        if plan.loinc in values or (last is not None and (day - last).days < plan.every - 20):
            continue
        if plan.needs and not p.taking(plan.needs, day):
            continue
        values[plan.loinc] = lab_value(run, p, plan, day, since)
        p.drawn[plan.loinc] = day
    if LDL in values and HDL in values and TRIGLYCERIDES in values:
        ldl, triglycerides = values[LDL], values[TRIGLYCERIDES]
        values[TOTAL_CHOLESTEROL] = round(ldl + values[HDL] + triglycerides / 5)
        if triglycerides > 400:  # too high for the Friedewald calculation: measured directly
            values[LDL_DIRECT] = values.pop(LDL)
    for loinc, value in values.items():
        lab_row(run, p.pid, loinc, value, when)
    return values
