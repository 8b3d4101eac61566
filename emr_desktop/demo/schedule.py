"""The demo practice's schedule: provider credentials and hours, the monthly staff meeting,
a slot book that keeps every appointment on a 15-minute slot inside its provider's hours,
and the appointments of today (busy) and of the coming eight weeks.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy.orm import Session

from emr_desktop.demo.content import CANCEL_REASONS, ROOMS
from emr_desktop.demo.writer import Run, pick, ri
from emr_desktop.domain.clinical import AppointmentStatus as S
from emr_desktop.domain.schedule import VISIT_TYPES
from emr_desktop.models import BlockedTime, ProviderHours
from emr_desktop.models.practice import ProviderProfile
from emr_desktop.services.common.validation import luhn_digit
from emr_desktop.services.patients.search import fold

SLOT_MIN = 15
SLOTS = 36  # 08:00 to 17:00
FULL = (1 << SLOTS) - 1
LUNCH = sum(1 << i for i in range(16, 20))  # 12:00-13:00
AFTERNOON = sum(1 << i for i in range(16, SLOTS))
MEETING = sum(1 << i for i in range(20, 26))  # 13:00-14:30, the monthly staff meeting
KIND_MINUTES = VISIT_TYPES
_KINDS = tuple(KIND_MINUTES)
_TODAY_WEIGHTS = (40, 10, 14, 16, 8, 12)
_FUTURE_WEIGHTS = (46, 8, 16, 6, 8, 16)
WINDOW_DAYS = 730  # visits in the last two years were booked appointments
FUTURE_DAYS = 56
SATURDAY_DOCTOR = 2  # index into the physicians: drsantos also works Saturday mornings
PROCEDURES = (
    "Skin tag removal",
    "Wart cryotherapy",
    "Knee joint injection",
    "Ear wax removal",
    "Skin biopsy",
)
_COLORS = ("#4E79A7", "#F28E2B", "#59A14F", "#E15759", "#76B7B2", "#B07AA1", "#9C755F")


def npi(rng: random.Random) -> str:
    """A made-up NPI whose check digit is valid (Luhn over the 80840 prefix and 9 digits)."""
    base = str(ri(rng, 100_000_000, 199_999_999))
    return base + luhn_digit("80840" + base)


def dea(rng: random.Random, family_name: str) -> str:
    """A made-up DEA number: registrant letter, surname initial, 6 digits and check digit."""
    d = [ri(rng, 0, 9) for _ in range(6)]
    check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    return pick(rng, "BF") + fold(family_name)[0].upper() + "".join(map(str, d)) + str(check)


def slot_time(day: dt.date, slot: int) -> dt.datetime:
    """The local wall-clock start of ``slot`` on ``day``."""
    return dt.datetime(day.year, day.month, day.day, 8) + dt.timedelta(minutes=SLOT_MIN * slot)


def meeting_days(today: dt.date) -> set[dt.date]:
    """The first Wednesday afternoon of each month (moved a week if it falls today)."""
    out = set()
    year, month = today.year - 3, 1
    while (year, month) <= (today.year + 1, 12):
        first = dt.date(year, month, 1)
        day = first + dt.timedelta(days=(2 - first.weekday()) % 7)
        out.add(day + dt.timedelta(days=7) if day == today else day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


class SlotBook:
    """Which 15-minute slots of which provider-day are taken (a bit mask per day)."""

    def __init__(self, saturday_doctor: int, meetings: set[dt.date]) -> None:
        self._saturday = saturday_doctor
        self._meetings = meetings
        self._taken: dict[tuple[int, int], int] = {}

    def _mask(self, provider: int, day: dt.date) -> int:
        key = (provider, day.toordinal())
        mask = self._taken.get(key)
        if mask is None:
            weekday = day.weekday()
            if weekday < 5:
                mask = LUNCH | (MEETING if day in self._meetings else 0)
            elif weekday == 5 and provider == self._saturday:
                mask = AFTERNOON
            else:
                mask = FULL
            self._taken[key] = mask
        return mask

    def works(self, provider: int, day: dt.date) -> bool:
        """Whether the provider has any hours that day."""
        return self._mask(provider, day) != FULL

    def open_extra(self, provider: int, day: dt.date) -> None:
        """Treat a day off as an ordinary clinic day (today is always a clinic day)."""
        if not self.works(provider, day):
            self._taken[(provider, day.toordinal())] = LUNCH

    def is_free(self, provider: int, day: dt.date, start: int, n: int) -> bool:
        """Whether ``n`` slots from ``start`` are all free (and inside the day)."""
        want = ((1 << n) - 1) << start
        return start + n <= SLOTS and not self._mask(provider, day) & want

    def mark(self, provider: int, day: dt.date, start: int, n: int) -> None:
        """Take ``n`` slots from ``start``."""
        self._taken[(provider, day.toordinal())] = self._mask(provider, day) | (
            ((1 << n) - 1) << start
        )

    def taken(self, provider: int, day: dt.date) -> list[int]:
        """The booked slots of that day (lunch and blocked time excluded)."""
        booked = self._mask(provider, day) & ~LUNCH & ~(MEETING if day in self._meetings else 0)
        return [s for s in range(SLOTS) if booked & (1 << s)]

    def take(self, provider: int, day: dt.date, n: int, rng: random.Random) -> int | None:
        """Take a random free run of ``n`` slots that day; its first slot, or None if full."""
        mask = self._mask(provider, day)
        if mask == FULL:
            return None
        starts = [s for s in range(SLOTS - n + 1) if not mask & (((1 << n) - 1) << s)]
        if not starts:
            return None
        start = pick(rng, starts)
        self.mark(provider, day, start, n)
        return start


def setup_providers(session: Session, run: Run) -> SlotBook:
    """Credentials, weekly hours and the staff meetings; returns the empty slot book."""
    rng, docs = run.rng, run.staff.physicians
    for i, doc in enumerate(docs):
        full = run.staff.names[doc]
        person, _, credential = full.partition(", ")
        session.add(
            ProviderProfile(
                user_id=doc,
                credentials=credential or "MD",
                specialty="Internal Medicine" if i == 3 else "Family Medicine",
                npi=npi(rng),
                dea=dea(rng, person.split()[-1]),
                license_number=f"{credential or 'MD'}{ri(rng, 10_000, 99_999)}",
                license_state="OR",
                scheduled=True,
                color=_COLORS[i % len(_COLORS)],
            )
        )
        for weekday in range(5):
            for start, end in ((8, 12), (13, 17)):
                session.add(
                    ProviderHours(
                        provider_id=doc,
                        weekday=weekday,
                        start_time=dt.time(start),
                        end_time=dt.time(end),
                    )
                )
        if i == SATURDAY_DOCTOR:
            session.add(
                ProviderHours(
                    provider_id=doc, weekday=5, start_time=dt.time(8), end_time=dt.time(12)
                )
            )
    meetings = meeting_days(run.today)
    for day in sorted(meetings):
        session.add(
            BlockedTime(
                provider_id=None,
                start_at=slot_time(day, 20),
                end_at=slot_time(day, 26),
                reason="Staff meeting",
                created_by_id=run.staff.admin,
            )
        )
    saturday = docs[SATURDAY_DOCTOR] if len(docs) > SATURDAY_DOCTOR else -1
    return SlotBook(saturday, meetings)


def add_appointment(
    run: Run,
    *,
    patient_id: int,
    provider_id: int,
    start: dt.datetime,
    kind: str,
    reason: str,
    status: S,
    booked_at: dt.datetime,
    override: str = "",
) -> int:
    """Queue one appointment (timestamps consistent with its status); returns its id."""
    rng, now = run.rng, run.local_now
    minutes = KIND_MINUTES[kind]
    arrived = roomed = completed = None
    if status in (S.ARRIVED, S.IN_ROOM, S.COMPLETED):
        arrived = min(start - dt.timedelta(minutes=ri(rng, 3, 15)), now - dt.timedelta(minutes=1))
        if status is not S.ARRIVED:
            roomed = min(start + dt.timedelta(minutes=ri(rng, 0, 6)), now)
        if status is S.COMPLETED:
            completed = min(start + dt.timedelta(minutes=minutes + ri(rng, 0, 8)), now)
    room = "" if kind == "Telehealth" or arrived is None else pick(rng, ROOMS)
    updated = completed or roomed or arrived or booked_at
    aid = run.new_id("appointment")
    run.add(
        "appointment",
        {
            "id": aid,
            "patient_id": patient_id,
            "provider_id": provider_id,
            "start_at": start,
            "duration_min": minutes,
            "kind": kind,
            "reason": reason,
            "room": room,
            "status": status.value,
            "arrived_at": arrived and run.utc(arrived),
            "roomed_at": roomed and run.utc(roomed),
            "completed_at": completed and run.utc(completed),
            "cancel_reason": pick(rng, CANCEL_REASONS) if status is S.CANCELLED else "",
            "override_reason": override,
            "series_id": None,
            "created_by_id": run.staff.receptionist,
            "created_at": run.utc(booked_at),
            "updated_at": run.utc(updated),
            "version": 1,
        },
    )
    return aid


@dataclass(frozen=True, slots=True)
class Booked:
    """A today's appointment that reached the exam room (it gets a visit note)."""

    appointment_id: int
    patient_id: int
    provider_id: int
    start: dt.datetime
    kind: str
    reason: str
    status: S


