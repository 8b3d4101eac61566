"""The Referrals section: referrals to outside specialists; write one, move it along."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import ReferralRow
from emr_desktop.domain.clinical import ReferralStatus, Urgency
from emr_desktop.domain.sections import ReferralInput
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.services.exchange.referrals import TRANSITIONS, ReferralService
from emr_desktop.ui.chart.form_kit import FormDialog
from emr_desktop.ui.chart.section_kit import FadingTableModel, make_table, selected
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel

_CLOSED = (ReferralStatus.COMPLETED, ReferralStatus.CANCELLED)


def _cancelled(r: ReferralRow) -> bool:
    return r.status == ReferralStatus.CANCELLED


def _finished(r: ReferralRow) -> bool:
    return r.status in _CLOSED


COLUMNS: tuple[Column[ReferralRow], ...] = (
    Column(
        "Written",
        lambda r: f"{r.created_at.astimezone():%m/%d/%Y}",
        lambda r: r.created_at,
        strike=_cancelled,
    ),
    Column("To", lambda r: r.to_name, strike=_cancelled),
    Column("Specialty", lambda r: r.to_specialty),
    Column("Reason", lambda r: r.reason),
    Column("Urgency", lambda r: r.urgency.value, warn=lambda r: r.urgency != Urgency.ROUTINE),
    Column("Status", lambda r: r.status.value),
    Column("Sent", lambda r: f"{r.sent_date:%m/%d/%Y}" if r.sent_date else ""),
    Column("Referring", lambda r: r.referring_provider),
)


class ReferralDialog(FormDialog):
    """Write a referral: who to, why, the question, how urgent."""

    def __init__(
        self,
        service: ReferralService,
        actor: Actor,
        patient_id: int,
        ops: Operations,
        parent: QWidget,
    ) -> None:
        super().__init__("New referral", ops, f"chart:{patient_id}", parent)
        self._service = service
        self._actor = actor
        self._patient_id = patient_id
        self.to_name = QLineEdit()
        self.to_name.setPlaceholderText("e.g. Dr. Ana Silva")
        self.specialty = QLineEdit()
        self.specialty.setPlaceholderText("e.g. Cardiology")
        self.organization = QLineEdit()
        self.phone = QLineEdit()
        self.fax = QLineEdit()
        self.reason = QLineEdit()
        self.question = QPlainTextEdit()
        self.question.setTabChangesFocus(True)
        self.question.setFixedHeight(90)
        self.urgency = QComboBox()
        for u in Urgency:
            self.urgency.addItem(u.value.title(), u)
        self.add_row("Specialist *", self.to_name, "specialist")
        self.add_row("Specialty *", self.specialty, "specialty")
        self.add_row("Organization", self.organization, "organization")
        self.add_row("Phone", self.phone, "phone")
        self.add_row("Fax", self.fax, "fax")
        self.add_row("Reason *", self.reason, "reason")
        self.add_row("Clinical question", self.question, "clinical question")
        self.add_row("Urgency", self.urgency, "urgency", "referring provider")
        self.setMinimumWidth(560)
        self.to_name.setFocus()

    def call(self) -> ReferralRow:
        """Create the referral (a draft until marked sent)."""
        data = ReferralInput(
            to_name=self.to_name.text(),
            to_specialty=self.specialty.text(),
            reason=self.reason.text(),
            clinical_question=self.question.toPlainText(),
            urgency=self.urgency.currentData(),
            to_organization=self.organization.text(),
            to_phone=self.phone.text(),
            to_fax=self.fax.text(),
        )
        return self._service.create(self._actor, self._patient_id, data)


class ReferralsSection(QWidget):
    """Referrals, newest first, with their status; cancelled ones struck through."""

    title = "Referrals"

    def __init__(self, services: Services, actor: Actor, patient_id: int, ops: Operations) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.patient_id = patient_id
        self._ops = ops
        self.model: DtoTableModel[ReferralRow] = FadingTableModel(COLUMNS, _finished)
        self.table = make_table(self.model, "Referrals", 3)
        can = actor.can(Permission.REFERRAL_MANAGE)
        self.new = QPushButton("&New referral…")
        self.new.setAccessibleName("New referral")
        self.status = QComboBox()
        self.status.setAccessibleName("New status")
        self.set_status = QPushButton("&Set status")
        self.set_status.setAccessibleName("Set status")
        buttons = QHBoxLayout()
        buttons.addWidget(self.new)
        buttons.addStretch()
        buttons.addWidget(self.status)
        buttons.addWidget(self.set_status)
        for w in (self.new, self.status, self.set_status):
            w.setVisible(can)
        self.new.clicked.connect(self._on_new_clicked)
        self.set_status.clicked.connect(self._on_set_status_clicked)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        """Reload the referrals."""
        rows = self._ops.run(lambda: self._services.referrals.list(self._actor, self.patient_id))
        if rows is not None:
            self.model.set_rows(rows)
        self._update_buttons()

    def has_unsaved(self) -> bool:
        """Nothing is typed here outside a dialog."""
        return False

    def save_drafts(self) -> None:
        """Nothing to save."""

    def open_dialog(self) -> ReferralDialog:
        """Open the new-referral dialog, window-modal, and return it."""
        dialog = ReferralDialog(
            self._services.referrals, self._actor, self.patient_id, self._ops, self
        )
        dialog.open()
        return dialog

    def _update_buttons(self) -> None:
        """Offer only the statuses the selected referral may move to."""
        r = selected(self.table, self.model)
        self.status.clear()
        if r is not None:
            for s in ReferralStatus:
                if s in TRANSITIONS[r.status]:
                    self.status.addItem(f"Mark {s.value}", s)
        self.status.setPlaceholderText(
            "Select a referral" if r is None else f"No change: {r.status.value}"
        )
        self.status.setMinimumContentsLength(24)
        self.status.setEnabled(self.status.count() > 0)
        self.set_status.setEnabled(self.status.count() > 0)

    def _on_new_clicked(self) -> None:
        self.open_dialog()

    def _on_set_status_clicked(self) -> None:
        r = selected(self.table, self.model)
        status = self.status.currentData()
        if r is None or status is None:
            return
        self._ops.run(
            lambda: self._services.referrals.set_status(
                self._actor, r.id, status, expected_version=r.version
            ),
            changes=f"chart:{self.patient_id}",
        )
