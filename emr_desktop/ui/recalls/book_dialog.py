"""Booking a recall in one step: the next free slot of a provider is proposed; saving
books the appointment and marks the recall booked together."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from emr_desktop.domain.orders import RecallRow
from emr_desktop.domain.schedule import BookingRequest
from emr_desktop.domain.security import Actor
from emr_desktop.ui.chart.form_kit import FormDialog
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.work_services import WorkServices, patient_line

KIND_FOR = {
    "immunization": "Follow-up",
    "follow_up": "Follow-up",
    "wellness": "Physical",
    "screening": "Follow-up",
}


class RecallBookingDialog(FormDialog):
    """Provider, time (the next free slot proposed), length and reason for one recall."""

    def __init__(
        self, work: WorkServices, actor: Actor, ops: Operations, recall: RecallRow, parent: QWidget
    ) -> None:
        super().__init__("Book the recall", ops, "schedule", parent)
        self._work, self._actor, self._ops, self.recall = work, actor, ops, recall
        self.add_row(
            "Patient", QLabel(patient_line(recall.patient_name, recall.birth_date, recall.mrn))
        )
        self.add_row("Due", QLabel(f"{recall.what} (due {recall.due_on:%m/%d/%Y})"))
        self.provider = QComboBox()
        for p in ops.run(lambda: work.app.schedule.providers(actor)) or []:
            self.provider.addItem(p.name, p.id)
        self.add_row("&Provider *", self.provider, "provider")
        self.start = QDateTimeEdit(QDateTime.currentDateTime().addDays(1))
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("MM/dd/yyyy h:mm AP")
        self.add_row("&Starts *", self.start, "start")
        self.next_free = QPushButton("&Next free slot")
        self.next_free.clicked.connect(self.propose)
        self.add_row("", self.next_free)
        self.minutes = QSpinBox()
        self.minutes.setRange(5, 240)
        self.minutes.setSingleStep(5)
        self.minutes.setValue(20)
        self.minutes.setSuffix(" minutes")
        self.add_row("&Length", self.minutes, "duration")
        self.reason = QLineEdit(recall.what)
        self.add_row("&Reason", self.reason, "reason")
        self.provider.currentIndexChanged.connect(lambda _i: self.propose())
        self.propose()

    def propose(self) -> None:
        """Put the provider's next free slot in the start field."""
        pid = self.provider.currentData()
        if pid is None:
            return
        after = dt.datetime.now()
        found = self._ops.run(
            lambda: self._work.app.schedule.next_free_slot(
                self._actor, pid, self.minutes.value(), after=after
            )
        )
        if found is not None:
            self.start.setDateTime(
                QDateTime(
                    QDate(found.year, found.month, found.day), QTime(found.hour, found.minute)
                )
            )

    def call(self) -> object:
        """Book and mark the recall booked (one transaction in the service)."""
        picked = self.start.dateTime()
        start = dt.datetime.combine(picked.date().toPython(), picked.time().toPython())  # type: ignore[arg-type]
        req = BookingRequest(
            self.recall.patient_id,
            self.provider.currentData(),
            start.replace(second=0, microsecond=0),
            self.minutes.value(),
            KIND_FOR.get(self.recall.kind.value, "Follow-up"),
            self.reason.text(),
        )
        return self._work.recalls.book(self._actor, self.recall.id, req)