def _today_status(run: Run, start: dt.datetime, minutes: int) -> S:
    now, r = run.local_now, run.rng.random()
    if start + dt.timedelta(minutes=minutes) <= now:
        return S.COMPLETED if r < 0.9 else S.NO_SHOW if r < 0.96 else S.CANCELLED
    if start <= now:
        return S.IN_ROOM
    if start - now <= dt.timedelta(minutes=30) and r < 0.6:
        return S.ARRIVED
    return S.CANCELLED if r < 0.03 else S.BOOKED


def fill_day(
    run: Run,
    book: SlotBook,
    day: dt.date,
    choose: PatientPicker,
    *,
    fill: float,
    today: bool,
) -> list[Booked]:
    """Book every physician's ``day`` to about ``fill``; today also gets two double bookings."""
    rng, out = run.rng, []
    weights = _TODAY_WEIGHTS if today else _FUTURE_WEIGHTS
    for index, doc in enumerate(run.staff.physicians):
        extra = ""
        if today and not book.works(doc, day):
            book.open_extra(doc, day)
            extra = "Extra clinic session outside regular hours"
        elif not book.works(doc, day):
            continue
        seen: set[int] = set()
        slot = 0
        while slot < SLOTS:
            if not book.is_free(doc, day, slot, 1) or rng.random() > fill:
                slot += 1
                continue
            kind = rng.choices(_KINDS, weights)[0]
            n = KIND_MINUTES[kind] // SLOT_MIN
            if not book.is_free(doc, day, slot, n):
                kind, n = "Follow-up", 1
            patient, reason = choose(doc, kind, seen)
            if kind == "New patient" and not reason.startswith("New"):
                kind, n = "Follow-up", 1
            book.mark(doc, day, slot, n)
            out += _book(run, doc, day, slot, kind, patient, reason, extra, today)
            slot += n
        if today and index < 2:  # one urgent patient squeezed in on top of a booking
            slot = pick(rng, book.taken(doc, day) or [0])
            patient, _ = choose(doc, "Sick visit", seen)
            why = "Double-booked: same-day sick visit"
            out += _book(run, doc, day, slot, "Sick visit", patient, "Fever and cough", why, today)
    return out


