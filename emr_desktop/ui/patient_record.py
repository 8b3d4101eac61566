"""The front desk's view of a patient: demographics and appointments, no clinical content."""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.patients import PatientDetails, age_on
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.ui.chart.appointments import AppointmentsSection
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.patient_dialog import PatientDialog

_SHOWN = (
    ("Preferred name", "preferred_name"),
    ("Gender identity", "gender_identity"),
    ("Mobile phone", "phone_mobile"),
    ("Home phone", "phone_home"),
    ("E-mail", "email"),
    ("Address", "address_line1"),
    ("", "address_line2"),
    ("City", "city"),
    ("State", "state"),
    ("Postal code", "postal_code"),
    ("Preferred language", "preferred_language"),
    ("Emergency contact", "emergency_contact_name"),
    ("Emergency phone", "emergency_contact_phone"),
    ("Relation", "emergency_contact_relation"),
    ("Insurance", "insurance_payer"),
    ("Member id", "insurance_member_id"),
    ("Alerts", "alerts"),
)


class PatientRecordView(QWidget):
    """Demographics (with Edit) for staff who may not see the clinical chart."""

    def __init__(self, services: Services, actor: Actor, patient_id: int, ops: Operations) -> None:
        super().__init__()
        self.patient_id = patient_id
        self._services = services
        self._actor = actor
        self._ops = ops
        ops.data_changed.connect(self._on_ops_data_changed)
        self.details: PatientDetails | None = None
        self.header = QLabel()
        self.header.setAccessibleName("Patient identifiers")
        self.header.setWordWrap(True)  # a 100-character name wraps, the window stays put
        self.body = QLabel()
        self.body.setAccessibleName("Demographics")
        self.body.setWordWrap(True)
        edit = QPushButton("&Edit demographics…")
        edit.clicked.connect(self._on_edit_clicked)
        edit.setVisible(actor.can(Permission.PATIENT_REGISTER))
        box = QGroupBox("Demographics")
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(self.body)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(edit)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(box)
        # The same list the chart's Appointments tab shows (scheduling data only).
        self.appointments: AppointmentsSection | None = None
        if actor.can(Permission.SCHEDULE_VIEW):
            self.appointments = AppointmentsSection(services, actor, patient_id, ops)
            visits = QGroupBox("Appointments")
            QVBoxLayout(visits).addWidget(self.appointments)
            layout.addWidget(visits, 1)
        else:
            layout.addStretch()

    def load(self) -> bool:
        """Fetch the demographics (audited as a patient view)."""
        details = self._ops.run(lambda: self._services.patients.get(self._actor, self.patient_id))
        if details is None:
            return False
        self.details = details
        d = details.data
        self.header.setText(
            f"<span style='font-size:16pt; font-weight:600'>{html.escape(d.family_name)}, "
            f"{html.escape(d.given_name)}</span><br>DOB <b>{d.birth_date:%m/%d/%Y}</b> "
            f"({age_on(d.birth_date, dt.date.today())} y) · {d.sex_at_birth.value.title()} · "
            f"MRN <b>{details.mrn}</b>{'' if details.active else ' · <b>INACTIVE</b>'}"
        )
        rows = "".join(
            f"<tr><td style='color:gray; padding-right:12px'>{label}</td>"
            f"<td>{html.escape(str(getattr(d, attr)))}</td></tr>"
            for label, attr in _SHOWN
            if getattr(d, attr)
        )
        self.body.setText(f"<table>{rows}</table>")
        if self.appointments is not None:
            self.appointments.refresh()
        return True

    def tab_title(self) -> str:
        """'Family, Given · MRN'."""
        if self.details is None:
            return "Patient"
        return (
            f"{self.details.data.family_name}, {self.details.data.given_name} · {self.details.mrn}"
        )

    def refresh(self) -> None:
        """Reload."""
        self.load()

    def _on_ops_data_changed(self, what: str) -> None:
        """A booking or check-in here or on another PC: show it (only this patient's)."""
        if what.startswith("chart:") and what != f"chart:{self.patient_id}":
            return
        if self.appointments is not None and what not in ("settings", "users"):
            self.appointments.refresh()  # demographics are reloaded by their own edits

    def _on_edit_clicked(self) -> None:
        if self.details is None:
            return
        dialog = PatientDialog(self._services.patients, self._actor, self.details, parent=self)
        if dialog.exec():
            self.load()
