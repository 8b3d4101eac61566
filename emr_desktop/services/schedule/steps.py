"""Helpers the appointment-book services share: audit rows, conflict refusals, rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.domain.schedule import (
    ConflictWarning,
    SchedulingConflict,
)
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.models import Appointment
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.schedule import queries

S = AppointmentStatus
VIEW, BOOK = Permission.SCHEDULE_VIEW, Permission.SCHEDULE_BOOK
# The check-in flow, one step at a time; each step may be undone by one step back.
FORWARD = {S.BOOKED: S.ARRIVED, S.ARRIVED: S.IN_ROOM, S.IN_ROOM: S.COMPLETED}
BACK = {after: before for before, after in FORWARD.items()}
BACK[S.NO_SHOW] = S.BOOKED  # a no-show marked by mistake (the patient was in the toilet)
ACTIVE = (S.BOOKED, S.ARRIVED, S.IN_ROOM)


def iso(when: dt.datetime | dt.time) -> str:
    """A time as audit details store it (times are not clinical content)."""
    return when.isoformat(timespec="minutes")


def override_text(reason: str | None) -> str:
    """The trimmed override reason ('' when none was given)."""
    return v.text("override reason", reason or "", max_len=300)


def refuse_unless(found: list[ConflictWarning], override: str) -> None:
    """Raise SchedulingConflict (before anything is written) unless overridden."""
    if found and not override:
        raise SchedulingConflict(found)


def audit(s: Session, actor: Actor, action: str, a: Appointment, **details: Any) -> None:
    """One audit row about appointment ``a``; details hold ids and times, never reasons."""
    record(
        s,
        actor,
        action,
        entity="appointment",
        entity_id=a.id,
        patient_id=a.patient_id,
        details=details,
    )


def audit_override(
    s: Session, actor: Actor, found: list[ConflictWarning], made: list[Appointment], act: str
) -> None:
    """The extra audit row saying conflicts were knowingly overridden (none if no conflict)."""
    if found:
        audit(
            s,
            actor,
            "appointment_override",
            made[0],
            for_action=act,
            conflicts=sorted({w.kind.value for w in found}),
            conflicting_appointment_ids=sorted({w.appointment_id for w in found} - {None}),
            block_ids=sorted({w.block_id for w in found} - {None}),
            appointment_ids=[a.id for a in made],
            reason_given=True,
        )


def row(s: Session, appointment_id: int) -> AppointmentRow:
    """The row DTO of one appointment (flushed first, so its version is current)."""
    s.flush()
    return queries.rows(s, Appointment.id == appointment_id)[0]
