"""Visits in a demo chart: when they happen, which appointment slot they took, and the
signed (or, now and then, draft) note with its vitals and labs.
"""

from __future__ import annotations

import datetime as dt

from emr_desktop.demo.chart import (
    DAY,
    Chosen,
    Person,
    add_med,
    allowed,
    problem_row,
    weekday,
)
from emr_desktop.demo.conditions import ACUTE, Acute
from emr_desktop.demo.content import ADDENDA
from emr_desktop.demo.measures import draw_labs, due_plans, measure, vitals_row
from emr_desktop.demo.notes import ENCOUNTER_KIND, office_note, vitals_line, who
from emr_desktop.demo.schedule import (
    KIND_MINUTES,
    PROCEDURES,
    WINDOW_DAYS,
    SlotBook,
    add_appointment,
    slot_time,
)
from emr_desktop.demo.writer import Run, pick, ri
from emr_desktop.domain.clinical import AppointmentStatus, NoteStatus


def visit_count(run: Run) -> int:
    """Mostly 3 to 15 visits; a few with none, some with up to 40."""
    r = run.rng.random()
    if r < 0.04:
        return 0
    if r < 0.12:
        return ri(run.rng, 1, 2)
    return ri(run.rng, 3, 15) if r < 0.85 else ri(run.rng, 16, 40)


def encounter_row(
    run: Run,
    p: Person,
    doc: int,
    appt: int | None,
    start: dt.datetime,
    kind: str,
    reason: str,
    soap: tuple[str, str, str, str],
    *,
    draft: bool,
    label: str = "",
) -> tuple[int, dt.datetime | None]:
    """Queue a visit with its note; signed a little after the visit unless ``draft``."""
    rng, when = run.rng, run.utc(start)
    signed = None
    if not draft:
        signed = min(
            when + dt.timedelta(minutes=KIND_MINUTES[kind] + ri(rng, 10, 240)), run.now_utc
        )
    eid = run.new_id("encounter")
    s, o, a, pl = soap
    run.add(
        "encounter",
        {
            "id": eid,
            "patient_id": p.pid,
            "provider_id": doc,
            "appointment_id": appt,
            "occurred_at": when,
            "kind": label or ENCOUNTER_KIND[kind],
            "reason": reason[:300],
            "subjective": s,
            "objective": o,
            "assessment": "" if draft and rng.random() < 0.5 else a,
            "plan": "" if draft else pl,
            "status": (NoteStatus.DRAFT if draft else NoteStatus.SIGNED).value,
            "signed_by_id": None if draft else doc,
            "signed_at": signed,
            "created_by_id": doc,
            "created_at": when,
            "updated_at": signed or min(when + dt.timedelta(minutes=20), run.now_utc),
            "version": 1 if draft else 2,
        },
    )
    if signed is not None and rng.random() < 0.015:
        added = min(signed + dt.timedelta(days=ri(rng, 1, 10)), run.now_utc)
        run.add(
            "addendum",
            {
                "id": run.new_id("addendum"),
                "encounter_id": eid,
                "author_id": doc,
                "created_at": added,
                "text": pick(rng, ADDENDA),
            },
        )
    return eid, signed


def place(
    run: Run, book: SlotBook, p: Person, doc: int, day: dt.date, kind: str, reason: str
) -> tuple[int, dt.datetime, int | None]:
    """(provider, local start, appointment id): a booked slot for recent visits, else a time."""
    rng, n = run.rng, KIND_MINUTES[kind] // 15
    if (run.today - day).days <= WINDOW_DAYS:
        for provider in (doc, pick(rng, run.staff.physicians)):
            slot = book.take(provider, day, n, rng)
            if slot is not None:
                start = slot_time(day, slot)
                booked = start - dt.timedelta(days=ri(rng, 1, 40), hours=ri(rng, 0, 8))
                if rng.random() < 0.05:  # an earlier booking the patient missed or cancelled
                    missed = weekday(day - dt.timedelta(days=ri(rng, 5, 20)))
                    gone = book.take(provider, missed, n, rng)
                    if gone is not None:
                        status = pick(rng, (AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED))
                        was = slot_time(missed, gone)
                        add_appointment(
                            run,
                            patient_id=p.pid,
                            provider_id=provider,
                            start=was,
                            kind=kind,
                            reason=reason,
                            status=status,
                            booked_at=was - dt.timedelta(days=ri(rng, 1, 30)),
                        )
                aid = add_appointment(
                    run,
                    patient_id=p.pid,
                    provider_id=provider,
                    start=start,
                    kind=kind,
                    reason=reason,
                    status=AppointmentStatus.COMPLETED,
                    booked_at=booked,
                )
                return provider, start, aid
    slot = rng.randrange(16 - n + 1) if rng.random() < 0.5 else rng.randrange(20, 37 - n)
    return doc, slot_time(day, slot), None


