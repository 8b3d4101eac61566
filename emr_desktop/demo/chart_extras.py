"""The rest of a demo chart: immunizations (CVX), referrals, signed prescriptions, the very
long dialysis and anticoagulation charts, and the visits of today's booked patients.
"""

from __future__ import annotations

import datetime as dt

from emr_desktop.demo.chart import DAY, Chosen, Person, add_med, local, problem_row
from emr_desktop.demo.conditions import (
    ANTICOAG_CODES,
    BY_LABEL,
    DIALYSIS_CODES,
    DIALYSIS_LABS,
    INR,
    MEDS,
    LabPlan,
)
from emr_desktop.demo.content import LOT_LETTERS, REFERRAL_QUESTIONS, SPECIALISTS
from emr_desktop.demo.measures import (
    draw_labs,
    lab_row,
    lab_value,
    measure,
    vitals_row,
)
from emr_desktop.demo.notes import anticoag_note, dialysis_note, vitals_line
from emr_desktop.demo.schedule import Booked, SlotBook
from emr_desktop.demo.visits import encounter_row, one_visit, place
from emr_desktop.demo.writer import Run, drug_ingredients, pick, ri, vaccine_name
from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.services.chart.observations import bmi

# CVX code (or a placeholder resolved by date) and the ages in days doses are due.
CHILDHOOD = (
    ("08", (0, 30, 180)),
    ("20", (61, 122, 183, 456, 1461)),
    ("10", (61, 122, 183, 1461)),
    ("48", (61, 122, 365)),
    ("PCV", (61, 122, 183, 365)),
    ("116", (61, 122, 183)),
    ("03", (365, 1461)),
    ("21", (365, 1461)),
    ("83", (365, 548)),
    ("115", (4018,)),
    ("MEN", (4018, 5844)),
    ("165", (4018, 4200)),
)
_INR_PLAN = LabPlan(INR, (2.0, 3.0), sd=0.45, every=1)


def _flu(year: int, age: float) -> str:
    if age >= 65:
        return "135" if year < 2020 or year >= 2024 else "197"
    if year < 2013:
        return "141"
    return ("150", "158")[year % 2] if year < 2024 else "140"


def _resolve(code: str, day: dt.date) -> str:
    if code == "PCV":
        return "133" if day.year < 2023 else "215"
    if code == "MEN":
        return "114" if day.year < 2021 else "203"
    return code


def _birthday(p: Person, years: int) -> dt.date:
    return p.birth + dt.timedelta(days=round(years * 365.25))


