"""Template-based SOAP notes for the demo practice: short, varied, about made-up people."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

from emr_desktop.demo.conditions import Acute, Condition, MedOption
from emr_desktop.demo.writer import pick, ri
from emr_desktop.domain.clinical import Sex

# What each appointment type becomes as a visit (encounter.kind).
ENCOUNTER_KIND = {
    "Follow-up": "Office visit",
    "New patient": "New patient visit",
    "Physical": "Annual physical",
    "Sick visit": "Sick visit",
    "Procedure": "Procedure",
    "Telehealth": "Telehealth visit",
}
GENERAL_SAY = (
    "Sleeping well.",
    "Appetite normal.",
    "Walking most days.",
    "Work has been stressful lately.",
    "No new concerns today.",
    "Feels well overall.",
    "Travelled recently without problems.",
    "Drinks alcohol rarely.",
    "Doing yoga twice a week.",
    "Caring for a parent at home.",
    "Busy with grandchildren.",
    "Started a new job.",
)
GENERAL_EXAM = (
    "Alert, in no distress.",
    "Heart regular rate and rhythm.",
    "Lungs clear to auscultation.",
    "Abdomen soft, non-tender.",
    "Skin warm and dry.",
    "Gait normal.",
)
TREATED = ("well controlled", "stable", "at goal", "improving", "stable on current treatment")
UNTREATED = ("newly diagnosed", "not yet at goal", "improving on treatment", "monitoring")
FOLLOW_UP = (
    "Return in 3 months.",
    "Follow up in 6 months, sooner if needed.",
    "Return in 1 year for a physical.",
    "Follow up in 4 to 6 weeks.",
    "Return as needed.",
)
PROCEDURE_NOTES = {
    "Skin tag removal": "Skin tag on the neck removed by snip excision after consent; no bleeding.",
    "Wart cryotherapy": "Liquid nitrogen applied to two plantar warts, two freeze-thaw cycles.",
    "Knee joint injection": "Knee injected with corticosteroid under sterile technique.",
    "Ear wax removal": "Cerumen removed from both ears by irrigation; canals clear afterwards.",
    "Skin biopsy": "Shave biopsy of a pigmented lesion on the back; sent to pathology.",
}
DIALYSIS_SAY = (
    "No cramping during the last session.",
    "Mild fatigue after the last session.",
    "No shortness of breath.",
    "Keeping to the fluid restriction.",
    "Itching improved.",
)
ANTICOAG_SAY = (
    "No bleeding or unusual bruising.",
    "Missed one dose last week.",
    "Diet unchanged.",
    "Eating more leafy greens lately.",
    "No new medications or antibiotics.",
)


def who(birth: dt.date, day: dt.date, sex: Sex) -> str:
    """'34-year-old woman', '8-month-old boy' as a note opens."""
    months = (day.year - birth.year) * 12 + day.month - birth.month - (day.day < birth.day)
    female = sex is Sex.FEMALE
    if months < 24:
        return f"{max(months, 0)}-month-old {'girl' if female else 'boy'}"
    years = months // 12
    noun = ("woman" if female else "man") if years >= 18 else ("girl" if female else "boy")
    return f"{years}-year-old {noun}"


def vitals_line(v: dict[str, Any]) -> str:
    """The vitals as the objective section starts."""
    return (
        f"BP {v['systolic']}/{v['diastolic']}, HR {v['pulse']}, RR {v['respiration']}, "
        f"T {v['temperature_c']:.1f} °C, SpO2 {v['spo2']}%, weight {v['weight_kg']:.1f} kg "
        f"(BMI {v['bmi']:.1f})."
    )


def _why(kind: str, reason: str) -> str:
    if kind == "New patient":
        return "new to the practice, here to establish care"
    if kind == "Physical":
        return "here for a well-child check" if reason.startswith("Well") else "here for a physical"
    if reason.startswith("Follow-up: "):
        return "seen for follow-up of " + reason[11:].replace(", ", " and ")
    return f"seen for {reason[:1].lower()}{reason[1:]}"


Active = tuple[Condition, str, str, bool]  # condition, code, description, treated a while


def office_note(
    rng: random.Random,
    *,
    opening: str,
    kind: str,
    reason: str,
    conditions: Sequence[Active],
    meds: Sequence[MedOption],
    vitals: str,
    acute: Acute | None = None,
) -> tuple[str, str, str, str]:
    """Subjective, objective, assessment and plan of an ordinary visit."""
    shown = conditions[:3]
    say = [f"{opening} {_why(kind, reason)}."]
    if acute is not None:
        say.append(acute.say)
    say += [pick(rng, c.say) for c, _, _, _ in shown if c.say]
    say.append(pick(rng, GENERAL_SAY))
    exam = [vitals] if vitals else ["Video visit; patient at home, appears well."]
    exam += [pick(rng, c.exam) for c, _, _, _ in shown[:2] if c.exam]
    first = ri(rng, 0, len(GENERAL_EXAM) - 2)  # two different findings, in order
    exam += (GENERAL_EXAM[first], GENERAL_EXAM[ri(rng, first + 1, len(GENERAL_EXAM) - 1)])
    lines = []
    if acute is not None:
        lines.append(f"{acute.description} ({acute.code}).")
    if kind == "Procedure":
        lines.append(PROCEDURE_NOTES.get(reason, "Procedure done without complication."))
    for _, code, description, treated in conditions[:4]:
        status = pick(rng, TREATED if treated else UNTREATED)
        lines.append(f"{description} ({code}): {status}.")
    if kind == "Physical" and not lines:
        lines.append("Healthy; preventive care up to date.")
    assessment = "\n".join(f"{i}. {line}" for i, line in enumerate(lines or ["Well."], 1))
    plan = [pick(rng, c.plan) for c, _, _, _ in shown if c.plan]
    if meds:
        plan.append("Continue " + ", ".join(f"{m.name} {m.strength}" for m in meds[:4]) + ".")
    if acute is not None:
        plan.append("Fluids and rest; return if not improving in a week.")
    plan.append(pick(rng, FOLLOW_UP))
    return " ".join(say), " ".join(exam), assessment, " ".join(plan)


def dialysis_note(rng: random.Random, vitals: str) -> tuple[str, str, str, str]:
    """A dialysis session note."""
    return (
        "Hemodialysis session via left arm fistula. " + pick(rng, DIALYSIS_SAY),
        vitals + " Fistula with good thrill and bruit. No edema.",
        "1. End stage renal disease (N18.6) on hemodialysis: stable.",
        "Continue the current dialysis prescription. Next session as scheduled.",
    )


def anticoag_note(rng: random.Random, inr: float, vitals: str) -> tuple[str, str, str, str]:
    """An anticoagulation clinic note around the day's INR."""
    if inr < 2.0:
        where, plan = "below range", "Increase this week's warfarin dose by 10%."
    elif inr > 3.0:
        where, plan = "above range", "Hold one dose, then resume at a 10% lower weekly dose."
    else:
        where, plan = "in range", "Continue the same warfarin dose."
    return (
        "Anticoagulation clinic visit. " + pick(rng, ANTICOAG_SAY),
        f"{vitals} INR {inr:.1f} today.",
        f"1. Unspecified atrial fibrillation (I48.91) on warfarin: INR {where}.",
        f"{plan} Recheck INR in 1 week.",
    )
