"""Booking an appointment in a few keystrokes: find or register the patient inline, check
the time as it is typed, repeat if asked, and override a conflict with a reason.

Keyboard flow: type part of the name (or DOB, phone, MRN), Down to the results, Enter
chooses the patient and moves to the type; Tab through what needs changing; Enter books.
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.patients import PatientSummary
from emr_desktop.domain.schedule import BookingRequest, Recurrence
from emr_desktop.domain.security import Actor
from emr_desktop.errors import EmrError, ValidationError
from emr_desktop.ui.chart.form_kit import FormDialog
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.patient_dialog import birth_and_age
from emr_desktop.ui.patients_view import PatientsView
from emr_desktop.ui.schedule.appointment_fields import (
    APPOINTMENT_TYPES,
    date_field,
    length_field,
    provider_combo,
    show_conflicts,
    time_field,
    type_combo,
    use_types,
    warning_label,
    when_of,
)
from emr_desktop.ui.schedule.override import run_with_override
from emr_desktop.ui.schedule.repeat_fields import RepeatFields

CHECK_DELAY_MS = 150
_NO_PATIENT = "No patient chosen yet: type a name above, then Enter."


class BookingDialog(FormDialog):
    """The booking form; after accept() ``booked`` holds the new appointment(s)."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        ops: Operations,
        *,
        provider_id: int,
        start: dt.datetime,
        duration_min: int,
        kind: str = "Follow-up",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Book an appointment", ops, "schedule", parent)  # type: ignore[arg-type]
        self._services, self._actor = services, actor
        self.booked: list[AppointmentRow] = []
        self.patient_id: int | None = None
        self._setting_length = False
        self._length_touched = False

        self.finder = PatientsView(services.patients, actor, ops)
        finder_layout = self.finder.layout()
        if finder_layout is not None:
            finder_layout.setContentsMargins(0, 0, 0, 0)
        self.finder.table.setMinimumHeight(150)
        self.finder.open_patient.connect(self._on_finder_open_patient)
        self.finder.table.installEventFilter(self)
        self.patient_label = QLabel(_NO_PATIENT)
        self.patient_label.setAccessibleName("Chosen patient")
        self.patient_label.setTextFormat(Qt.TextFormat.PlainText)
        self.patient_label.setStyleSheet("font-weight: bold; padding: 4px 0;")
        self.patient_label.setWordWrap(True)

        providers = ops.run(lambda: services.schedule.providers(actor)) or []
        self.provider = provider_combo(providers, provider_id)
        self.date = date_field(start.date())
        self.time = time_field(start.time())
        self.length = length_field(duration_min)
        self.length.valueChanged.connect(self._on_length_value_changed)
        use_types(ops.run(lambda: services.schedule.appointment_types(actor)) or [])
        self.kind = type_combo(kind)
        self.kind.currentTextChanged.connect(self._on_kind_current_text_changed)
        self.reason = QLineEdit()
        self.reason.setMaxLength(300)
        self.reason.setPlaceholderText("e.g. blood pressure check")
        self.room = QLineEdit()
        self.room.setMaxLength(40)
        self.room.setMaximumWidth(120)
        self.repeat = RepeatFields(start.date())
        self.conflicts = warning_label("Conflicts")

        when = QWidget()
        row = QHBoxLayout(when)
        row.setContentsMargins(0, 0, 0, 0)
        for label, widget in (("", self.date), ("at", self.time), ("for", self.length)):
            if label:
                row.addWidget(QLabel(label))
            row.addWidget(widget)
        row.addStretch()
        self.add_row("Patient *", self.patient_label, "patient")
        self.add_row("Provider *", self.provider, "provider")
        self.add_row("When *", when, "start", "length")
        self.add_row("Type *", self.kind, "appointment type")
        self.add_row("Reason for visit", self.reason, "reason for visit")
        self.add_row("Room", self.room, "room")
        self.add_row("Repeat", self.repeat, *RepeatFields.FIELDS)

        top = QVBoxLayout()
        top.addWidget(
            QLabel("<b>Find the patient</b> (name in any order, date of birth, phone or MRN)")
        )
        top.addWidget(self.finder)
        outer = self.layout()
        assert isinstance(outer, QVBoxLayout)
        outer.insertLayout(0, top, 1)
        outer.insertWidget(2, self.conflicts)
        book = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        book.setText("&Book")
        book.setDefault(True)
        self.finder.new_button.setAutoDefault(False)

        self._check = QTimer(self)
        self._check.setSingleShot(True)
        self._check.setInterval(CHECK_DELAY_MS)
        self._check.timeout.connect(self.check_conflicts)
        self.provider.currentIndexChanged.connect(self._on_when_changed)
        self.date.dateChanged.connect(self._on_when_changed)
        self.time.timeChanged.connect(self._on_when_changed)
        self.length.valueChanged.connect(self._on_when_changed)
        chain = [
            self.finder.search,
            self.finder.table,
            self.finder.new_button,
            self.provider,
            self.date,
            self.time,
            self.length,
            self.kind,
            self.reason,
            self.room,
            *self.repeat.focus_chain(),
            book,
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel),
        ]
        for before, after in pairwise(chain):
            self.setTabOrder(before, after)
        self.resize(760, 640)
        self.finder.search.setFocus()
        self.check_conflicts()

    # ---- the patient -------------------------------------------------------------------

    def choose_patient(self, patient: PatientSummary) -> None:
        """Make ``patient`` the one being booked and move on to the type."""
        self.patient_id = patient.id
        phone = f" · {patient.phone}" if patient.phone else ""
        self.patient_label.setText(
            f"{patient.display_name} · born {birth_and_age(patient.birth_date)} · "
            f"MRN {patient.mrn}{phone}"
        )
        self.kind.setFocus()
        edit = self.kind.lineEdit()
        if edit is not None:
            edit.selectAll()

    def _on_finder_open_patient(self, patient_id: int) -> None:
        found = next((p for p in self.finder.model.rows() if p.id == patient_id), None)
        if found is None:  # just registered (or opened from the duplicate warning)
            details = self._ops.run(lambda: self._services.patients.get(self._actor, patient_id))
            if details is None:
                return
            self.finder.search.setText(details.mrn)
            self.finder.refresh()
            found = next((p for p in self.finder.model.rows() if p.id == patient_id), None)
        if found is not None:
            self.choose_patient(found)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter on a search result chooses that patient (and does not book yet)."""
        if (
            watched is self.finder.table
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            rows = self.finder.table.selectionModel().selectedRows()
            if rows:
                self.choose_patient(self.finder.model.row(rows[0].row()))
            return True
        return super().eventFilter(watched, event)

    # ---- time, type and conflicts ------------------------------------------------------

    def _on_length_value_changed(self, _value: int) -> None:
        if not self._setting_length:
            self._length_touched = True

    def _on_kind_current_text_changed(self, text: str) -> None:
        usual = APPOINTMENT_TYPES.get(text)
        if usual is not None and not self._length_touched:
            self._setting_length = True
            self.length.setValue(usual)
            self._setting_length = False

    def _on_when_changed(self, *_args: object) -> None:
        self._check.start()

    def start_at(self) -> dt.datetime:
        """The start the form shows."""
        return when_of(self.date, self.time)

    def check_conflicts(self) -> None:
        """Warn now (before Book) when the chosen time is not free."""
        provider_id = self.provider.currentData()
        if provider_id is None:
            return
        try:
            found = self._services.schedule.check_conflicts(
                self._actor, int(provider_id), self.start_at(), self.length.value()
            )
        except EmrError:  # an incomplete time: the form reports it when Book is pressed
            found = ()
        show_conflicts(self.conflicts, found)

    # ---- booking -----------------------------------------------------------------------

    def request(self) -> BookingRequest:
        """The booking the form describes (ValidationError when no patient is chosen)."""
        if self.patient_id is None:
            raise ValidationError("patient", "choose a patient: type a name above, then Enter")
        return BookingRequest(
            patient_id=self.patient_id,
            provider_id=int(self.provider.currentData()),
            start_at=self.start_at(),
            duration_min=self.length.value(),
            kind=self.kind.currentText(),
            reason=self.reason.text(),
            room=self.room.text(),
        )

    def save(self) -> bool:
        """Book (or book the series); conflicts may be overridden with a reason."""
        self.clear_errors()
        try:
            req = self.request()
        except ValidationError as err:
            self.show_field_error(err)
            return False
        rule: Recurrence | None = self.repeat.rule()
        schedule, actor = self._services.schedule, self._actor

        def call(reason: str | None) -> list[AppointmentRow]:
            if rule is None:
                return [schedule.book(actor, req, override_reason=reason)]
            return list(schedule.book_series(actor, req, rule, override_reason=reason).appointments)

        booked = run_with_override(
            self,
            self._ops,
            call,
            changes=f"chart:{req.patient_id}",
            on_validation=self.show_field_error,
        )
        if booked is None:
            return False
        self.booked = booked
        self.result_value = booked
        self.accept()
        return True


def book_appointment(
    parent: QWidget | None,
    services: Services,
    actor: Actor,
    ops: Operations,
    *,
    provider_id: int,
    start: dt.datetime,
    duration_min: int,
    kind: str = "Follow-up",
) -> list[AppointmentRow] | None:
    """Open the booking dialog on a slot; the appointment(s) booked, or None if cancelled."""
    dialog = BookingDialog(
        services,
        actor,
        ops,
        provider_id=provider_id,
        start=start,
        duration_min=duration_min,
        kind=kind,
        parent=parent,
    )
    return dialog.booked if dialog.exec() and dialog.booked else None