def immunizations(run: Run, p: Person) -> None:
    """Childhood series, yearly influenza, Tdap, zoster, pneumococcal and COVID-19 doses."""
    rng, today = run.rng, run.today
    doses: list[tuple[str, dt.date]] = []
    if p.start <= p.birth + 60 * DAY:
        for code, ages in CHILDHOOD:
            for days in ages:
                day = p.birth + dt.timedelta(days=days + ri(rng, 0, 20))
                if day < today and rng.random() < 0.95:
                    doses.append((_resolve(code, day), day))
    for year in range(max(p.start.year, p.birth.year), today.year + 1):
        day = dt.date(year, 9, 15) + dt.timedelta(days=ri(rng, 0, 75))
        age = p.age(day)
        chance = 0.75 if age >= 65 else 0.55 if age >= 50 else 0.4
        if p.start <= day < today and age >= 0.5 and rng.random() < chance:
            doses.append((_flu(year, age), day))
    adult_from = max(p.start, _birthday(p, 19))
    if adult_from < today and rng.random() < 0.5:
        doses.append(
            ("115", adult_from + dt.timedelta(days=ri(rng, 0, (today - adult_from).days - 1)))
        )
    fifty = max(p.start, _birthday(p, 50), dt.date(2018, 6, 1))  # the recombinant vaccine
    if fifty < today and rng.random() < 0.4:
        first = fifty + dt.timedelta(days=ri(rng, 0, min(900, (today - fifty).days - 1)))
        doses += [("187", first), ("187", first + dt.timedelta(days=ri(rng, 60, 180)))]
    senior = max(p.start, _birthday(p, 65))
    if senior < today and rng.random() < 0.6:
        day = senior + dt.timedelta(days=ri(rng, 0, 400))
        if day.year < 2022:
            doses += [("133", day), ("33", day + dt.timedelta(days=365))]
        else:
            doses.append(("216", day))
    if p.age(dt.date(2021, 3, 1)) >= 12 and p.start <= dt.date(2021, 6, 1) and rng.random() < 0.7:
        first = dt.date(2021, 3, 1) + dt.timedelta(days=ri(rng, 0, 150))
        doses += [("208", first), ("208", first + dt.timedelta(days=21))]
        if rng.random() < 0.45:
            doses.append(("309", dt.date(2023, 9, 20) + dt.timedelta(days=ri(rng, 0, 90))))
    nurse = run.staff.names[run.staff.nurse]
    for code, day in doses:
        if not p.birth <= day < today:
            continue
        route = (
            "Oral" if code == "116" else "Subcutaneous" if code in ("03", "21") else "Intramuscular"
        )
        limb = "thigh" if p.age(day) < 3 else "deltoid"
        lot = "".join(rng.choices(LOT_LETTERS, k=2)) + str(ri(rng, 1000, 9999))
        run.add(
            "immunization",
            {
                "id": run.new_id("immunization"),
                "patient_id": p.pid,
                "cvx": code,
                "vaccine": vaccine_name(code),
                "given_on": day,
                "lot": lot,
                "site": "" if route == "Oral" else f"{pick(rng, ('Left', 'Right'))} {limb}",
                "route": route,
                "given_by": nurse,
                "status": "active",
                "recorded_by_id": run.staff.nurse,
                "recorded_at": run.utc(local(day, 10)),
            },
        )


def referral(run: Run, p: Person) -> None:
    """About one patient in twenty with a specialist problem is referred out."""
    rng = run.rng
    if rng.random() >= 0.06 or not p.visits:
        return
    choices = [ch for ch in p.problems if ch.cond and ch.cond.specialty and ch.active(run.today)]
    if not choices:
        return
    ch = pick(rng, choices)
    assert ch.cond is not None
    to = SPECIALISTS[ch.cond.specialty]
    day, start, doc = pick(rng, p.visits[-6:])
    age = (run.today - day).days
    r = rng.random()
    status = (
        "cancelled"
        if r < 0.05
        else "draft"
        if r < 0.08
        else "completed"
        if age > 120
        else pick(rng, ("sent", "scheduled"))
    )
    run.add(
        "referral",
        {
            "id": run.new_id("referral"),
            "patient_id": p.pid,
            "to_name": to.name,
            "to_specialty": to.specialty,
            "to_organization": to.organization,
            "to_phone": to.phone,
            "to_fax": to.fax,
            "reason": f"{ch.description} ({ch.code})",
            "clinical_question": pick(rng, REFERRAL_QUESTIONS),
            "urgency": "urgent" if rng.random() < 0.12 else "routine",
            "status": status,
            "sent_date": None if status == "draft" else day,
            "referring_provider_id": doc,
            "created_by_id": doc,
            "created_at": run.utc(start + dt.timedelta(minutes=40)),
            "version": 1,
        },
    )


