"""The appointment book: booking with conflict checks, moves, check-in flow, series, views.

Reading the schedule needs SCHEDULE_VIEW; every change (booking, moving, cancelling,
checking in, and managing provider hours and blocked time) needs SCHEDULE_BOOK, which
the front desk, nurses and physicians have and the admin role does not.
"""

from __future__ import annotations

import datetime as dt

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.domain.schedule import (
    BookingRequest,
    ConflictWarning,
    DayView,
    ProviderInfo,
    WeekView,
)
from emr_desktop.domain.security import Actor
from emr_desktop.errors import NotFound, ValidationError
from emr_desktop.models import Appointment
from emr_desktop.models.base import utcnow
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.records import get_patient
from emr_desktop.services.schedule import conflicts, queries, rules
from emr_desktop.services.schedule.details import DetailsEdits
from emr_desktop.services.schedule.hours import HoursEdits
from emr_desktop.services.schedule.series import SeriesEdits
from emr_desktop.services.schedule.steps import (
    ACTIVE,
    BACK,
    BOOK,
    FORWARD,
    VIEW,
    S,
    audit,
    audit_override,
    iso,
    override_text,
    refuse_unless,
    row,
)
from emr_desktop.services.schedule.types import TypeEdits


class ScheduleService(SeriesEdits, HoursEdits, DetailsEdits, TypeEdits):
    """The appointment book. All appointment times are naive local wall-clock times."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ---- reading -----------------------------------------------------------------------

    def providers(self, actor: Actor) -> list[ProviderInfo]:
        """Physicians with a column on the schedule, by name."""
        require(actor, VIEW)
        with self._db.unit_of_work(actor) as s:
            return queries.providers(s)

    def provider_named(self, actor: Actor, username: str) -> ProviderInfo:
        """A physician by username, active or disabled (NotFound if there is none)."""
        require(actor, VIEW)
        with self._db.reading(actor) as s:
            found = queries.provider_by_username(s, username.strip().lower())
            if found is None:
                raise NotFound(f"There is no provider with the username {username.strip()!r}.")
            return found

    def check_conflicts(
        self,
        actor: Actor,
        provider_id: int,
        start_at: dt.datetime,
        duration_min: int,
        *,
        ignore_appointment_id: int | None = None,
    ) -> tuple[ConflictWarning, ...]:
        """What is in the way of this time (for the form to warn before saving)."""
        require(actor, VIEW)
        start, minutes = rules.local_time("start", start_at), rules.duration(duration_min)
        ignore = [] if ignore_appointment_id is None else [ignore_appointment_id]
        with self._db.unit_of_work(actor) as s:
            provider = rules.provider_user(s, provider_id)
            return tuple(conflicts.conflicts(s, provider, start, minutes, ignore=ignore))

    def day(
        self,
        actor: Actor,
        day: dt.date,
        provider_ids: list[int] | None = None,
        *,
        include_cancelled: bool = False,
    ) -> DayView:
        """One day for some providers (None: every scheduled provider), plus any disabled
        provider who still has appointments that day (flagged ``active=False``)."""
        require(actor, VIEW)
        start = dt.datetime.combine(day, dt.time())
        end = start + dt.timedelta(days=1)
        with self._db.reading(actor) as s:
            shown = queries.providers(s, provider_ids)
            ids = [p.id for p in shown]
            orphans = queries.disabled_with_appointments(s, start, end, ids)
            if orphans:
                shown += queries.providers(s, orphans)
                ids = [p.id for p in shown]
            where = [Appointment.provider_id.in_(ids), *queries.overlapping(start, end)]
            if not include_cancelled:
                where.append(Appointment.status != S.CANCELLED)
            column = {pid: i for i, pid in enumerate(ids)}
            found = [r for r in queries.rows(s, *where) if r.end_at > start]
            found.sort(key=lambda r: (column[r.provider_id], r.start_at, r.id))
            return DayView(
                day=day,
                slot_minutes=rules.slot_minutes(s),
                providers=tuple(shown),
                appointments=tuple(found),
                hours=tuple(queries.hours_of(s, ids, day.weekday())),
                blocked=tuple(queries.blocks_in(s, ids, [(start, end)])),
            )

    def week(
        self,
        actor: Actor,
        provider_id: int,
        any_day_in_week: dt.date,
        *,
        include_cancelled: bool = False,
    ) -> WeekView:
        """One provider's week, Monday to Sunday."""
        require(actor, VIEW)
        monday = any_day_in_week - dt.timedelta(days=any_day_in_week.weekday())
        start = dt.datetime.combine(monday, dt.time())
        end = start + dt.timedelta(days=7)
        with self._db.reading(actor) as s:
            shown = queries.providers(s, [provider_id])
            if not shown:
                raise NotFound("That provider does not exist.")
            where = [Appointment.provider_id == provider_id, *queries.overlapping(start, end)]
            if not include_cancelled:
                where.append(Appointment.status != S.CANCELLED)
            return WeekView(
                provider=shown[0],
                week_start=monday,
                slot_minutes=rules.slot_minutes(s),
                appointments=tuple(r for r in queries.rows(s, *where) if r.end_at > start),
                hours=tuple(queries.hours_of(s, [provider_id])),
                blocked=tuple(queries.blocks_in(s, [provider_id], [(start, end)])),
            )

    def patient_appointments(
        self, actor: Actor, patient_id: int, *, upcoming_only: bool = False, limit: int = 50
    ) -> list[AppointmentRow]:
        """A patient's appointments: upcoming (still active) soonest first, or all newest
        first. ``limit`` 0 means no limit."""
        require(actor, VIEW)
        with self._db.reading(actor) as s:
            get_patient(s, patient_id)
            mine = Appointment.patient_id == patient_id
            if upcoming_only:
                today = dt.datetime.combine(dt.date.today(), dt.time())
                active = Appointment.status.in_(ACTIVE)
                return queries.rows(s, mine, Appointment.start_at >= today, active, limit=limit)
            newest = (Appointment.start_at.desc(), Appointment.id.desc())
            return queries.rows(s, mine, order=newest, limit=limit)

    def waiting_room(self, actor: Actor, day: dt.date) -> list[AppointmentRow]:
        """That day's patients who have arrived or are in a room, earliest arrival first."""
        require(actor, VIEW)
        start = dt.datetime.combine(day, dt.time())
        with self._db.reading(actor) as s:
            found = queries.rows(
                s,
                Appointment.start_at >= start,
                Appointment.start_at < start + dt.timedelta(days=1),
                Appointment.status.in_((S.ARRIVED, S.IN_ROOM)),
            )
        never = dt.datetime.max.replace(tzinfo=dt.UTC)
        return sorted(found, key=lambda r: (r.arrived_at or never, r.start_at, r.id))

    def next_free_slot(
        self,
        actor: Actor,
        provider_id: int,
        duration_min: int,
        *,
        after: dt.datetime,
        kind: str = "",
    ) -> dt.datetime | None:
        """The first free slot-aligned start within the provider's hours, looking 60 days
        ahead, never in the past. ``kind`` is accepted for per-type rules (none yet)."""
        require(actor, VIEW)
        minutes = rules.duration(duration_min)
        begin = max(rules.local_time("after", after), dt.datetime.now())
        v.text("appointment type", kind, max_len=60)
        with self._db.unit_of_work(actor) as s:
            rules.provider_user(s, provider_id)
            return conflicts.next_free(s, provider_id, minutes, begin, rules.slot_minutes(s))

    # ---- booking -----------------------------------------------------------------------

    def book(
        self, actor: Actor, request: BookingRequest, *, override_reason: str | None = None
    ) -> AppointmentRow:
        """Book one appointment. SchedulingConflict (nothing saved) when the time is
        double-booked, outside the provider's hours or blocked, unless overridden."""
        require(actor, BOOK)
        req = rules.clean_request(request)
        override = override_text(override_reason)
        with self._db.unit_of_work(actor) as s:
            rules.bookable_patient(s, req.patient_id)
            provider = rules.provider_user(s, req.provider_id, lock=True)
            found = conflicts.conflicts(s, provider, req.start_at, req.duration_min)
            refuse_unless(found, override)
            a = rules.new_appointment(
                actor.user_id, req, req.start_at, override if found else "", None
            )
            s.add(a)
            s.flush()
            audit(
                s,
                actor,
                "appointment_book",
                a,
                provider_id=a.provider_id,
                start=iso(a.start_at),
                duration_min=a.duration_min,
            )
            audit_override(s, actor, found, [a], "book")
            return row(s, a.id)

    def move(
        self,
        actor: Actor,
        appointment_id: int,
        *,
        new_start: dt.datetime,
        new_provider_id: int | None = None,
        expected_version: int,
        override_reason: str | None = None,
    ) -> AppointmentRow:
        """Move an appointment to another time and/or provider (it stays in its series)."""
        require(actor, BOOK)
        start = rules.start_time("start", new_start)
        override = override_text(override_reason)
        with self._db.unit_of_work(actor) as s:
            a = rules.get_appointment(s, appointment_id, expected_version)
            rules.movable(a)
            provider = rules.provider_user(s, new_provider_id or a.provider_id, lock=True)
            found = conflicts.conflicts(s, provider, start, a.duration_min, ignore=[a.id])
            refuse_unless(found, override)
            old_start, old_provider = a.start_at, a.provider_id
            a.start_at, a.provider_id, a.updated_at = start, provider.id, utcnow()
            a.override_reason = override if found else a.override_reason
            audit(
                s,
                actor,
                "appointment_move",
                a,
                old_start=iso(old_start),
                new_start=iso(start),
                old_provider_id=old_provider,
                new_provider_id=provider.id,
            )
            audit_override(s, actor, found, [a], "move")
            return row(s, a.id)

    def resize(
        self,
        actor: Actor,
        appointment_id: int,
        *,
        duration_min: int,
        expected_version: int,
        override_reason: str | None = None,
    ) -> AppointmentRow:
        """Change an appointment's length (its start stays)."""
        require(actor, BOOK)
        minutes = rules.duration(duration_min)
        override = override_text(override_reason)
        with self._db.unit_of_work(actor) as s:
            a = rules.get_appointment(s, appointment_id, expected_version)
            rules.movable(a)
            provider = rules.provider_user(s, a.provider_id, lock=True)
            found = conflicts.conflicts(s, provider, a.start_at, minutes, ignore=[a.id])
            refuse_unless(found, override)
            old = a.duration_min
            a.duration_min, a.updated_at = minutes, utcnow()
            a.override_reason = override if found else a.override_reason
            audit(
                s,
                actor,
                "appointment_resize",
                a,
                start=iso(a.start_at),
                old_duration_min=old,
                new_duration_min=minutes,
            )
            audit_override(s, actor, found, [a], "resize")
            return row(s, a.id)

    def cancel(
        self, actor: Actor, appointment_id: int, reason: str, *, expected_version: int
    ) -> AppointmentRow:
        """Cancel a booked (or arrived) appointment; a reason is required."""
        return self.cancel_series(
            actor,
            appointment_id,
            reason,
            this_and_following=False,
            expected_version=expected_version,
        )[0]

    def no_show(
        self, actor: Actor, appointment_id: int, *, expected_version: int
    ) -> AppointmentRow:
        """Mark a booked appointment as a no-show (on or after its day)."""
        require(actor, BOOK)
        with self._db.unit_of_work(actor) as s:
            a = rules.get_appointment(s, appointment_id, expected_version)
            if a.status is not S.BOOKED:
                words = rules.STATUS_WORDS[a.status]
                raise ValidationError("status", f"a {words} appointment cannot be a no-show")
            if a.start_at.date() > dt.date.today():
                day = rules.day_words(a.start_at)
                raise ValidationError("status", f"the appointment is on {day}, not yet due")
            a.status, a.updated_at = S.NO_SHOW, utcnow()
            audit(s, actor, "appointment_no_show", a, start=iso(a.start_at))
            return row(s, a.id)

    def set_status(
        self, actor: Actor, appointment_id: int, status: AppointmentStatus, *, expected_version: int
    ) -> AppointmentRow:
        """One step of check-in (booked -> arrived -> in room -> completed) or one step back
        to undo a mistake; anything else is refused."""
        require(actor, BOOK)
        to = v.choice("status", AppointmentStatus, status)
        with self._db.unit_of_work(actor) as s:
            a = rules.get_appointment(s, appointment_id, expected_version)
            came = a.status
            if to not in (FORWARD.get(came), BACK.get(came)):
                words = rules.STATUS_WORDS
                raise ValidationError("status", f"cannot go from {words[came]} to {words[to]}")
            if came is S.BOOKED and a.start_at.date() > dt.date.today():
                day = rules.day_words(a.start_at)
                raise ValidationError("status", f"the appointment is on {day}, not today")
            if came is S.NO_SHOW:  # its time was free meanwhile: someone may have taken it
                rules.slot_still_free(s, a)
            now = utcnow()
            forward = FORWARD.get(came) is to
            if to is S.BOOKED:
                a.arrived_at = None
            elif to is S.ARRIVED:
                a.arrived_at, a.roomed_at = (now if forward else a.arrived_at), None
            elif to is S.IN_ROOM:
                a.roomed_at, a.completed_at = (now if forward else a.roomed_at), None
            else:
                a.completed_at = now
            a.status, a.updated_at = to, now
            audit(s, actor, "appointment_status", a, **{"from": came.value, "to": to.value})
            return row(s, a.id)

    # ---- provider hours and blocked time -----------------------------------------------
