"""Recurring appointments: book a series, move or cancel one occurrence or this-and-following."""

from __future__ import annotations

import datetime as dt

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.schedule import (
    BookingRequest,
    Frequency,
    Recurrence,
    SeriesResult,
)
from emr_desktop.domain.security import Actor
from emr_desktop.models import Appointment, AppointmentSeries
from emr_desktop.models.base import utcnow
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.schedule import conflicts, queries, rules
from emr_desktop.services.schedule.steps import (
    BOOK,
    S,
    audit,
    audit_override,
    iso,
    override_text,
    refuse_unless,
)


class SeriesEdits:
    """Recurring appointments (mixed into ScheduleService)."""

    _db: Database

    def book_series(
        self,
        actor: Actor,
        request: BookingRequest,
        rule: Recurrence,
        *,
        override_reason: str | None = None,
    ) -> SeriesResult:
        """Book a recurring series as real appointments sharing one series id. Every
        occurrence is checked; SchedulingConflict's warnings name each conflicting date."""
        require(actor, BOOK)
        req = rules.clean_request(request)
        starts = rule.occurrences(req.start_at)
        override = override_text(override_reason)
        with self._db.unit_of_work(actor) as s:
            rules.bookable_patient(s, req.patient_id)
            provider = rules.provider_user(s, req.provider_id, lock=True)
            spans = [(when, req.duration_min) for when in starts]
            found = conflicts.conflicts_many(s, provider, spans)
            refuse_unless(found, override)
            series = AppointmentSeries(
                frequency=Frequency(str(rule.frequency)).value,
                interval=rule.interval,
                until_date=rule.until,
                count=rule.count,
                created_by_id=actor.user_id,
            )
            s.add(series)
            s.flush()
            clashing = {w.start_at for w in found}
            made = [
                rules.new_appointment(
                    actor.user_id, req, when, override if when in clashing else "", series.id
                )
                for when in starts
            ]
            s.add_all(made)
            s.flush()
            record(
                s,
                actor,
                "appointment_series_book",
                entity="appointment_series",
                entity_id=series.id,
                patient_id=req.patient_id,
                details={
                    "provider_id": req.provider_id,
                    "frequency": series.frequency,
                    "interval": series.interval,
                    "appointment_ids": [a.id for a in made],
                    "first_start": iso(starts[0]),
                    "last_start": iso(starts[-1]),
                },
            )
            audit_override(s, actor, found, made, "book_series")
            booked = queries.rows(s, Appointment.series_id == series.id)
            return SeriesResult(series.id, tuple(booked), tuple(found))

    # ---- moving ------------------------------------------------------------------------

    def move_series(
        self,
        actor: Actor,
        appointment_id: int,
        *,
        new_start: dt.datetime,
        this_and_following: bool,
        override_reason: str | None = None,
        expected_version: int | None = None,
    ) -> list[AppointmentRow]:
        """Move one occurrence (it leaves its series) or it and the booked ones after it,
        all by the same shift (they become a new series with the same rule)."""
        require(actor, BOOK)
        start = rules.start_time("start", new_start)
        override = override_text(override_reason)
        with self._db.unit_of_work(actor) as s:
            a = rules.get_appointment(s, appointment_id, expected_version)
            rules.movable(a)
            delta, old_start, old_series = start - a.start_at, a.start_at, a.series_id
            moving = [a, *rules.following(s, a)] if this_and_following else [a]
            provider = rules.provider_user(s, a.provider_id, lock=True)
            ids = [m.id for m in moving]
            spans = [(m.start_at + delta, m.duration_min) for m in moving]
            found = conflicts.conflicts_many(s, provider, spans, ignore=ids)
            refuse_unless(found, override)
            if not this_and_following or old_series is None:
                a.series_id = None
            else:
                shift_days = (start.date() - old_start.date()).days
                rules.split_series(s, a, moving, shift_days, actor.user_id)
            clashing = {w.start_at for w in found}
            for m in moving:
                m.start_at, m.updated_at = m.start_at + delta, utcnow()
                m.override_reason = override if m.start_at in clashing else m.override_reason
            audit(
                s,
                actor,
                "appointment_move",
                a,
                scope="this_and_following" if this_and_following else "this_only",
                old_start=iso(old_start),
                new_start=iso(start),
                series_id=old_series,
                new_series_id=a.series_id,
                appointment_ids=ids,
            )
            audit_override(s, actor, found, moving, "move_series")
            s.flush()
            return queries.rows(s, Appointment.id.in_(ids))

    # ---- cancelling and the check-in flow ----------------------------------------------

    def cancel_series(
        self,
        actor: Actor,
        appointment_id: int,
        reason: str,
        *,
        this_and_following: bool,
        expected_version: int | None = None,
    ) -> list[AppointmentRow]:
        """Cancel one occurrence, or it and the booked occurrences after it (they stay in
        the series, marked cancelled); the rows cancelled, first the one chosen."""
        require(actor, BOOK)
        why = v.text("reason", reason, max_len=300, required=True)
        with self._db.unit_of_work(actor) as s:
            a = rules.get_appointment(s, appointment_id, expected_version)
            rules.cancellable(a)
            gone = [a, *rules.following(s, a)] if this_and_following else [a]
            for g in gone:
                g.status, g.cancel_reason, g.updated_at = S.CANCELLED, why, utcnow()
            audit(
                s,
                actor,
                "appointment_cancel",
                a,
                scope="this_and_following" if this_and_following else "this_only",
                start=iso(a.start_at),
                series_id=a.series_id,
                appointment_ids=[g.id for g in gone],
                reason_given=True,
            )
            s.flush()
            order = {g.id: i for i, g in enumerate(gone)}
            found = queries.rows(s, Appointment.id.in_(list(order)))
            return sorted(found, key=lambda r: order[r.id])