def prescriptions(run: Run, p: Person) -> None:
    """For some patients seen this year: signed renewals of their maintenance medications."""
    rng = run.rng
    if not p.visits or rng.random() >= 0.12:
        return
    day, start, doc = p.visits[-1]
    if (run.today - day).days > 365:
        return
    signed = run.utc(start + dt.timedelta(minutes=35))
    for use in p.meds:
        m = use.option
        current = use.start <= day and (use.stop is None or use.stop > run.today)
        if not current or m.days is not None or use.row["source"] != "prescribed":
            continue
        rx = run.new_id("prescription")
        run.add(
            "prescription",
            {
                "id": rx,
                "patient_id": p.pid,
                "prescriber_id": doc,
                "drug_name": m.name,
                "rxnorm_code": "",
                "ingredients": drug_ingredients(m.name),
                "strength": m.strength,
                "form": m.form,
                "route": m.route,
                "dose": m.dose,
                "dose_unit": m.unit,
                "frequency": m.frequency,
                "duration_days": None,
                "prn": bool(m.prn),
                "prn_indication": m.prn,
                "sig": m.sig,
                "quantity": m.quantity,
                "quantity_unit": m.quantity_unit,
                "refills": 1 if m.prn else 3,
                "dispense_as_written": False,
                "note_to_pharmacist": "",
                "status": "signed",
                "renewal_of_id": None,
                "requested_by_id": None,
                "signed_at": signed,
                "cancel_reason": "",
                "created_by_id": doc,
                "created_at": signed,
                "version": 1,
            },
        )
        use.row["prescription_id"] = rx


def long_chart(run: Run, book: SlotBook, p: Person, kind: str) -> None:
    """700-900 visits: dialysis three times a week, or a weekly anticoagulation clinic."""
    rng = run.rng
    count = ri(rng, 700, 900)
    weekdays = (0, 2, 4) if kind == "dialysis" else (1,)
    days: list[dt.date] = []
    day = run.today - DAY
    while len(days) < count:
        if day.weekday() in weekdays:
            days.append(day)
        day -= DAY
    days.reverse()
    p.start = days[0]
    codes = DIALYSIS_CODES if kind == "dialysis" else ANTICOAG_CODES
    main = BY_LABEL["hypertension" if kind == "dialysis" else "atrial fibrillation"]
    p.problems.append(Chosen(main, *main.codes[0], p.start - 400 * DAY))
    p.problems += [Chosen(None, code, text, p.start) for code, text in codes]
    for ch in p.problems:
        problem_row(run, p, ch, p.pcp)
    if kind == "dialysis":
        add_med(run, p, MEDS["amlodipine 10 mg"], p.start - 400 * DAY, None)
        plans = [(plan, p.start) for plan in DIALYSIS_LABS]
    else:
        add_med(run, p, MEDS["warfarin 5 mg"], p.start - 30 * DAY, None)
        add_med(run, p, MEDS["metoprolol succinate 50 mg"], p.start - 30 * DAY, None)
        plans = []
    appt_kind, reason = (
        ("Procedure", "Hemodialysis session")
        if kind == "dialysis"
        else ("Follow-up", "Anticoagulation clinic: INR check")
    )
    for day in days:
        doc, start, appt = place(run, book, p, p.pcp, day, appt_kind, reason)
        v = measure(run, p, day)
        v["weight_kg"] = round(v["weight_kg"] + rng.uniform(-1.5, 1.5), 1)
        v["bmi"] = bmi(v["weight_kg"], v["height_cm"])
        when = run.utc(start)
        if kind == "dialysis":
            soap = dialysis_note(rng, vitals_line(v))
        else:
            inr = lab_value(run, p, _INR_PLAN, day, p.start)
            soap = anticoag_note(rng, inr, vitals_line(v))
        label = "Dialysis session" if kind == "dialysis" else "Anticoagulation clinic"
        eid, _ = encounter_row(
            run, p, doc, appt, start, appt_kind, reason, soap, draft=False, label=label
        )
        vitals_row(run, p.pid, eid, when + dt.timedelta(minutes=5), v)
        if kind == "dialysis":
            draw_labs(run, p, day, when + dt.timedelta(minutes=10), plans)
        else:
            lab_row(run, p.pid, INR, inr, when + dt.timedelta(minutes=10))
        p.visits.append((day, start, doc))


def today_visit(run: Run, p: Person, b: Booked) -> None:
    """The note (a draft while in the room, mostly signed once done) of a today's patient."""
    done = b.status is AppointmentStatus.COMPLETED
    draft = not done or run.rng.random() < 0.3
    one_visit(
        run,
        p,
        b.provider_id,
        b.appointment_id,
        b.start,
        b.kind,
        b.reason,
        None,
        draft=draft,
        labs=done,
    )
