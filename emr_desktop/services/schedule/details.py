"""Changing an appointment's type, reason and room (one occurrence or this-and-following)."""

from __future__ import annotations

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.security import Actor
from emr_desktop.models import Appointment
from emr_desktop.models.base import utcnow
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import validation as v
from emr_desktop.services.schedule import queries, rules
from emr_desktop.services.schedule.steps import BOOK, audit


class DetailsEdits:
    """Type, reason and room edits (mixed into ScheduleService)."""

    _db: Database

    def update_details(
        self,
        actor: Actor,
        appointment_id: int,
        *,
        kind: str,
        reason: str,
        room: str,
        this_and_following: bool = False,
        expected_version: int | None = None,
    ) -> list[AppointmentRow]:
        """Set the type, reason and room of one appointment, or of it and the booked
        occurrences of its series after it; the rows changed, the chosen one first."""
        require(actor, BOOK)
        new_kind = v.text("appointment type", kind, max_len=60, required=True)
        new_reason = v.text("reason for visit", reason, max_len=300)
        new_room = v.text("room", room, max_len=40)
        with self._db.unit_of_work(actor) as s:
            a = rules.get_appointment(s, appointment_id, expected_version)
            rules.movable(a)
            changing = [a, *rules.following(s, a)] if this_and_following else [a]
            fields = sorted(
                name
                for name, old, new in (
                    ("kind", a.kind, new_kind),
                    ("reason", a.reason, new_reason),
                    ("room", a.room, new_room),
                )
                if old != new
            )
            for c in changing:
                c.kind, c.reason, c.room, c.updated_at = new_kind, new_reason, new_room, utcnow()
            # Field names only: the reason for visit may be clinical.
            audit(
                s,
                actor,
                "appointment_update",
                a,
                scope="this_and_following" if this_and_following else "this_only",
                fields=fields,
                appointment_ids=[c.id for c in changing],
            )
            s.flush()
            order = {c.id: i for i, c in enumerate(changing)}
            found = queries.rows(s, Appointment.id.in_(list(order)))
            return sorted(found, key=lambda r: order[r.id])
