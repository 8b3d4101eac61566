"""The Appointments section of the chart: the patient's upcoming and past appointments."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.ui.chart.section_kit import FadingTableModel, make_table
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column

S = AppointmentStatus
_DONE = (S.COMPLETED, S.CANCELLED, S.NO_SHOW)


def _status(a: AppointmentRow) -> str:
    words = {S.IN_ROOM: "in room", S.NO_SHOW: "no-show"}
    text = words.get(a.status, a.status.value)
    return f"{text}: {a.cancel_reason}" if a.status is S.CANCELLED and a.cancel_reason else text


COLUMNS: tuple[Column[AppointmentRow], ...] = (
    Column(
        "When",
        lambda a: f"{a.start_at:%a %m/%d/%Y %H:%M}",
        lambda a: a.start_at,
        strike=lambda a: a.status is S.CANCELLED,
    ),
    Column("Length", lambda a: f"{a.duration_min} min", lambda a: a.duration_min, True),
    Column("Provider", lambda a: a.provider),
    Column("Type", lambda a: a.kind),
    Column("Reason", lambda a: a.reason),
    Column("Room", lambda a: a.room),
    Column("Status", _status, warn=lambda a: a.status is S.NO_SHOW),
)


def ordered(rows: list[AppointmentRow], now: dt.datetime) -> list[AppointmentRow]:
    """Upcoming appointments soonest first, then past ones newest first."""
    upcoming = sorted((a for a in rows if a.end_at >= now), key=lambda a: a.start_at)
    past = sorted((a for a in rows if a.end_at < now), key=lambda a: a.start_at, reverse=True)
    return upcoming + past


class AppointmentsSection(QWidget):
    """Every appointment of the patient (read-only here; booking is on the Schedule tab)."""

    title = "Appointments"

    def __init__(self, services: Services, actor: Actor, patient_id: int, ops: Operations) -> None:
        super().__init__()
        self._services, self._actor, self._ops = services, actor, ops
        self.patient_id = patient_id
        self.model: FadingTableModel[AppointmentRow] = FadingTableModel(
            COLUMNS, lambda a: a.status in _DONE or a.end_at < dt.datetime.now()
        )
        self.table = make_table(self.model, "Appointments", 4)
        self.summary = QLabel()
        self.summary.setAccessibleName("Appointments summary")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        """Reload the patient's appointments."""
        if not self._actor.can(Permission.SCHEDULE_VIEW):
            self.summary.setText("Your role does not see the schedule.")
            return
        rows = self._ops.run(
            lambda: self._services.schedule.patient_appointments(
                self._actor, self.patient_id, limit=0
            )
        )
        if rows is None:
            return
        now = dt.datetime.now()
        shown = ordered(rows, now)
        self.model.set_rows(shown)
        upcoming = sum(1 for a in shown if a.end_at >= now and a.status not in _DONE)
        self.summary.setText(
            f"{upcoming} upcoming · {len(shown)} in all (upcoming first, then past)"
        )

    def save_drafts(self) -> None:
        """Nothing is typed here."""
