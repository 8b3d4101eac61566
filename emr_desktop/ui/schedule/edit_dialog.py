"""Changing an appointment by dialog: time, length, provider, type, reason and room; for a
recurring one, this occurrence only or this and the following ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape

from PySide6.QtWidgets import QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.security import Actor
from emr_desktop.errors import EmrError, ValidationError
from emr_desktop.ui.chart.form_kit import FormDialog
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.patient_dialog import birth_and_age
from emr_desktop.ui.schedule import override
from emr_desktop.ui.schedule.appointment_fields import (
    date_field,
    length_field,
    provider_combo,
    show_conflicts,
    time_field,
    type_combo,
    warning_label,
    when_of,
)


class EditAppointmentDialog(FormDialog):
    """The edit form of one appointment; after accept() ``changed`` is its new row."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        ops: Operations,
        appointment: AppointmentRow,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Change appointment", ops, "schedule", parent)  # type: ignore[arg-type]
        self._services, self._actor = services, actor
        self.appointment = appointment
        self.changed: AppointmentRow | None = None
        a = appointment
        who = QLabel(
            f"<b>{escape(a.patient_name)}</b> · born {birth_and_age(a.patient_birth_date)} · "
            f"MRN {escape(a.patient_mrn)}" + (" · <i>repeating</i>" if a.series_id else "")
        )
        providers = ops.run(lambda: services.schedule.providers(actor)) or []
        self.provider = provider_combo(providers, a.provider_id)
        self.date = date_field(a.start_at.date())
        self.time = time_field(a.start_at.time())
        self.length = length_field(a.duration_min)
        self.kind = type_combo(a.kind)
        self.reason = QLineEdit(a.reason)
        self.reason.setMaxLength(300)
        self.room = QLineEdit(a.room)
        self.room.setMaxLength(40)
        self.room.setMaximumWidth(120)
        self.conflicts = warning_label("Conflicts")
        when = QWidget()
        row = QHBoxLayout(when)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.date)
        row.addWidget(QLabel("at"))
        row.addWidget(self.time)
        row.addWidget(QLabel("for"))
        row.addWidget(self.length)
        row.addStretch()
        self.add_row("Patient", who)
        self.add_row("Provider", self.provider, "provider")
        self.add_row("When", when, "start", "length")
        self.add_row("Type *", self.kind, "appointment type")
        self.add_row("Reason for visit", self.reason, "reason for visit")
        self.add_row("Room", self.room, "room")
        outer = self.layout()
        assert isinstance(outer, QVBoxLayout)
        outer.insertWidget(1, self.conflicts)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setDefault(True)
        for signal in (
            self.provider.currentIndexChanged,
            self.date.dateChanged,
            self.time.timeChanged,
            self.length.valueChanged,
        ):
            signal.connect(self._on_when_changed)
        self.setMinimumWidth(560)

    def _on_when_changed(self, *_args: object) -> None:
        a = self.appointment
        try:
            found = self._services.schedule.check_conflicts(
                self._actor,
                int(self.provider.currentData()),
                when_of(self.date, self.time),
                self.length.value(),
                ignore_appointment_id=a.id,
            )
        except EmrError:  # an incomplete time: Save reports it beside the field
            found = ()
        show_conflicts(self.conflicts, found)

    def save(self) -> bool:
        """Apply the changes, each through the schedule service; conflicts may be
        overridden with a reason. On a partial failure the form stays open, up to date."""
        for label in self._errors.values():
            label.hide()
        a = self.appointment
        start, provider_id = when_of(self.date, self.time), int(self.provider.currentData())
        details = (
            self.kind.currentText().strip(),
            self.reason.text().strip(),
            self.room.text().strip(),
        )
        moved = start != a.start_at or provider_id != a.provider_id
        resized = self.length.value() != a.duration_min
        retyped = details != (a.kind, a.reason, a.room)
        following = False
        if a.series_id is not None and (moved or retyped or resized):
            scope = override.ask_scope(self, "change")
            if scope is None:
                return False
            following = scope
        if following and (provider_id != a.provider_id or resized):
            self.show_field_error(
                ValidationError(
                    "provider" if provider_id != a.provider_id else "length",
                    "can be changed for this appointment only; choose 'Only this one'",
                )
            )
            return False
        if moved and not self._move(start, provider_id, following):
            return False
        if resized and not self._resize():
            return False
        if retyped and not self._retype(*details, following=following):
            return False
        self.changed = self.result_value = self.appointment
        self.accept()
        return True

    def _chart_changes(self) -> str:
        return f"chart:{self.appointment.patient_id}"

    def _move(self, start: dt.datetime, provider_id: int, following: bool) -> bool:
        a, schedule, actor = self.appointment, self._services.schedule, self._actor

        def call(reason: str | None) -> AppointmentRow:
            if a.series_id is not None and provider_id == a.provider_id:
                return schedule.move_series(
                    actor,
                    a.id,
                    new_start=start,
                    this_and_following=following,
                    override_reason=reason,
                    expected_version=a.version,
                )[0]
            return schedule.move(
                actor,
                a.id,
                new_start=start,
                new_provider_id=provider_id,
                expected_version=a.version,
                override_reason=reason,
            )

        return self._step(call)

    def _resize(self) -> bool:
        a, schedule, minutes = self.appointment, self._services.schedule, self.length.value()
        return self._step(
            lambda reason: schedule.resize(
                self._actor,
                a.id,
                duration_min=minutes,
                expected_version=a.version,
                override_reason=reason,
            )
        )

    def _retype(self, kind: str, reason: str, room: str, *, following: bool) -> bool:
        a = self.appointment
        rows = self._ops.run(
            lambda: self._services.schedule.update_details(
                self._actor,
                a.id,
                kind=kind,
                reason=reason,
                room=room,
                this_and_following=following,
                expected_version=a.version,
            ),
            changes=self._chart_changes(),
            on_validation=self.show_field_error,
        )
        if not rows:
            return False
        self.appointment = rows[0]
        return True

    def _step(self, call: Callable[[str | None], AppointmentRow]) -> bool:
        done = override.run_with_override(
            self,
            self._ops,
            call,
            changes=self._chart_changes(),
            on_validation=self.show_field_error,
        )
        if done is None:
            return False
        self.appointment = done
        return True