def _book(
    run: Run,
    doc: int,
    day: dt.date,
    slot: int,
    kind: str,
    patient: int,
    reason: str,
    override: str,
    today: bool,
) -> list[Booked]:
    start = slot_time(day, slot)
    if today:
        status = _today_status(run, start, KIND_MINUTES[kind])
    else:
        status = S.CANCELLED if run.rng.random() < 0.03 else S.BOOKED
    booked = run.local_now - dt.timedelta(days=ri(run.rng, 0, 40), hours=ri(run.rng, 1, 9))
    aid = add_appointment(
        run,
        patient_id=patient,
        provider_id=doc,
        start=start,
        kind=kind,
        reason=reason,
        status=status,
        booked_at=booked,
        override=override,
    )
    if status in (S.IN_ROOM, S.COMPLETED):
        return [Booked(aid, patient, doc, start, kind, reason, status)]
    return []


class PatientPicker:
    """Chooses who fills a slot: the provider's own patients first, new patients for intakes."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self.by_doctor: dict[int, list[int]] = {}
        self.new: list[int] = []
        self.reasons: dict[int, str] = {}
        self.everyone: list[int] = []

    def register(self, patient: int, doctor: int, reason: str, *, new: bool) -> None:
        """Make an active patient available for booking."""
        self.by_doctor.setdefault(doctor, []).append(patient)
        self.everyone.append(patient)
        self.reasons[patient] = reason
        if new:
            self.new.append(patient)

    def __call__(self, doctor: int, kind: str, seen: set[int]) -> tuple[int, str]:
        """A patient (not already booked with this doctor that day, if avoidable) and reason."""
        rng = self._rng
        if kind == "New patient" and self.new:
            patient = self.new.pop(rng.randrange(len(self.new)))
            seen.add(patient)
            return patient, "New patient: establish care"
        own = self.by_doctor.get(doctor) or self.everyone
        pool = own if rng.random() < 0.85 else self.everyone
        patient = pick(rng, pool)
        for _ in range(6):
            if patient not in seen:
                break
            patient = pick(rng, pool)
        seen.add(patient)
        if kind == "Physical":
            return patient, "Annual physical"
        if kind == "Sick visit":
            return patient, pick(rng, ("Cough", "Sore throat", "Rash", "Back pain", "Fever"))
        if kind == "Procedure":
            return patient, pick(rng, PROCEDURES)
        return patient, self.reasons.get(patient, "Follow-up")


def schedule_ahead(run: Run, book: SlotBook, choose: PatientPicker) -> list[Booked]:
    """Today nearly full for every physician, then the next eight weeks thinning out."""
    seen = len(choose.everyone)
    base = min(0.85, max(0.08, seen / 4000))
    booked = fill_day(run, book, run.today, choose, fill=0.93, today=True)
    for offset in range(1, FUTURE_DAYS + 1):
        day = run.today + dt.timedelta(days=offset)
        fill_day(run, book, day, choose, fill=base * (1 - 0.55 * offset / FUTURE_DAYS), today=False)
    return booked
