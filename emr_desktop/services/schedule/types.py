"""Appointment types kept by the practice manager: name, usual length, colour.

Booking keeps the type's name on the appointment (``Appointment.kind``), so renaming or
retiring a type never rewrites the history of what was booked.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from emr_desktop.domain.schedule import AppointmentTypeRow
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import DuplicateError, NotFound, ValidationError
from emr_desktop.models import AppointmentType
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.schedule import rules

_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def _row(t: AppointmentType) -> AppointmentTypeRow:
    return AppointmentTypeRow(t.id, t.name, t.duration_min, t.color.upper(), t.active, t.sort_order)


def clean_type(name: str, minutes: int, color: str) -> tuple[str, int, str]:
    """Checked name, length and colour; one ValidationError naming every bad field."""
    bad: list[str] = []
    out_name, out_minutes, out_color = "", 0, ""
    try:
        out_name = v.text("name", name, max_len=60, required=True)
    except ValidationError as err:
        bad.append(err.message)
    try:
        out_minutes = rules.duration(minutes)
    except ValidationError as err:
        bad.append(err.message)
    if not _COLOR.fullmatch((color or "").strip()):
        bad.append("colour: must be like #4E79A7")
    else:
        out_color = color.strip().upper()
    if bad:
        raise ValidationError(bad[0].split(":")[0] if len(bad) == 1 else "type", "; ".join(bad))
    return out_name, out_minutes, out_color


class TypeEdits:
    """Appointment types (mixed into ScheduleService)."""

    _db: Database

    def appointment_types(
        self, actor: Actor, *, include_inactive: bool = False
    ) -> list[AppointmentTypeRow]:
        """The practice's appointment types in their order (retired ones only if asked)."""
        require(actor, Permission.SCHEDULE_VIEW)
        stmt = select(AppointmentType).order_by(AppointmentType.sort_order, AppointmentType.id)
        if not include_inactive:
            stmt = stmt.where(AppointmentType.active.is_(True))
        with self._db.reading(actor) as s:
            return [_row(t) for t in s.scalars(stmt)]

    def save_appointment_type(
        self,
        actor: Actor,
        name: str,
        duration_min: int,
        color: str,
        *,
        type_id: int | None = None,
        active: bool = True,
    ) -> AppointmentTypeRow:
        """Add a type (no ``type_id``) or change one; a retired type is ``active=False``."""
        require(actor, Permission.SCHEDULE_MANAGE)
        clean_name, minutes, colour = clean_type(name, duration_min, color)
        with self._db.unit_of_work(actor) as s:
            same = s.scalar(
                select(AppointmentType).where(
                    func.lower(AppointmentType.name) == clean_name.lower()
                )
            )
            if same is not None and same.id != type_id:
                raise DuplicateError(f"There is already an appointment type {same.name!r}.")
            if type_id is None:
                last = s.scalar(select(func.max(AppointmentType.sort_order))) or 0
                t = AppointmentType(sort_order=last + 1)
                s.add(t)
            else:
                found = s.get(AppointmentType, type_id)
                if found is None:
                    raise NotFound("That appointment type does not exist.")
                t = found
            before = {"name": t.name, "minutes": t.duration_min, "active": t.active}
            t.name, t.duration_min, t.color, t.active = clean_name, minutes, colour, bool(active)
            s.flush()
            details = {
                "before": before if type_id is not None else None,
                "name": t.name,
                "minutes": minutes,
                "color": colour,
                "active": t.active,
            }
            action = "appointment_type_add" if type_id is None else "appointment_type_change"
            record(s, actor, action, entity="appointment_type", entity_id=t.id, details=details)
            return _row(t)
