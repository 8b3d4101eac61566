"""Printing the day sheet: the day's appointments per provider as a PDF, audited when built."""

from __future__ import annotations

import datetime as dt

from emr_desktop.domain.schedule import DayView
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ValidationError
from emr_desktop.models import Appointment
from emr_desktop.persistence.database import Database
from emr_desktop.reports.base import Letterhead
from emr_desktop.reports.day_sheet import day_sheet_pdf
from emr_desktop.security.permissions import require
from emr_desktop.services.common.audit import record
from emr_desktop.services.practice.details import load_details
from emr_desktop.services.schedule import queries, rules


def file_name(day: dt.date) -> str:
    """'day-sheet-2026-11-23.pdf': the date only, never a patient's name."""
    return f"day-sheet-{day.isoformat()}.pdf"


class DaySheetService:
    """Builds the day sheet; building it is the act of printing or saving it."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def pdf(self, actor: Actor, day: dt.date, provider_ids: list[int] | None = None) -> bytes:
        """The day sheet of ``day`` for these providers (None: every scheduled provider),
        one page or more per provider; one "day_sheet_print" audit row."""
        require(actor, Permission.SCHEDULE_VIEW)
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise ValidationError("day", "must be a date")
        start = dt.datetime.combine(day, dt.time())
        end = start + dt.timedelta(days=1)
        with self._db.unit_of_work(actor) as s:
            shown = queries.providers(s, provider_ids)
            if provider_ids is not None and not shown:
                raise ValidationError("providers", "choose at least one provider")
            ids = [p.id for p in shown]
            # Cancelled rows are loaded too: the sheet counts them under each heading.
            where = [Appointment.provider_id.in_(ids), *queries.overlapping(start, end)]
            column = {pid: i for i, pid in enumerate(ids)}
            found = [r for r in queries.rows(s, *where) if r.end_at > start]
            found.sort(key=lambda r: (column[r.provider_id], r.start_at, r.id))
            view = DayView(
                day=day,
                slot_minutes=rules.slot_minutes(s),
                providers=tuple(shown),
                appointments=tuple(found),
                hours=tuple(queries.hours_of(s, ids, day.weekday())),
                blocked=tuple(queries.blocks_in(s, ids, [(start, end)])),
            )
            letterhead = Letterhead.from_details(load_details(s))
            record(
                s,
                actor,
                "day_sheet_print",
                entity="schedule",
                details={
                    "day": day.isoformat(),
                    "provider_count": len(ids),
                    "provider_ids": ids,
                    "appointment_count": len(found),
                },
            )
            # Built inside the transaction: if the PDF fails, no "printed" row is left behind.
            return day_sheet_pdf([view], letterhead, dt.datetime.now())