def follow_up_reason(p: Person, day: dt.date) -> str:
    """What the front desk types for a follow-up: a plain visit kind, never the patient's
    diagnoses (the receptionist sees reasons on tooltips and the day sheet)."""
    del p, day  # kept for the callers; the chart is not the desk's to quote
    return "Follow-up visit"


def visits(run: Run, book: SlotBook, p: Person) -> None:
    """Years of visits, each with vitals, labs that are due and a signed note."""
    rng, docs = run.rng, run.staff.physicians
    last_day = run.today - DAY
    span = (last_day - p.start).days
    n = visit_count(run)
    if span < 0 or n == 0:
        return
    days = sorted(
        {
            weekday(p.start + dt.timedelta(days=d))
            for d in rng.sample(range(span + 1), min(n, span + 1))
        }
    )
    days = [d for d in days if p.start <= d <= last_day]
    draft_last = rng.random() < 0.02
    last_physical = p.start - 400 * DAY
    for i, day in enumerate(days):
        age, acute, r = p.age(day), None, rng.random()
        if i == 0:
            kind = "Physical" if p.start <= p.birth + 30 * DAY else "New patient"
        elif (day - last_physical).days > 330 and rng.random() < 0.3:
            kind = "Physical"
        elif r < 0.2:
            kind = "Sick visit"
        elif r < 0.3 and day.year >= 2020:
            kind = "Telehealth"
        elif r < 0.34:
            kind = "Procedure"
        else:
            kind = "Follow-up"
        if kind == "Sick visit":
            pool = [a for a in ACUTE if (a.adults if age >= 18 else a.children)]
            acute = pick(rng, pool)
            reason = acute.reason
        elif kind == "Physical":
            last_physical = day
            reason = "Annual physical" if age >= 18 else "Well-child check"
        elif kind == "New patient":
            reason = "New patient: establish care"
        elif kind == "Procedure":
            reason = pick(rng, PROCEDURES)
        else:
            reason = follow_up_reason(p, day)
        doc = p.pcp if rng.random() < 0.85 else pick(rng, docs)
        doc, start, appt = place(run, book, p, doc, day, kind, reason)
        one_visit(
            run, p, doc, appt, start, kind, reason, acute, draft=draft_last and i == len(days) - 1
        )


def one_visit(
    run: Run,
    p: Person,
    doc: int,
    appt: int | None,
    start: dt.datetime,
    kind: str,
    reason: str,
    acute: Acute | None,
    *,
    draft: bool = False,
    labs: bool = True,
) -> int:
    """Queue one visit: the acute problem and its treatment, vitals, labs and the note."""
    rng, day = run.rng, start.date()
    when = run.utc(start)
    if acute is not None and rng.random() < 0.6:
        ended = day + dt.timedelta(days=ri(rng, 7, 21))
        ch = Chosen(None, acute.code, acute.description, day, ended if ended < run.today else None)
        problem_row(run, p, ch, doc)
        course = [m for m in acute.meds if p.age(day) >= m.min_age and allowed(p, m, day)]
        if course:
            m = course[0]
            add_med(run, p, m, day, day + dt.timedelta(days=m.days or 7), "Course completed")
    vitals = ""
    v: dict[str, float] = {}
    if kind != "Telehealth":
        v = measure(run, p, day, fever=acute is not None and acute.fever and rng.random() < 0.6)
        vitals = vitals_line(v)
    active = [
        (ch.cond, ch.code, ch.description, (day - ch.onset).days > 180)
        for ch in p.problems
        if ch.cond is not None and ch.active(day)
    ]
    meds = [
        u.option
        for u in p.meds
        if u.option.days is None and u.start <= day and (u.stop is None or day < u.stop)
    ]
    soap = office_note(
        rng,
        opening=who(p.birth, day, p.sex).capitalize(),
        kind=kind,
        reason=reason,
        conditions=active,
        meds=meds,
        vitals=vitals,
        acute=acute,
    )
    eid, _ = encounter_row(run, p, doc, appt, start, kind, reason, soap, draft=draft)
    if v:
        vitals_row(run, p.pid, eid, min(when + dt.timedelta(minutes=5), run.now_utc), v)
        drawn = when + dt.timedelta(minutes=25)
        if labs and drawn <= run.now_utc:
            draw_labs(run, p, day, drawn, due_plans(p, day, kind == "Physical"))
    p.visits.append((day, start, doc))
    return eid
